"""Table 1 as a reader sees it: one table per data set, seeds against the paper's
numbers, maps of codes coloured by cluster.

Introduced in chapter 4 (*The full experiment*); the plumbing that would otherwise
fill its cells.
"""

from __future__ import annotations

import numpy as np

from .book import FIGURE_WIDTH, cluster_colours
from ..paper import TABLE1
from ..registry import METHODS
from .formatting import mean_sd_text as _pm, paper_text as _paper

__all__ = ["table1_for", "plot_seeds_against_paper", "plot_cluster_maps"]


def table1_for(table, dataset: str):
    """The rows of :func:`~caeward.experiments.results_table` for one data set, as
    text: Table 1's row name, the seeds, and our ACC and NMI (mean ± sd) beside the
    paper's.

    Returns
    -------
    pandas.DataFrame
        Columns ``Table 1 row``, ``seeds``, ``ACC``, ``ACC, paper``, ``NMI``,
        ``NMI, paper``.
    """
    import pandas as pd

    part = table[table["dataset"] == dataset]
    return pd.DataFrame({"Table 1 row": part["label"], "seeds": part["n_seeds"],
                         "ACC": [_pm(m, s) for m, s in zip(part["acc_mean"], part["acc_sd"])],
                         "ACC, paper": part["paper_acc"].map(_paper),
                         "NMI": [_pm(m, s) for m, s in zip(part["nmi_mean"], part["nmi_sd"])],
                         "NMI, paper": part["paper_nmi"].map(_paper)})


def plot_seeds_against_paper(results, methods, datasets):
    """One panel per data set and metric (rows: data sets): a dot per seed, a bar at
    our mean, a black tick at the paper's number.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    labels = [METHODS[m].label for m in methods]
    fig, axes = plt.subplots(len(datasets), 2, sharey=True, sharex=True,
                             figsize=(FIGURE_WIDTH, 0.28 * len(methods) * len(datasets) + 1.2))
    axes = np.atleast_2d(axes)
    for row, dataset in zip(axes, datasets):
        for ax, metric in zip(row, ("acc", "nmi")):
            for i, method in enumerate(methods):
                values = [100 * r.metrics[metric] for r in results
                          if (r.method, r.dataset) == (method, dataset)]
                if values:
                    ax.barh(i, np.mean(values), color="tab:blue", alpha=0.3)
                    ax.plot(values, np.full(len(values), i), "o", color="tab:blue", ms=3)
                paper = ((TABLE1.get(method) or {}).get(dataset) or {}).get(metric)
                if paper is not None:
                    ax.plot(paper, i, "|", color="black", ms=10, mew=2)
            ax.set_title(f"{dataset}: {metric.upper()} (%)")
            ax.set_xlim(40, 100)
            ax.grid(axis="x", alpha=0.3)
        row[0].set_yticks(range(len(methods)), labels)
    axes[0, 0].invert_yaxis()
    return fig


def plot_cluster_maps(maps: dict, panels: list, clusters: dict, titles: dict, ncols: int = 2,
                      legend: str | None = None):
    """Maps of points coloured by cluster, one panel per clustering, with one colour
    per cluster across panels (pass clusters renamed to their matched class, so that
    a colour means the same digit everywhere).

    Parameters
    ----------
    maps : dict
        ``name -> ndarray (n, 2)``, the 2-d map of each set of codes.
    panels : list of (map name, clustering name)
    clusters : dict
        ``clustering name -> ndarray (n,)`` of cluster ids in ``0..k-1``.
    titles : dict
        ``clustering name -> str``.
    legend : str, optional
        If given, a legend of the colours below the panels, titled with it, each
        colour named by its cluster id (the matched digit, when renamed so).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    nrows = int(np.ceil(len(panels) / ncols))
    k = int(max(c.max() for c in clusters.values())) + 1
    cmap = ListedColormap(cluster_colours(k))
    height = 3.1 * nrows + (0.7 if legend is not None else 0)  # and a row for the legend
    fig, axes = plt.subplots(nrows, ncols, figsize=(FIGURE_WIDTH, height), squeeze=False)
    for ax, (map_name, name) in zip(axes.flat, panels):
        xy = maps[map_name]
        ax.scatter(xy[:, 0], xy[:, 1], c=clusters[name], cmap=cmap, vmin=-0.5, vmax=k - 0.5,
                   s=1, alpha=0.6, rasterized=True)
        ax.set_title(titles[name])
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes.flat[len(panels):]:
        ax.set_axis_off()
    if legend is not None:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], ls="", marker="o", color=cmap(i), label=str(i)) for i in range(k)]
        fig.legend(handles=handles, title=legend, loc="outside lower center", ncols=min(k, 10),
                   frameon=False, handletextpad=0.1, columnspacing=0.8)
    return fig
