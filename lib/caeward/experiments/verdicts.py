"""The paper's claims, each tested against our runs, by rules fixed before reading them.

Introduced in chapter 4 (*The full experiment*), whose verdict table this makes; the
landing page and chapter 5 quote the same verdicts, so no two pages can disagree.
Every rule reads a 95 % confidence interval (:data:`LEVEL`) from Student's t
distribution (``scipy.stats.t``), over seeds; a claim is one of three kinds:

``reaches``
    a row reaches the paper's ACC. The interval of our mean over the row's n seeds,
    ``mean ± t(0.975, n−1) · sd / √n`` (sd with ddof=1). *Consistent with the
    paper* when the paper's number lies inside it, *below the paper* when the whole
    interval lies below it, *above the paper* when above.
``beats``
    row A has a higher ACC than row B. The interval of the difference A − B. When
    both rows cluster the codes of one training per seed (Ward and k-means on one
    autoencoder: ``paired``), the seeds both have are paired: the interval of the
    mean of the per-seed differences, ``d̄ ± t(0.975, m−1) · s_d / √m``. Otherwise
    (separate trainings) Welch's interval: ``(m_A − m_B) ± t(0.975, ν) · se`` with
    ``se = √(s_A²/n_A + s_B²/n_B)`` and Welch–Satterthwaite's
    ``ν = se⁴ / ((s_A²/n_A)²/(n_A−1) + (s_B²/n_B)²/(n_B−1))``. *A ahead* when the
    interval lies above 0, *B ahead* when below, *no difference shown* when it holds 0.
``best``
    row A has the highest mean ACC of all Table 1 rows. The row with the highest
    mean and, for each other row, the interval of its gap to it (paired where the
    two cluster one training, by the check of :func:`caeward.experiments.provenance.
    training_id`; Welch otherwise). *Best* when every gap's interval excludes 0;
    *tied with …* naming the rows whose interval holds 0; when A is not the top row,
    *X ahead* if X's gap over A excludes 0, else *tied with X*.

**Seeds that would decide it.** Where an interval does not decide (it holds the
paper's number, or 0), the verdict says how many seeds would, if the spread and the
distance stayed as observed: the smallest n with ``t(0.975, n−1) · s / √n < |δ|``,
where δ is the distance to decide (our mean − the paper's number, or the mean
difference) and s the observed sd (of the seeds, or of the paired differences). For
Welch, n seeds in each row: ``t(0.975, ν_n) · √((s_A² + s_B²)/n) < |δ|`` with
``ν_n = (n−1)(s_A² + s_B²)² / (s_A⁴ + s_B⁴)``. It is a planning figure, not a
promise: the next seeds move both the mean and the sd. Past :data:`MAX_SEEDS`, or
for δ = 0, it says "more than 1,000".

A rule needs two seeds or more of every row it reads; with fewer the verdict is
*too few seeds*. Each verdict also says where it leaves the paper's claim
(``stance``): ``agrees`` (consistent, above, A ahead, best), ``undecided`` (no
difference shown, tied) or ``contradicts`` (below, B ahead, another row ahead).

**The words.** The rules above decide an *outcome*; the rules below only choose the
words for it, so that no word says more than its interval. They came after the runs
were read (a reviewer's request), and none of them turns one outcome or stance into
another.

**Clipping.** ACC and NMI are percentages. An interval of a mean of one is clipped
to :data:`METRIC_RANGE`, [0, 100]; an interval of a difference of two to
:data:`DIFFERENCE_RANGE`, [−100, 100]. The clipped ends are the ones stored
(``low``, ``high``) and decided on, and the written interval says where it was
clipped: ``[87.21, 100.00] (clipped at 100)`` (:func:`interval_text`). The paper's
numbers and 0 lie inside these ranges, so clipping never changes an outcome.

**The margin.** An interval that excludes the point it is read against (the paper's
number, or 0 for a difference) decides; when its nearer end lies less than
:data:`MARGIN` (1 point of ACC) beyond that point, it decides *barely*, and the words
say so (:func:`interval_side`; ``barely`` in the verdict rows). One point, because
every rule reads ACC in percentage points, so one fixed number reads the same in
every claim and is easy to check by eye; a lower end under a point admits a gain
that would not matter (100 of MNIST-test's 10,000 images), and one point is under
half of the smallest difference between two rows that the paper's claims rest on
(2.24 points: the proposed CAE + Ward over DCEC on MNIST-test), so the margin
leaves every claim of the paper reachable. A fraction of the difference was not
chosen: it would call a 1-point gain whose interval starts at 0.3 shown.

**One training.** A verdict rests on one training when a row it reads has a single
seed (for a paired claim: a single seed in common). It has no interval, its outcome
is ``too few`` and every text made from it says *in one training*: the verdict
("too few seeds, in one training"), :func:`claim_words` ("cannot be judged in one
training"), :func:`claim_evidence` ("93.71 in one training, no interval"),
:func:`effect_words` ("not judged in one training") and :func:`where_shown`.

**No absolute negatives.** An interval that holds 0 shows no difference; it does not
show that there is none. Its words are *no difference shown*, *is not shown*, *no
gain shown* (*no loss shown* for a claimed loss), never "buys nothing" or "does
nothing".

**Outcome → words**, as the verdict column / :func:`claim_words` / :func:`tally_text`
write them (``A``, ``B``, ``X``: row labels; *barely*: by less than the margin):

- ``consistent``: "consistent with the paper; ~n seeds would decide it" / "is
  consistent with the paper".
- ``below``: "below the paper" / "falls short of the paper"; barely: "barely below
  the paper" / "falls barely short of the paper".
- ``above``: "above the paper" / "lies above the paper"; barely: "barely above the
  paper" / "lies barely above the paper".
- ``first``: "A ahead" / "holds"; barely: "A barely ahead" / "barely holds".
- ``second``: "B ahead" / "is reversed"; barely: "B barely ahead" / "is barely
  reversed".
- ``none``: "no difference shown; ~n seeds would decide it" / "is not shown".
- ``best``: "best of all rows" / "holds"; barely (some gap barely above 0): "barely
  best of all rows" / "barely holds".
- ``tied``: "tied with X …; ~n seeds would decide it" / "is a tie".
- ``behind``: "X ahead" / "does not hold"; barely: "X barely ahead" / "barely fails".
- ``too few``: "too few seeds" / "has too few seeds"; in one training: "too few
  seeds, in one training" / "cannot be judged in one training".

:func:`tally_text` counts the stances and says how many of each were barely decided
("5 agree with the paper (2 barely)"). For a change that is not one of the paper's
claims (chapter 5's variants), :func:`effect_words` says "a gain shown", "a gain
barely shown", "a loss shown", "a loss barely shown" or "no gain shown" / "no loss
shown", by the rule of *beats* (:func:`compare_samples`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .paper import TABLE1
from .registry import METHODS, TABLE1_METHODS
from .views.book import signed
from .views.formatting import mean_sd

__all__ = ["Claim", "PAPER_CLAIMS", "DEEPER_KMEANS", "LEVEL", "MAX_SEEDS", "MARGIN",
           "METRIC_RANGE", "DIFFERENCE_RANGE", "claim_verdicts", "verdict_grid", "claim_words",
           "claim_evidence", "tally_text", "where_shown", "compare_samples", "effect_words",
           "t_interval", "paired_interval", "welch_interval", "seeds_to_decide",
           "clip_interval", "interval_side", "interval_text"]

LEVEL = 0.95
"""The confidence level of every interval."""

MAX_SEEDS = 1000
"""Past this, "seeds that would decide it" says "more than 1,000"."""

MARGIN = 1.0
"""Points of ACC by which an interval must exclude the point it is read against (0,
or the paper's number) for the plain word; by less, the word says *barely* (the
module's docstring says why one point)."""

METRIC_RANGE = (0.0, 100.0)
"""What an interval of a mean of ACC or NMI (in percent) is clipped to."""

DIFFERENCE_RANGE = (-100.0, 100.0)
"""What an interval of a difference of two ACCs or NMIs (in points) is clipped to."""


@dataclass(frozen=True)
class Claim:
    """One claim of the paper: ``kind`` is ``"reaches"``, ``"beats"`` or ``"best"``;
    ``first`` is the row it is about, ``second`` the row it is compared with (beats);
    ``paired`` says that the two rows cluster the same training of each seed."""

    text: str
    kind: str
    first: str
    second: str | None = None
    paired: bool = False


PAPER_CLAIMS = (
    Claim("proposed + Ward reaches the paper's ACC", "reaches", "proposed-ward"),
    Claim("Ward beats k-means (proposed CAE)", "beats", "proposed-ward", "proposed-kmeans",
          paired=True),
    Claim("Ward beats k-means (DCEC's CAE)", "beats", "cae-ward", "cae-kmeans", paired=True),
    Claim("the deeper encoder helps Ward", "beats", "proposed-ward", "cae-ward"),
    Claim("proposed + Ward beats DCEC", "beats", "proposed-ward", "cae-idec"),
    Claim("proposed + Ward is the best row", "best", "proposed-ward"),
)

DEEPER_KMEANS = Claim("the deeper encoder helps k-means", "beats", "proposed-kmeans", "cae-kmeans")
"""Chapter 5's companion of the deeper-encoder claim, under the same rule (the paper's
Table 1 implies it; it does not state it)."""


# ------------------------------------------------------------------ the statistics

def _t(df: float, level: float = LEVEL) -> float:
    return float(stats.t.ppf(0.5 + level / 2, df))


def t_interval(values, level: float = LEVEL) -> tuple[float, float, float]:
    """``(mean, low, high)``: Student's t interval of the mean of ``values`` (two or
    more), not clipped (see :func:`clip_interval`)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < 2:
        raise ValueError("an interval needs two values or more")
    mean, half = values.mean(), _t(n - 1, level) * values.std(ddof=1) / math.sqrt(n)
    return float(mean), float(mean - half), float(mean + half)


def paired_interval(a, b, level: float = LEVEL) -> tuple[float, float, float]:
    """``(mean difference, low, high)`` of ``a − b``, paired element by element."""
    return t_interval(np.asarray(a, dtype=float) - np.asarray(b, dtype=float), level)


def welch_interval(a, b, level: float = LEVEL) -> tuple[float, float, float]:
    """``(mean(a) − mean(b), low, high)``: Welch's interval, for unpaired samples."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("an interval needs two values or more in each sample")
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    diff = float(a.mean() - b.mean())
    if se == 0:
        return diff, diff, diff
    df = se ** 4 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = _t(df, level) * se
    return diff, diff - half, diff + half


def seeds_to_decide(distance: float, sd: float, sd_other: float | None = None,
                    level: float = LEVEL) -> int | None:
    """The fewest seeds whose interval would exclude the point at ``distance`` from the
    mean, at the observed spread (the formula in the module's docstring).

    Parameters
    ----------
    distance : float
        Our mean minus the paper's number, or the mean difference.
    sd : float
        The sd of the seeds or of the paired differences; for Welch, of row A.
    sd_other : float, optional
        For Welch: the sd of row B (then n seeds in each row).

    Returns
    -------
    int, or None when more than :data:`MAX_SEEDS` (or ``distance`` is 0) would be needed.
    """
    distance = abs(distance)
    if distance == 0:
        return None
    for n in range(2, MAX_SEEDS + 1):
        if sd_other is None:
            half, df = _t(n - 1, level) * sd / math.sqrt(n), n - 1
        else:
            both = sd ** 2 + sd_other ** 2
            fourth = sd ** 4 + sd_other ** 4
            df = (n - 1) * both ** 2 / fourth if fourth else n - 1
            half = _t(df, level) * math.sqrt(both / n)
        if half < distance:
            return n
    return None


def clip_interval(low: float, high: float, bounds=METRIC_RANGE) -> tuple[float, float, bool]:
    """An interval cut to what the quantity allows.

    Parameters
    ----------
    low, high : float
        The interval's ends (NaN: no interval, returned as it is).
    bounds : tuple of float
        ``(smallest, largest)``: :data:`METRIC_RANGE` for a mean of ACC or NMI in
        percent, :data:`DIFFERENCE_RANGE` for a difference of two.

    Returns
    -------
    (low, high, clipped) : (float, float, bool)
        The clipped ends, and whether either end moved.
    """
    if low != low or high != high:
        return low, high, False
    new_low, new_high = max(low, bounds[0]), min(high, bounds[1])
    return new_low, new_high, (new_low, new_high) != (low, high)


def interval_side(low: float, high: float, point: float = 0.0,
                  margin: float = MARGIN) -> tuple[str, bool]:
    """Where an interval lies against a point, and whether only just.

    Parameters
    ----------
    low, high : float
        The interval (clipped, see :func:`clip_interval`).
    point : float
        What it is read against: 0 for a difference, the paper's number for a mean.
    margin : float
        :data:`MARGIN`.

    Returns
    -------
    (side, barely) : (str, bool)
        ``side`` is ``"above"`` (the whole interval above ``point``), ``"below"`` or
        ``"holds"`` (``point`` inside it, ends included); ``barely`` is True when the
        interval excludes ``point`` by less than ``margin``.
    """
    if low > point:
        return "above", low - point < margin
    if high < point:
        return "below", point - high < margin
    return "holds", False


def _bound_text(value: float) -> str:
    return f"{value:g}".replace("-", "−")


def interval_text(low: float, high: float, bounds=None) -> str:
    """``[76.70, 88.06]`` with real minus signs; with ``bounds`` (see
    :func:`clip_interval`) clipped to them and marked where clipped:
    ``[87.21, 100.00] (clipped at 100)``."""
    at = []
    if bounds is not None and low == low and high == high:
        if low < bounds[0]:
            low = bounds[0]
            at.append(_bound_text(bounds[0]))
        if high > bounds[1]:
            high = bounds[1]
            at.append(_bound_text(bounds[1]))
    text = f"[{low:.2f}, {high:.2f}]".replace("-", "−")
    return text + (f" (clipped at {' and '.join(at)})" if at else "")


def _decide_text(n: int | None) -> str:
    return "more than 1,000 seeds would decide it" if n is None else f"~{n} seeds would decide it"


# ---------------------------------------------------------------------- the rules

def _paper_acc(method: str, dataset: str) -> float | None:
    return ((TABLE1.get(method) or {}).get(dataset) or {}).get("acc")


def _label(method: str) -> str:
    return METHODS[method].label if method in METHODS else method


def claim_verdicts(results, claims=PAPER_CLAIMS, datasets=("mnist-full", "mnist-test")):
    """The verdict on each claim for each data set.

    Parameters
    ----------
    results : list of Result
        Runs of the Table 1 methods (any budget, but one).
    claims : sequence of Claim
    datasets : sequence of str

    Returns
    -------
    pandas.DataFrame
        One row per claim and data set with stored runs: ``claim``, ``data set``,
        ``paper`` (the paper's ACC, or its difference for *beats*), ``ours`` (mean ±
        sd over seeds, or the difference of means), ``95 % interval`` (of our mean,
        or of the difference; clipped and marked, see the module's docstring), ``n``
        (seeds: ``"5"``, ``"5 vs 3"``, ``"5 paired"``), ``verdict`` (words, with the
        seeds that would decide it where undecided), and the values behind them:
        ``outcome`` (``consistent``, ``below``, ``above``; ``first``, ``second``,
        ``none``; ``best``, ``tied``, ``behind``; or ``too few``), ``stance``
        (``agrees``, ``undecided``, ``contradicts``, ``too few``), ``barely``
        (decided by less than :data:`MARGIN`), ``clipped`` (the interval was cut to
        its range), ``one_training`` (a row it reads has one seed), ``ours_value``,
        ``low``, ``high`` (clipped), ``paper_value``, ``n_seeds``,
        ``seeds_to_decide`` (None when decided or beyond reach), ``test`` (which
        interval) and ``rival`` (for *best*: the top row, or the runner-up).
    """
    import pandas as pd

    acc, trainings = {}, {}
    for r in results:
        acc.setdefault((r.method, r.dataset), {})[r.seed] = 100 * r.metrics["acc"]
        trainings[(r.method, r.dataset, r.seed)] = _training(r)
    rows = []
    for claim in claims:
        for dataset in datasets:
            row = _verdict(claim, dataset, acc, trainings)
            if row is not None:
                rows.append({"claim": claim.text, "data set": dataset, **row})
    columns = ["claim", "data set", "paper", "ours", "95 % interval", "n", "verdict", "outcome", "stance",
               "barely", "clipped", "one_training", "ours_value", "low", "high", "paper_value", "n_seeds",
               "seeds_to_decide", "test", "rival"]
    return pd.DataFrame(rows, columns=columns)


def verdict_grid(verdicts, claims=PAPER_CLAIMS, datasets=("mnist-full", "mnist-test")):
    """:func:`claim_verdicts`'s table as a page's summary: one row per claim, and per
    data set two cells copied from it, the verdict and the 95 % interval, so that the
    summary and the long table cannot disagree.

    Parameters
    ----------
    verdicts : DataFrame
        :func:`claim_verdicts`'s table.
    claims : sequence of Claim
    datasets : sequence of str

    Returns
    -------
    pandas.DataFrame
        Columns ``claim``, then ``<data set>: verdict`` and ``<data set>: 95 %
        interval`` for each data set (``MNIST-full: verdict``, ...); "not run" and "–"
        where a claim has no verdict on a data set. 1 + 2 × len(datasets) columns.
    """
    import pandas as pd

    rows = []
    for claim in claims:
        row = {"claim": claim.text}
        for dataset in datasets:
            name = dataset.replace("mnist", "MNIST")
            found = verdicts[(verdicts["claim"] == claim.text) & (verdicts["data set"] == dataset)]
            row[f"{name}: verdict"] = found.iloc[0]["verdict"] if len(found) else "not run"
            row[f"{name}: 95 % interval"] = found.iloc[0]["95 % interval"] if len(found) else "–"
        rows.append(row)
    return pd.DataFrame(rows)


def _training(result):
    from .provenance import training_id

    found = training_id(result)
    return None if found is None else (found[0], found[3])


def _too_few(paper_text: str, ours: str, n_text: str, paper_value, n: int, one_training: bool,
             ours_value: float = np.nan) -> dict:
    return {"paper": paper_text, "ours": ours, "95 % interval": "–", "n": n_text,
            "verdict": "too few seeds, in one training" if one_training else "too few seeds",
            "outcome": "too few", "stance": "too few", "barely": False, "clipped": False,
            "one_training": one_training, "ours_value": ours_value, "low": np.nan, "high": np.nan,
            "paper_value": paper_value, "n_seeds": n, "seeds_to_decide": None, "test": None,
            "rival": None}




def _as_seeds(values) -> dict:
    return dict(values) if isinstance(values, Mapping) else dict(enumerate(values))


def compare_samples(first, second, paired: bool = False) -> dict:
    """The rule of *beats* for any two samples of ACC (or NMI) in percent: the 95 %
    interval of mean(first) − mean(second), clipped to :data:`DIFFERENCE_RANGE`, and
    its outcome with the margin.

    Parameters
    ----------
    first, second : mapping of seed to float, or sequence of float
        One value per training (a sequence counts its positions as seeds).
    paired : bool
        Pair the seeds both have (the two cluster one training per seed): the paired
        t interval; else Welch's interval over all values of each.

    Returns
    -------
    dict
        With the keys of a verdict row that :func:`claim_evidence` and
        :func:`effect_words` read: ``ours`` (the signed difference), ``ours_value``,
        ``low``, ``high``, ``clipped``, ``95 % interval`` (text), ``n`` (``"5
        paired"``, ``"5 vs 3"``), ``n_seeds``, ``test``, ``outcome`` (``first``: an
        interval above 0; ``second``: below; ``none``: it holds 0; ``too few``: fewer
        than two values where two are needed), ``barely``, ``one_training`` and
        ``seeds_to_decide`` (where ``none``); ``raw_low`` and ``raw_high``, the
        ends before clipping, where there is an interval.
    """
    a, b = _as_seeds(first), _as_seeds(second)
    if paired:
        seeds = sorted(set(a) & set(b))
        diffs = np.array([a[s] - b[s] for s in seeds], dtype=float)
        n_text, n_seeds, test = f"{len(seeds)} paired", len(seeds), "paired t"
        mean = float(diffs.mean()) if len(seeds) else np.nan
        enough, one = len(seeds) >= 2, len(seeds) == 1
    else:
        va, vb = np.array(list(a.values()), dtype=float), np.array(list(b.values()), dtype=float)
        n_text, n_seeds, test = f"{len(va)} vs {len(vb)}", min(len(va), len(vb)), "Welch t"
        mean = float(va.mean() - vb.mean()) if len(va) and len(vb) else np.nan
        enough, one = n_seeds >= 2, n_seeds == 1
    found = {"ours": "–" if mean != mean else signed(mean), "ours_value": mean, "n": n_text,
             "n_seeds": n_seeds, "test": test, "one_training": one, "barely": False,
             "clipped": False, "seeds_to_decide": None}
    if not enough:
        return {**found, "outcome": "too few", "low": np.nan, "high": np.nan, "95 % interval": "–",
                "test": None}
    if paired:
        _, raw_low, raw_high = t_interval(diffs)
        decide = seeds_to_decide(mean, diffs.std(ddof=1))
    else:
        _, raw_low, raw_high = welch_interval(va, vb)
        decide = seeds_to_decide(mean, va.std(ddof=1), vb.std(ddof=1))
    low, high, clipped = clip_interval(raw_low, raw_high, DIFFERENCE_RANGE)
    side, barely = interval_side(low, high)
    outcome = {"above": "first", "below": "second", "holds": "none"}[side]
    return {**found, "outcome": outcome, "barely": barely, "low": low, "high": high,
            "raw_low": raw_low, "raw_high": raw_high, "clipped": clipped,
            "95 % interval": interval_text(raw_low, raw_high, DIFFERENCE_RANGE),
            "seeds_to_decide": decide if outcome == "none" else None}


def _same_training(first: str, second: str, dataset: str, trainings: dict) -> bool:
    """Whether two rows cluster one training in every seed both have (and have any)."""
    seeds = [s for (m, d, s) in trainings if m == first and d == dataset
             and (second, dataset, s) in trainings]
    return bool(seeds) and all(trainings[(first, dataset, s)] is not None
                               and trainings[(first, dataset, s)] == trainings[(second, dataset, s)]
                               for s in seeds)


def _verdict(claim: Claim, dataset: str, acc: dict, trainings: dict) -> dict | None:
    """One verdict row: the rules of the module's docstring, outcome and words."""
    first = acc.get((claim.first, dataset), {})
    if not first:
        return None
    values = np.array(list(first.values()))
    if claim.kind == "reaches":
        paper = _paper_acc(claim.first, dataset)
        if paper is None:
            return None
        if len(values) < 2:
            return _too_few(f"{paper:.2f}", mean_sd(values), str(len(values)), paper, len(values),
                            len(values) == 1, float(values.mean()))
        mean, raw_low, raw_high = t_interval(values)
        low, high, clipped = clip_interval(raw_low, raw_high, METRIC_RANGE)
        side, barely = interval_side(low, high, paper)
        outcome = {"holds": "consistent", "above": "above", "below": "below"}[side]
        decide = seeds_to_decide(mean - paper, values.std(ddof=1)) if outcome == "consistent" else None
        verdict = {"consistent": "consistent with the paper", "below": "below the paper",
                   "above": "above the paper"}[outcome]
        if barely:
            verdict = "barely " + verdict
        if outcome == "consistent":
            verdict += f"; {_decide_text(decide)}"
        return {"paper": f"{paper:.2f}", "ours": mean_sd(values),
                "95 % interval": interval_text(raw_low, raw_high, METRIC_RANGE),
                "n": str(len(values)), "verdict": verdict, "outcome": outcome,
                "stance": "contradicts" if outcome == "below" else "agrees", "barely": barely,
                "clipped": clipped, "one_training": False, "ours_value": mean,
                "low": low, "high": high, "paper_value": paper, "n_seeds": len(values),
                "seeds_to_decide": decide, "test": "Student t", "rival": None}
    if claim.kind == "beats":
        other = acc.get((claim.second, dataset), {})
        if not other:
            return None
        paper_a, paper_b = _paper_acc(claim.first, dataset), _paper_acc(claim.second, dataset)
        paper = None if paper_a is None or paper_b is None else paper_a - paper_b
        paper_text = "–" if paper is None else signed(paper)
        found = compare_samples(first, other, claim.paired)
        outcome = found["outcome"]
        if outcome == "too few":
            return _too_few(paper_text, found["ours"], found["n"], paper, found["n_seeds"],
                            found["one_training"], found["ours_value"])
        ahead = " barely ahead" if found["barely"] else " ahead"
        verdict = {"first": _label(claim.first) + ahead, "second": _label(claim.second) + ahead,
                   "none": f"no difference shown; {_decide_text(found['seeds_to_decide'])}"}[outcome]
        return {"paper": paper_text, "ours": found["ours"], "95 % interval": found["95 % interval"],
                "n": found["n"], "verdict": verdict, "outcome": outcome,
                "stance": {"first": "agrees", "second": "contradicts", "none": "undecided"}[outcome],
                "barely": found["barely"], "clipped": found["clipped"], "one_training": False,
                "ours_value": found["ours_value"], "low": found["low"], "high": found["high"],
                "paper_value": paper, "n_seeds": found["n_seeds"],
                "seeds_to_decide": found["seeds_to_decide"], "test": found["test"], "rival": None}
    if claim.kind == "best":
        rows = {m: acc[(m, dataset)] for m in TABLE1_METHODS if (m, dataset) in acc}
        means = {m: float(np.mean(list(v.values()))) for m, v in rows.items()}
        ranked = sorted(means, key=means.get, reverse=True)
        top = ranked[0]
        gaps = {m: compare_samples(rows[top], rows[m], _same_training(top, m, dataset, trainings))
                for m in ranked[1:]}
        rank = f"rank {ranked.index(claim.first) + 1} of {len(ranked)}"
        if len(values) < 2 or any(g["outcome"] == "too few" for g in gaps.values()):
            one = len(values) == 1 or any(g["one_training"] for g in gaps.values())
            return _too_few("best of all rows", rank, str(len(values)), None, len(values), one)
        tied = [m for m, g in gaps.items() if g["low"] <= 0]
        if top == claim.first:
            runner = ranked[1] if len(ranked) > 1 else None
            gap = gaps.get(runner)
            outcome = "tied" if tied else "best"
            barely = not tied and any(g["barely"] for g in gaps.values())
            verdict = (("barely " if barely else "") + "best of all rows" if not tied
                       else f"tied with {_label(tied[0])}"
                       + (f" and {len(tied) - 1} more rows" if len(tied) > 2 else
                          f" and {_label(tied[1])}" if len(tied) == 2 else ""))
        else:
            runner, gap = top, gaps[claim.first]
            outcome = "tied" if claim.first in tied else "behind"
            barely = outcome == "behind" and gap["barely"]
            verdict = (f"tied with {_label(top)}, the top row" if outcome == "tied"
                       else f"{_label(top)}{' barely' if barely else ''} ahead")
        decide = None
        if outcome == "tied" and gap is not None:
            decide = gap["seeds_to_decide"]
            verdict += f"; {_decide_text(decide)}"
        sign = 1 if top == claim.first else -1  # the gap of our row over its rival
        interval = "–" if gap is None else interval_text(
            *sorted((sign * gap["raw_low"], sign * gap["raw_high"])), DIFFERENCE_RANGE)
        return {"paper": "best of all rows", "ours": rank, "95 % interval": interval,
                "n": str(len(values)), "verdict": verdict, "outcome": outcome,
                "stance": {"best": "agrees", "tied": "undecided", "behind": "contradicts"}[outcome],
                "barely": barely, "clipped": False if gap is None else gap["clipped"],
                "one_training": False,
                "ours_value": np.nan if gap is None else sign * gap["ours_value"],
                "low": np.nan if gap is None else min(sign * gap["low"], sign * gap["high"]),
                "high": np.nan if gap is None else max(sign * gap["low"], sign * gap["high"]),
                "paper_value": None, "n_seeds": len(values), "seeds_to_decide": decide,
                "test": None if gap is None else gap["test"], "rival": runner}
    raise ValueError(f"unknown kind of claim {claim.kind!r}: 'reaches', 'beats' or 'best'")


# ---------------------------------------------------------------------- the words

_WORDS = {"consistent": "is consistent with the paper", "below": "falls short of the paper",
          "above": "lies above the paper", "first": "holds", "second": "is reversed",
          "none": "is not shown", "best": "holds", "tied": "is a tie", "behind": "does not hold",
          "too few": "has too few seeds"}
_BARELY = {"below": "falls barely short of the paper", "above": "lies barely above the paper",
           "first": "barely holds", "second": "is barely reversed", "best": "barely holds",
           "behind": "barely fails"}


def _flag(row, key: str) -> bool:
    value = row.get(key, False)
    return bool(value) and value == value


def claim_words(row) -> str:
    """A verdict row as the prose says it (the list in the module's docstring):
    ``"is consistent with the paper"``, ``"holds"``, ``"barely holds"``, ``"is not
    shown"``, ``"is a tie"``, ``"cannot be judged in one training"``, ..."""
    outcome = row["outcome"]
    if outcome == "too few":
        return "cannot be judged in one training" if _flag(row, "one_training") else _WORDS[outcome]
    return _BARELY[outcome] if _flag(row, "barely") else _WORDS[outcome]


def _seeds_text(n_text: str) -> str:
    if n_text == "1":
        return "1 seed"
    return n_text.replace("paired", "paired seeds") if "paired" in n_text else f"{n_text} seeds"


def claim_evidence(row) -> str:
    """The numbers behind a verdict in one parenthesis-ready phrase: ``"82.38 ± 4.58,
    95 % interval [76.70, 88.07], 5 seeds"``, ``"+2.60 points, 95 % interval [−4.28,
    9.48], 5 paired seeds"`` (a clipped interval marked: ``"[87.21, 100.00] (clipped at
    100)"``), or without an interval ``"93.71 in one training, no interval"``. Reads a
    row of :func:`claim_verdicts` or the result of :func:`compare_samples`."""
    ours = row["ours"]
    if ours.startswith(("+", "−")):
        ours += " points"
    elif ours.startswith("rank") and row["outcome"] != "too few":
        ours = f"{row['ours']}, gap {signed(row['ours_value'])} points"
    if row["outcome"] == "too few":
        n_text = row["n"]
        if ours == "–":
            return f"{_seeds_text(n_text)}, no interval"
        if _flag(row, "one_training"):
            if n_text in ("1", "1 paired"):
                return f"{ours} in one training, no interval"
            if n_text == "1 vs 1":
                return f"{ours}, each row in one training, no interval"
            return f"{ours}, {_seeds_text(n_text)}, one row in one training, no interval"
        return f"{ours}, {_seeds_text(n_text)}, no interval"
    return f"{ours}, 95 % interval {row['95 % interval']}, {_seeds_text(row['n'])}"


def effect_words(row, claimed: str = "gain") -> str:
    """A difference judged by the rule of *beats*, in words for a change that the prose
    asks about: ``"a gain shown"``, ``"a loss barely shown"``, ``"no gain shown"``, ...

    Parameters
    ----------
    row : dict or Series
        :func:`compare_samples`'s result, or a *beats* row of :func:`claim_verdicts`
        (first minus second).
    claimed : {"gain", "loss"}
        What the prose asks about; it names what is *not* shown when the interval
        holds 0 (``"no gain shown"`` or ``"no loss shown"``). A shown change is named
        by its sign whatever was asked.

    Returns
    -------
    str
        ``"a gain shown"`` / ``"a loss shown"`` (the interval excludes 0 by
        :data:`MARGIN` or more), ``"a gain barely shown"`` / ``"a loss barely shown"``
        (by less), ``"no gain shown"`` / ``"no loss shown"`` (it holds 0), ``"not
        judged in one training"`` or ``"not judged: too few seeds"``.
    """
    if claimed not in ("gain", "loss"):
        raise ValueError(f"claimed is 'gain' or 'loss', not {claimed!r}")
    outcome = row["outcome"]
    if outcome == "too few":
        return ("not judged in one training" if _flag(row, "one_training")
                else "not judged: too few seeds")
    if outcome == "none":
        return f"no {claimed} shown"
    if outcome not in ("first", "second"):
        raise ValueError(f"effect_words reads a difference, not a {outcome!r} verdict")
    effect = "gain" if outcome == "first" else "loss"
    return f"a {effect} barely shown" if _flag(row, "barely") else f"a {effect} shown"


def _count_text(n: int, words: str, barely: int) -> str:
    text = f"{n} {words}"
    if barely:
        text += (" (barely)" if n == 1 else " (both barely)" if barely == n == 2
                 else " (all barely)" if barely == n else f" ({barely} barely)")
    return text


def tally_text(verdicts) -> str:
    """How the verdicts leave the paper's claims, in words: ``"3 agree with the paper
    (1 barely), 8 are undecided and 1 contradicts it"`` (the ``stance`` column; the
    ``barely`` column counted within it)."""
    counts = verdicts["stance"].value_counts()
    barely = (verdicts[verdicts["barely"].fillna(False).astype(bool)]["stance"].value_counts()
              if "barely" in verdicts else counts * 0)
    parts = []
    for stance, one, many in (("agrees", "agrees with the paper", "agree with the paper"),
                              ("undecided", "is undecided", "are undecided"),
                              ("contradicts", "contradicts it", "contradict it"),
                              ("too few", "has too few seeds", "have too few seeds")):
        n = int(counts.get(stance, 0))
        if n:
            parts.append(_count_text(n, one if n == 1 else many, int(barely.get(stance, 0))))
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else "none"


def _names(datasets) -> str:
    names = [d.replace("mnist", "MNIST") for d in datasets]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def where_shown(verdicts, claim: Claim, datasets) -> str:
    """Where a claim is shown (its verdict agrees with the paper), as a phrase:
    ``"shown on both data sets"``, ``"barely shown on MNIST-full and shown on
    MNIST-test"``, ``"shown on MNIST-test only"``, ``"shown on neither data set"``;
    data sets whose verdict rests on one training are named as such (``"…; on
    MNIST-test in one training"``).

    Parameters
    ----------
    verdicts : DataFrame
        :func:`claim_verdicts`'s table.
    claim : Claim
    datasets : sequence of str
        The data sets the phrase speaks of (one without a verdict counts as not shown).
    """
    state, one_training = {}, []
    for dataset in datasets:
        rows = verdicts[(verdicts["claim"] == claim.text) & (verdicts["data set"] == dataset)]
        if not len(rows):
            continue
        row = rows.iloc[0]
        if row["stance"] == "agrees":
            state[dataset] = "barely shown" if _flag(row, "barely") else "shown"
        elif row["outcome"] == "too few" and _flag(row, "one_training"):
            one_training.append(dataset)
    phrases = set(state.values())
    if len(state) == len(datasets) and len(phrases) == 1:
        text = f"{phrases.pop()} on " + ("both data sets" if len(datasets) == 2 else
                                         "every data set" if len(datasets) > 2 else _names(datasets))
    elif state:
        ordered = list(dict.fromkeys(state[d] for d in datasets if d in state))
        text = " and ".join(f"{p} on {_names([d for d in datasets if state.get(d) == p])}"
                            for p in ordered)
        text += "" if len(state) == len(datasets) else " only"
    else:
        text = "shown on neither data set" if len(datasets) == 2 else "shown on no data set"
    if one_training:
        text += f"; on {_names(one_training)} in one training"
    return text
