"""The tables of stored results: mean ± sd over seeds per method and data set, beside the paper's.

Introduced in chapter 1; chapters 2 and 4 and the landing page print them.
:func:`results_table` computes the numbers from :class:`~caeward.experiments.results.Result`
records, :func:`format_table` writes them as a reader sees them (with
:mod:`~caeward.experiments.views.formatting`).
"""

from __future__ import annotations

import numpy as np

from ..paper import TABLE1
from ..registry import METHODS
from ..results import Result
from ..settings import DATASETS
from .formatting import mean_sd_text, paper_text

__all__ = ["results_table", "format_table"]


def results_table(results: list[Result], methods: list[str] | None = None):
    """Mean ± sd (over seeds) per method and dataset, with the paper's numbers.

    Parameters
    ----------
    results : list of Result
    methods : list of str, optional
        Row order (default: the order of :data:`~caeward.experiments.registry.METHODS`).

    Returns
    -------
    pandas.DataFrame
        One row per method and dataset, columns ``n_seeds``, ``acc_mean``,
        ``acc_sd``, ``nmi_mean``, ``nmi_sd`` (in %, sd with ddof=1, NaN for one
        seed), ``nmi_geometric_mean`` and ``paper_acc``, ``paper_nmi`` (the
        paper's reported numbers).

    Raises
    ------
    ValueError
        Two results of the same method, data set, seed and budget.
    """
    import pandas as pd

    seen = set()
    for r in results:
        if (r.method, r.dataset, r.seed, r.budget) in seen:
            raise ValueError(f"two results of {r.method} / {r.dataset} / seed {r.seed} ({r.budget}): "
                             "a table counts each run once")
        seen.add((r.method, r.dataset, r.seed, r.budget))
    rows = []
    order = methods or [m for m in METHODS if any(r.method == m for r in results)]
    for method in order:
        for dataset in DATASETS:
            runs = [r for r in results if r.method == method and r.dataset == dataset]
            if not runs:
                continue
            acc, nmi, nmi_geo = (100 * np.array([r.metrics[k] for r in runs])
                                 for k in ("acc", "nmi", "nmi_geometric"))
            paper = (TABLE1.get(method) or {}).get(dataset) or {}
            rows.append({
                "method": method, "label": METHODS[method].label if method in METHODS else method,
                "dataset": dataset, "n_seeds": len(runs),
                "acc_mean": acc.mean(), "acc_sd": acc.std(ddof=1) if len(runs) > 1 else np.nan,
                "nmi_mean": nmi.mean(), "nmi_sd": nmi.std(ddof=1) if len(runs) > 1 else np.nan,
                "nmi_geometric_mean": nmi_geo.mean(),
                "paper_acc": paper.get("acc"), "paper_nmi": paper.get("nmi"),
            })
    return pd.DataFrame(rows)


def format_table(table):
    """The table of :func:`results_table` as a reader sees it: ``mean ± sd`` strings
    beside the paper's numbers, one row per method, a column group per dataset."""
    import pandas as pd

    pm, paper = mean_sd_text, paper_text
    out = {}
    for _, r in table.iterrows():
        row = out.setdefault(r["label"], {})
        row[(r["dataset"], "seeds")] = int(r["n_seeds"])
        row[(r["dataset"], "ACC (ours)")] = pm(r["acc_mean"], r["acc_sd"])
        row[(r["dataset"], "ACC (paper)")] = paper(r["paper_acc"])
        row[(r["dataset"], "NMI (ours)")] = pm(r["nmi_mean"], r["nmi_sd"])
        row[(r["dataset"], "NMI (paper)")] = paper(r["paper_nmi"])
    frame = pd.DataFrame.from_dict(out, orient="index")
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    for column in frame.columns:  # a row not run on a data set: a dash, not NaN
        if column[1] == "seeds":
            frame[column] = frame[column].map(lambda v: "–" if pd.isna(v) else str(int(v)))
    frame = frame.fillna("–")
    frame.index.name = "method"
    return frame
