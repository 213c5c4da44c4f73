"""The paper's claims, each tested against our runs, by rules fixed before reading them.

Introduced in chapter 4 (*The full experiment*), whose verdict table this makes. A
claim is one of three kinds, each with its rule:

``reaches``
    a row reaches the paper's ACC. *Reproduced* when our mean lies no more than one
    of our standard deviations below the paper's number (or above it); *partly* when
    some seeds reach it but the mean lies further below; *not reproduced* when no seed
    reaches it.
``beats``
    row A has a higher ACC than row B. When both cluster the codes of one training per
    seed (Ward and k-means on one autoencoder), the comparison is seed by seed:
    *reproduced* when A is ahead on average and in more than half of the seeds. When
    they are separate trainings it is the difference of the means: *reproduced* when
    it is positive and larger than the larger of the two standard deviations,
    *unclear* when positive but smaller. Otherwise *not reproduced*.
``best``
    row A has the highest mean ACC of all Table 1 rows: *reproduced* or not, naming
    the row that is higher.

A rule needs two seeds or more of every row it reads; with fewer the verdict is
*too few seeds*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .book import signed
from .paper import TABLE1
from .registry import METHODS, TABLE1_METHODS
from .results import mean_sd

__all__ = ["Claim", "PAPER_CLAIMS", "claim_verdicts"]


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


def _paper_acc(method: str, dataset: str) -> float | None:
    return ((TABLE1.get(method) or {}).get(dataset) or {}).get("acc")


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
        sd over seeds, or the difference of means), ``seeds`` (how many seeds reach
        the paper's number, or put the first row ahead), ``verdict``, and the numbers
        behind them: ``ours_value``, ``paper_value``, ``n_reaching``, ``n_seeds``.
    """
    import pandas as pd

    acc = {}
    for r in results:
        acc.setdefault((r.method, r.dataset), {})[r.seed] = 100 * r.metrics["acc"]
    rows = []
    for claim in claims:
        for dataset in datasets:
            row = _verdict(claim, dataset, acc)
            if row is not None:
                rows.append({"claim": claim.text, "data set": dataset, **row})
    return pd.DataFrame(rows)


def _verdict(claim: Claim, dataset: str, acc: dict) -> dict | None:
    first = acc.get((claim.first, dataset), {})
    if not first:
        return None
    values = np.array(list(first.values()))
    if claim.kind == "reaches":
        paper = _paper_acc(claim.first, dataset)
        if paper is None:
            return None
        reaching = int(np.sum(values >= paper))
        if len(values) < 2:
            verdict = "too few seeds"
        elif values.mean() >= paper - values.std(ddof=1):
            verdict = "reproduced"
        elif reaching:
            verdict = "partly"
        else:
            verdict = "not reproduced"
        return {"paper": f"{paper:.2f}", "ours": mean_sd(values), "seeds": f"{reaching} of {len(values)} reach it",
                "verdict": verdict, "ours_value": values.mean(), "paper_value": paper,
                "n_reaching": reaching, "n_seeds": len(values)}
    if claim.kind == "beats":
        other = acc.get((claim.second, dataset), {})
        if not other:
            return None
        paper_a, paper_b = _paper_acc(claim.first, dataset), _paper_acc(claim.second, dataset)
        paper = None if paper_a is None or paper_b is None else paper_a - paper_b
        if claim.paired:
            seeds = sorted(set(first) & set(other))
            diffs = np.array([first[s] - other[s] for s in seeds])
            ahead = int(np.sum(diffs > 0))
            diff = diffs.mean() if len(diffs) else np.nan
            enough = len(diffs) >= 2
            holds = enough and diff > 0 and ahead > len(diffs) / 2
            verdict = ("too few seeds" if not enough else "reproduced" if holds else "not reproduced")
            seeds_text, n = f"ahead in {ahead} of {len(diffs)}", len(diffs)
        else:
            b = np.array(list(other.values()))
            diff = values.mean() - b.mean()
            enough = len(values) >= 2 and len(b) >= 2
            spread = max(values.std(ddof=1), b.std(ddof=1)) if enough else np.nan
            verdict = ("too few seeds" if not enough else "not reproduced" if diff <= 0 else
                       "reproduced" if diff > spread else "unclear")
            ahead, n = None, min(len(values), len(b))
            seeds_text = f"{len(values)} vs {len(b)} seeds"
        return {"paper": "–" if paper is None else signed(paper), "ours": signed(diff), "seeds": seeds_text,
                "verdict": verdict, "ours_value": diff, "paper_value": paper, "n_reaching": ahead, "n_seeds": n}
    if claim.kind == "best":
        means = {m: np.mean(list(acc[(m, dataset)].values())) for m in TABLE1_METHODS if (m, dataset) in acc}
        ranked = sorted(means, key=means.get, reverse=True)
        rank = ranked.index(claim.first) + 1
        verdict = ("reproduced" if rank == 1 else
                   f"not reproduced: {METHODS[ranked[0]].label} is higher")
        return {"paper": "best of all rows", "ours": f"rank {rank} of {len(ranked)}", "seeds": "–",
                "verdict": verdict, "ours_value": float(rank), "paper_value": 1.0,
                "n_reaching": None, "n_seeds": len(values)}
    raise ValueError(f"unknown kind of claim {claim.kind!r}: 'reaches', 'beats' or 'best'")
