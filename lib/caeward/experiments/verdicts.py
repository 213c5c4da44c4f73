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
    two cluster one training, by the check of :func:`caeward.experiments.results.
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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .book import signed
from .paper import TABLE1
from .registry import METHODS, TABLE1_METHODS

__all__ = ["Claim", "PAPER_CLAIMS", "DEEPER_KMEANS", "LEVEL", "MAX_SEEDS", "claim_verdicts", "claim_words",
           "claim_evidence", "tally_text",
           "t_interval", "paired_interval", "welch_interval", "seeds_to_decide", "interval_text"]

LEVEL = 0.95
"""The confidence level of every interval."""

MAX_SEEDS = 1000
"""Past this, "seeds that would decide it" says "more than 1,000"."""


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
    more)."""
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


def interval_text(low: float, high: float) -> str:
    """``[76.70, 88.06]`` with real minus signs."""
    return f"[{low:.2f}, {high:.2f}]".replace("-", "−")


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
        or of the difference), ``n`` (seeds: ``"5"``, ``"5 vs 3"``, ``"5 paired"``),
        ``verdict`` (words, with the seeds that would decide it where undecided), and
        the values behind them: ``outcome`` (``consistent``, ``below``, ``above``;
        ``first``, ``second``, ``none``; ``best``, ``tied``, ``behind``; or ``too
        few``), ``stance`` (``agrees``, ``undecided``, ``contradicts``, ``too few``),
        ``ours_value``, ``low``, ``high``, ``paper_value``, ``n_seeds``,
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
               "ours_value", "low", "high", "paper_value", "n_seeds", "seeds_to_decide", "test", "rival"]
    return pd.DataFrame(rows, columns=columns)


def _training(result):
    from .results import training_id

    found = training_id(result)
    return None if found is None else (found[0], found[3])


def _too_few(paper_text: str, ours: str, n_text: str, paper_value, n: int) -> dict:
    return {"paper": paper_text, "ours": ours, "95 % interval": "–", "n": n_text,
            "verdict": "too few seeds", "outcome": "too few", "stance": "too few", "ours_value": np.nan,
            "low": np.nan, "high": np.nan, "paper_value": paper_value, "n_seeds": n, "seeds_to_decide": None,
            "test": None, "rival": None}


def _mean_sd(values) -> str:
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.2f}" + (f" ± {values.std(ddof=1):.2f}" if len(values) > 1 else "")


def _compare(a: dict, b: dict, paired: bool) -> dict | None:
    """The interval of mean(a) − mean(b) (``a``, ``b``: seed -> ACC), paired on the seeds
    both have when ``paired``; None with fewer than two values where one is needed."""
    if paired:
        seeds = sorted(set(a) & set(b))
        if len(seeds) < 2:
            return None
        diffs = np.array([a[s] - b[s] for s in seeds])
        mean, low, high = t_interval(diffs)
        return {"mean": mean, "low": low, "high": high, "n": f"{len(seeds)} paired", "n_seeds": len(seeds),
                "test": "paired t", "decide": seeds_to_decide(mean, diffs.std(ddof=1))}
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = np.array(list(a.values())), np.array(list(b.values()))
    mean, low, high = welch_interval(va, vb)
    return {"mean": mean, "low": low, "high": high, "n": f"{len(va)} vs {len(vb)}",
            "n_seeds": min(len(va), len(vb)), "test": "Welch t",
            "decide": seeds_to_decide(mean, va.std(ddof=1), vb.std(ddof=1))}


def _same_training(first: str, second: str, dataset: str, trainings: dict) -> bool:
    """Whether two rows cluster one training in every seed both have (and have any)."""
    seeds = [s for (m, d, s) in trainings if m == first and d == dataset
             and (second, dataset, s) in trainings]
    return bool(seeds) and all(trainings[(first, dataset, s)] is not None
                               and trainings[(first, dataset, s)] == trainings[(second, dataset, s)]
                               for s in seeds)


def _verdict(claim: Claim, dataset: str, acc: dict, trainings: dict) -> dict | None:
    first = acc.get((claim.first, dataset), {})
    if not first:
        return None
    values = np.array(list(first.values()))
    if claim.kind == "reaches":
        paper = _paper_acc(claim.first, dataset)
        if paper is None:
            return None
        if len(values) < 2:
            return _too_few(f"{paper:.2f}", _mean_sd(values), str(len(values)), paper, len(values))
        mean, low, high = t_interval(values)
        outcome = "consistent" if low <= paper <= high else "below" if high < paper else "above"
        decide = seeds_to_decide(mean - paper, values.std(ddof=1)) if outcome == "consistent" else None
        verdict = {"consistent": "consistent with the paper", "below": "below the paper",
                   "above": "above the paper"}[outcome]
        if outcome == "consistent":
            verdict += f"; {_decide_text(decide)}"
        return {"paper": f"{paper:.2f}", "ours": _mean_sd(values), "95 % interval": interval_text(low, high),
                "n": str(len(values)), "verdict": verdict, "outcome": outcome,
                "stance": "contradicts" if outcome == "below" else "agrees", "ours_value": mean,
                "low": low, "high": high, "paper_value": paper, "n_seeds": len(values),
                "seeds_to_decide": decide, "test": "Student t", "rival": None}
    if claim.kind == "beats":
        other = acc.get((claim.second, dataset), {})
        if not other:
            return None
        paper_a, paper_b = _paper_acc(claim.first, dataset), _paper_acc(claim.second, dataset)
        paper = None if paper_a is None or paper_b is None else paper_a - paper_b
        paper_text = "–" if paper is None else signed(paper)
        found = _compare(first, other, claim.paired)
        if found is None:
            n = len(set(first) & set(other)) if claim.paired else min(len(first), len(other))
            return _too_few(paper_text, "–", str(n), paper, n)
        outcome = "first" if found["low"] > 0 else "second" if found["high"] < 0 else "none"
        decide = found["decide"] if outcome == "none" else None
        verdict = {"first": f"{_label(claim.first)} ahead", "second": f"{_label(claim.second)} ahead",
                   "none": f"no difference shown; {_decide_text(decide)}"}[outcome]
        return {"paper": paper_text, "ours": signed(found["mean"]),
                "95 % interval": interval_text(found["low"], found["high"]), "n": found["n"],
                "verdict": verdict, "outcome": outcome,
                "stance": {"first": "agrees", "second": "contradicts", "none": "undecided"}[outcome],
                "ours_value": found["mean"], "low": found["low"], "high": found["high"], "paper_value": paper,
                "n_seeds": found["n_seeds"], "seeds_to_decide": decide, "test": found["test"], "rival": None}
    if claim.kind == "best":
        rows = {m: acc[(m, dataset)] for m in TABLE1_METHODS if (m, dataset) in acc}
        means = {m: float(np.mean(list(v.values()))) for m, v in rows.items()}
        ranked = sorted(means, key=means.get, reverse=True)
        top = ranked[0]
        gaps = {m: _compare(rows[top], rows[m], _same_training(top, m, dataset, trainings))
                for m in ranked[1:]}
        if len(values) < 2 or any(g is None for g in gaps.values()):
            return _too_few("best of all rows", f"rank {ranked.index(claim.first) + 1} of {len(ranked)}",
                            str(len(values)), None, len(values))
        tied = [m for m, g in gaps.items() if g["low"] <= 0]
        if top == claim.first:
            runner = ranked[1] if len(ranked) > 1 else None
            gap = gaps.get(runner)
            outcome = "tied" if tied else "best"
            verdict = ("best of all rows" if not tied else f"tied with {_label(tied[0])}"
                       + (f" and {len(tied) - 1} more rows" if len(tied) > 2 else
                          f" and {_label(tied[1])}" if len(tied) == 2 else ""))
        else:
            runner, gap = top, gaps[claim.first]
            outcome = "tied" if claim.first in tied else "behind"
            verdict = (f"tied with {_label(top)}, the top row" if outcome == "tied"
                       else f"{_label(top)} ahead")
        decide = None
        if outcome == "tied" and gap is not None:
            decide = gap["decide"]
            verdict += f"; {_decide_text(decide)}"
        sign = 1 if top == claim.first else -1  # the gap of our row over its rival
        return {"paper": "best of all rows",
                "ours": f"rank {ranked.index(claim.first) + 1} of {len(ranked)}",
                "95 % interval": "–" if gap is None else
                interval_text(*sorted((sign * gap["low"], sign * gap["high"]))),
                "n": str(len(values)), "verdict": verdict, "outcome": outcome,
                "stance": {"best": "agrees", "tied": "undecided", "behind": "contradicts"}[outcome],
                "ours_value": np.nan if gap is None else sign * gap["mean"],
                "low": np.nan if gap is None else min(sign * gap["low"], sign * gap["high"]),
                "high": np.nan if gap is None else max(sign * gap["low"], sign * gap["high"]),
                "paper_value": None, "n_seeds": len(values), "seeds_to_decide": decide,
                "test": None if gap is None else gap["test"], "rival": runner}
    raise ValueError(f"unknown kind of claim {claim.kind!r}: 'reaches', 'beats' or 'best'")


_WORDS = {"consistent": "is consistent with the paper", "below": "falls short of the paper",
          "above": "lies above the paper", "first": "holds", "second": "is reversed",
          "none": "is not shown", "best": "holds", "tied": "is a tie", "behind": "does not hold",
          "too few": "has too few seeds"}


def claim_words(row) -> str:
    """A verdict row as the prose says it: ``"is consistent with the paper"``,
    ``"holds"``, ``"is not shown"``, ``"is a tie"``, ..."""
    return _WORDS[row["outcome"]]


def claim_evidence(row) -> str:
    """The numbers behind a verdict in one parenthesis-ready phrase: ``"82.38 ± 4.58,
    95 % interval [76.70, 88.07], 5 seeds"`` or ``"+2.60 points, 95 % interval [−4.28,
    9.48], 5 paired seeds"``."""
    if row["outcome"] == "too few":
        return f"{row['n']} seed(s)"
    ours = row["ours"]
    if ours.startswith(("+", "−")):
        ours += " points"
    elif ours.startswith("rank"):
        ours = f"{row['ours']}, gap {signed(row['ours_value'])} points"
    seeds = row["n"].replace("paired", "paired seeds") if "paired" in row["n"] else f"{row['n']} seeds"
    return f"{ours}, 95 % interval {row['95 % interval']}, {seeds}"


def tally_text(verdicts) -> str:
    """How the verdicts leave the paper's claims, in words: ``"3 agree with the paper,
    8 are undecided and 1 contradicts it"`` (the ``stance`` column)."""
    counts = verdicts["stance"].value_counts()
    parts = []
    for stance, one, many in (("agrees", "agrees with the paper", "agree with the paper"),
                              ("undecided", "is undecided", "are undecided"),
                              ("contradicts", "contradicts it", "contradict it"),
                              ("too few", "has too few seeds", "have too few seeds")):
        n = int(counts.get(stance, 0))
        if n:
            parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else "none"
