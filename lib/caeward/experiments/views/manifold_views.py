"""Tables and figures of the manifold step (chapter 6), so that its cells show the idea.

Introduced in chapter 6 (*Beyond the paper*). Plain functions: they take the stored
:class:`~caeward.experiments.results.Result` records, or frames made of them, and
return frames, or draw on axes they are given. Nothing here trains or embeds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .ablation_views import titled
from .formatting import mean_sd
from ..registry import METHODS

__all__ = ["SPACES", "titled", "comparison_table", "tie_table", "close_call_frame", "close_call_summary",
           "plot_close_calls", "stored_rule_frame", "confusion_frame", "plot_confused_images",
           "plot_embedding_2d", "median_seconds"]

SPACES = {"raw codes": "o", "UMAP": "^"}
"""Where Ward cut: the autoencoder's codes, or their UMAP embedding (and its marker)."""



def _pm(values) -> str:
    return mean_sd(values, compact=True)


def comparison_table(results, methods, dataset: str, paper: dict, reported: dict | None = None,
                     reported_label: str = "N2D (reported)") -> pd.DataFrame:
    """Chapter 6's table of one data set: per method, its seeds, ACC and NMI in %
    (ours: mean ± sd over seeds) and the reported numbers.

    Parameters
    ----------
    results : list of Result
    methods : list of str
        Row order; methods without runs on ``dataset`` are left out.
    dataset : str
    paper : dict
        :data:`~caeward.experiments.TABLE1`: the paper's numbers for its own rows.
    reported : dict, optional
        ``{"acc": ..., "nmi": ...}`` of another paper (N2D), added as a last row with
        no numbers of ours.
    """
    rows = []
    for method in methods:
        runs = [r for r in results if r.method == method and r.dataset == dataset]
        if not runs:
            continue
        theirs = (paper.get(method) or {}).get(dataset) or {}
        rows.append({"method": METHODS[method].label, "seeds": len(runs),
                     "ACC (ours)": _pm([100 * r.acc for r in runs]),
                     "ACC (reported)": theirs.get("acc", np.nan),
                     "NMI (ours)": _pm([100 * r.nmi for r in runs]),
                     "NMI (reported)": theirs.get("nmi", np.nan)})
    if reported:
        rows.append({"method": reported_label, "seeds": "–", "ACC (ours)": "–",
                     "ACC (reported)": reported["acc"], "NMI (ours)": "–",
                     "NMI (reported)": reported["nmi"]})
    return pd.DataFrame(rows)


def tie_table(results, datasets, autoencoders=("cae", "proposed")) -> pd.DataFrame:
    """Whether Ward, k-means and the Gaussian mixture found the same partition of one
    UMAP embedding: per autoencoder and data set, the seeds where their ACC, NMI and
    ARI agree (to rounding: NMI's sums run in an order set by the clusters' numbering),
    and the most images by which their ACCs differ in one seed."""
    scores = {(r.method, r.dataset, r.seed): np.array([r.metrics[m] for m in ("acc", "nmi", "ari")])
              for r in results}
    sizes = {r.dataset: r.n_samples for r in results}
    rows = []
    for autoencoder in autoencoders:
        trio = [f"{autoencoder}-umap-{name}" for name in ("ward", "kmeans", "gmm")]
        for dataset in datasets:
            seeds = sorted(s for (m, d, s) in scores if (m, d) == (trio[0], dataset)
                           and all((other, d, s) in scores for other in trio))
            if not seeds:
                continue
            same = [s for s in seeds if all(np.allclose(scores[m, dataset, s], scores[trio[0], dataset, s],
                                                        rtol=1e-12, atol=0) for m in trio)]
            # ACC counts matched images, so a difference of ACCs times n is a number of images
            spread = max(round((max(accs) - min(accs)) * sizes[dataset])
                         for accs in ([scores[m, dataset, s][0] for m in trio] for s in seeds))
            rows.append({"autoencoder": METHODS[trio[0]].label.removesuffix(" + UMAP + Ward"),
                         "dataset": dataset, "seeds tied": len(same), "seeds": len(seeds),
                         "most images apart": f"{spread:,}", "images": f"{sizes[dataset]:,}"})
    return pd.DataFrame(rows)


def close_call_frame(ward_results) -> pd.DataFrame:
    """One row per stored Ward run: the method's label, data set, seed, the space Ward
    cut (``raw codes`` or ``UMAP``), ``h9 / h10`` (:meth:`Result.cut_ratio`) and ACC."""
    rows = [{"row": METHODS[r.method].label, "dataset": r.dataset, "seed": r.seed,
             "space": "UMAP" if "umap" in r.method else "raw codes",
             "h9 / h10": r.cut_ratio(10), "ACC": 100 * r.acc} for r in ward_results]
    frame = pd.DataFrame(rows, columns=["row", "dataset", "seed", "space", "h9 / h10", "ACC"])
    order = {space: i for i, space in enumerate(SPACES)}
    return frame.sort_values(["dataset", "space", "row", "seed"], ignore_index=True,
                             key=lambda c: c.map(order) if c.name == "space" else c)


def close_call_summary(close_calls: pd.DataFrame) -> pd.DataFrame:
    """Per data set and Ward row: seeds, smallest and median ``h9 / h10``, smallest ACC
    and the sd of ACC over seeds."""
    return (close_calls.groupby(["dataset", "row"], sort=False)
            .agg(seeds=("seed", "size"), **{"smallest h9/h10": ("h9 / h10", "min"),
                                            "median h9/h10": ("h9 / h10", "median"),
                                            "lowest ACC": ("ACC", "min"),
                                            "sd of ACC": ("ACC", "std")})
            .reset_index())


def plot_close_calls(close_calls: pd.DataFrame, axes, datasets) -> None:
    """ACC against ``h9 / h10`` on a log axis, one panel (row of the figure) per data
    set, one colour per Ward row (the same in every panel), circles for the raw codes
    and triangles for the UMAP embedding; the legend below the panels."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, NullLocator, StrMethodFormatter

    rows = list(dict.fromkeys(close_calls["row"]))
    colours = {row: f"C{i}" for i, row in enumerate(rows)}
    for ax, dataset in zip(axes, datasets):
        part = close_calls[close_calls["dataset"] == dataset]
        for (row, space), group in part.groupby(["row", "space"], sort=False):
            ax.scatter(group["h9 / h10"], group["ACC"], marker=SPACES[space], color=colours[row],
                       s=36, alpha=0.8)
        ax.set_xscale("log")
        # The ratios lie between 1 and a few: label fixed ratios, not the log scale's decades.
        ax.xaxis.set_major_locator(FixedLocator([1, 1.1, 1.2, 1.4, 1.7, 2, 2.5, 3, 4, 6]))
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_ylabel("ACC (%)")
        ax.set_title(dataset)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("$h_9 / h_{10}$ (1: the cut at ten is a tie)")
    handles = [Line2D([], [], ls="", marker="s", color=colours[row],
                      label=row.replace(" + hierarchical", " + Ward")) for row in rows]
    axes[0].figure.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)


def stored_rule_frame(ward_results, ks=range(2, 31)) -> pd.DataFrame:
    """Chapter 3's rules (largest gap, largest ratio of merge heights) read off every
    stored Ward run that kept at least ``max(ks)`` merge heights, with its ACC."""
    from ...number_of_clusters import cut_steps

    rows = []
    for r in ward_results:
        top = r.details["top_merge_heights"]
        if len(top) < max(ks):
            continue
        rule = cut_steps(top, ks)
        rows.append({"row": METHODS[r.method].label, "dataset": r.dataset, "seed": r.seed,
                     "space": "UMAP" if "umap" in r.method else "raw codes",
                     "k (largest gap)": rule["k_gap"], "k (largest ratio)": rule["k_ratio"],
                     "ACC": 100 * r.acc})
    return pd.DataFrame(rows, columns=["row", "dataset", "seed", "space", "k (largest gap)",
                                       "k (largest ratio)", "ACC"])


def confusion_frame(labels, clusters, top: int = 3) -> pd.DataFrame:
    """The ``top`` largest groups of images in another digit's cluster (clusters named
    after their best-matching digit): the digit, the cluster's digit, the images, their
    share of the digit (%) and what they cost in ACC (points)."""
    from ...metrics import largest_confusions

    labels = np.asarray(labels)
    rows = [{"digit": digit, "in the cluster of": other, "images": count,
             "share of the digit (%)": 100 * count / np.sum(labels == digit),
             "ACC points": 100 * count / len(labels)}
            for digit, other, count in largest_confusions(labels, clusters, top=top)]
    return pd.DataFrame(rows)


def plot_confused_images(images, labels, clusters, digit: int, other: int, axes, seed: int = 0):
    """Three rows of ``axes``: images of ``digit`` in its own cluster, of ``digit`` in
    ``other``'s cluster, and of ``other`` in its own (random picks, seeded)."""
    from ...metrics import rename_clusters

    named = rename_clusters(labels, clusters)
    picks = np.random.default_rng(seed)
    groups = [(f"{digit}s in the {digit}s' cluster", (labels == digit) & (named == digit)),
              (f"{digit}s in the {other}s' cluster", (labels == digit) & (named == other)),
              (f"{other}s in the {other}s' cluster", (labels == other) & (named == other))]
    for row, (title, mask) in zip(axes, groups):
        chosen = picks.choice(np.flatnonzero(mask), size=min(len(row), mask.sum()), replace=False)
        for ax in row:
            ax.axis("off")
        for ax, i in zip(row, chosen):
            ax.imshow(np.asarray(images[i]).reshape(28, 28), cmap="gray_r")
        row[0].set_title(title, loc="left")


def plot_embedding_2d(points, labels, ax) -> None:
    """A 2-d embedding coloured by the true digit (one colour per digit, as
    :func:`~caeward.experiments.views.book.cluster_colours` gives), the legend outside the
    axes on the right."""
    from matplotlib.lines import Line2D

    from .book import cluster_colours

    colours = np.array(cluster_colours(10))
    ax.scatter(points[:, 0], points[:, 1], c=colours[np.asarray(labels)], s=1.5, alpha=0.7,
               rasterized=True)
    ax.set_xticks([])
    ax.set_yticks([])
    handles = [Line2D([], [], ls="", marker="o", color=colours[d], label=str(d)) for d in range(10)]
    ax.legend(handles=handles, title="digit", loc="upper left", bbox_to_anchor=(1.01, 1),
              frameon=False)


def median_seconds(results, stage: str) -> dict:
    """Median seconds of one stage (``pretrain_s``, ``manifold_s``, ``cluster_s``) per
    (method, data set) over the stored runs that timed it."""
    seen: dict = {}
    for r in results:
        if stage in r.timings:
            seen.setdefault((r.method, r.dataset), []).append(r.timings[stage])
    return {key: float(np.median(values)) for key, values in seen.items()}
