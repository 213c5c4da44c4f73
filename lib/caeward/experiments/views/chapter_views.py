"""Tables and figures of chapters 1 to 3, so that a chapter's cell shows the idea it
teaches and not the pandas or matplotlib plumbing.

Plain functions: each takes what the chapter computed and returns a table (for
:func:`caeward.experiments.views.book.show_table`), a figure, or a few numbers for the prose.
Figures follow the book's style (:mod:`caeward.experiments.views.book`): at most
:data:`~caeward.experiments.views.book.FIGURE_WIDTH` wide, text at 10 pt.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .book import figure_size

__all__ = ["paper_comparison", "layer_view", "clusters_by_class", "confusion_figure", "cluster_means_figure",
           "largest_confusions", "loss_curves_figure", "reach_table", "gradient_reach_figure",
           "reconstruction_figure", "summarise_trials", "ward_kmeans_figure", "dendrogram_gaps_figure",
           "ward_benchmark_summary"]

_PM = "\u00a0±\u00a0"  # no-break spaces: "54.55 ± 0.19" never wraps inside a cell
_DATASET_NAMES = {"mnist-full": "MNIST-full", "mnist-test": "MNIST-test"}


def _mean_sd(mean: float, sd: float) -> str:
    return f"{mean:.2f}" if sd is None or not math.isfinite(sd) else f"{mean:.2f}{_PM}{sd:.2f}"


def _paper(value) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"


def paper_comparison(summary: pd.DataFrame) -> pd.DataFrame:
    """Our mean ± sd beside the paper's number, one row per method and data set.

    Introduced in chapter 1 (k-means on pixels), used again in chapter 2.

    Parameters
    ----------
    summary : DataFrame
        The table of :func:`caeward.experiments.results_table`.

    Returns
    -------
    DataFrame
        Columns ``data set``, ``method``, ``seeds``, ``ACC (ours)``, ``ACC (paper)``,
        ``NMI (ours)``, ``NMI (paper)``, in percent. Pass it to ``show_table``, which
        drops a column that says the same in every row.
    """
    rows = []
    for _, r in summary.iterrows():
        rows.append({"data set": _DATASET_NAMES.get(r["dataset"], r["dataset"]),
                     "method": r["label"], "seeds": int(r["n_seeds"]),
                     "ACC (ours)": _mean_sd(r["acc_mean"], r["acc_sd"]),
                     "ACC (paper)": _paper(r["paper_acc"]),
                     "NMI (ours)": _mean_sd(r["nmi_mean"], r["nmi_sd"]),
                     "NMI (paper)": _paper(r["paper_nmi"])})
    return pd.DataFrame(rows)


def clusters_by_class(labels, predicted) -> tuple[pd.DataFrame, dict]:
    """The contingency table with clusters renamed by the Hungarian matching.

    Introduced in chapter 1.

    Parameters
    ----------
    labels, predicted : array of int
        True classes and cluster ids.

    Returns
    -------
    counts : DataFrame
        One row per cluster, in the order of the class it is matched with (index: the
        cluster id), one column per true class: how many images of that class it holds.
    mapping : dict
        ``{cluster id: matched class}``, from :func:`caeward.metrics.best_mapping`.
    """
    from ... import metrics

    mapping = metrics.best_mapping(labels, predicted)
    table, clusters, classes = metrics.contingency(labels, predicted)
    counts = pd.DataFrame(table, index=clusters, columns=classes)
    order = sorted(mapping, key=mapping.get) + [c for c in clusters if c not in mapping]
    return counts.loc[order], mapping


def confusion_figure(counts: pd.DataFrame, mapping: dict, title: str):
    """Heat map of :func:`clusters_by_class`: counts written in the cells, colour the
    share of each true class that the cluster holds. Introduced in chapter 1."""
    import matplotlib.pyplot as plt

    share = counts / counts.sum(axis=0)
    fig, ax = plt.subplots(figsize=figure_size(5.4))
    ax.imshow(share.values, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            ax.text(j, i, str(counts.iat[i, j]), ha="center", va="center",
                    color="white" if share.iat[i, j] > 0.5 else "black")
    ax.set_xticks(range(counts.shape[1]), [str(c) for c in counts.columns])
    ax.set_yticks(range(counts.shape[0]),
                  [f"{c} → {mapping[c]}" if c in mapping else f"{c} → none" for c in counts.index])
    ax.set_xlabel("true class")
    ax.set_ylabel("cluster → matched class")
    ax.set_title(title)
    ax.spines[:].set_visible(False)
    return fig


def cluster_means_figure(images, predicted, mapping: dict, title: str):
    """The mean image of each cluster, labelled with its matched class, two rows of
    five. Introduced in chapter 1."""
    import matplotlib.pyplot as plt

    x = np.asarray(images, dtype=np.float64) / 255.0
    order = sorted(mapping, key=mapping.get)
    fig, axes = plt.subplots(2, math.ceil(len(order) / 2), figsize=figure_size(3.4))
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, c in zip(axes.flat, order):
        ax.imshow(x[predicted == c].mean(axis=0), cmap="gray_r")
        ax.set_title(f"cluster {c} → {mapping[c]}")
    fig.suptitle(title)
    return fig


def largest_confusions(counts: pd.DataFrame, mapping: dict, skip=(), n: int = 3) -> list:
    """The largest off-diagonal counts of :func:`clusters_by_class`.

    Introduced in chapter 1.

    Parameters
    ----------
    counts, mapping : from :func:`clusters_by_class`
    skip : iterable of int
        Cluster ids left out (a cluster whose match is explained otherwise).
    n : int
        How many to return.

    Returns
    -------
    list of (count, true class, matched class of the cluster), largest first.
    """
    found = [(int(counts.at[c, k]), int(k), int(mapping[c])) for c in counts.index
             if c in mapping and c not in set(skip) for k in counts.columns if k != mapping[c]]
    return sorted(found, reverse=True)[:n]


def loss_curves_figure(losses: dict):
    """Training MSE per epoch of each autoencoder, log scale. Introduced in chapter 2."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figure_size(3.0))
    for name, curve in losses.items():
        ax.plot(np.arange(1, len(curve) + 1), curve, label=name.upper())
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training MSE per pixel")
    ax.legend(loc="upper right", frameon=False)
    return fig


def layer_view(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`caeward.anatomy.layer_table` as the page shows it: no ``part`` column
    (the layer names say it) and parameter counts with thousands separators, so that
    the table fits the text column. Introduced in chapter 2."""
    shown = table.drop(columns=["part"], errors="ignore").copy()
    shown["parameters"] = shown["parameters"].map("{:,}".format)
    return shown


def reach_table(reach: dict) -> pd.DataFrame:
    """One model's rows of the paper's Fig. 1, measured: what share of each layer's
    weights and outputs an error in one output patch reaches.

    Introduced in chapter 2.

    Parameters
    ----------
    reach : dict
        What :func:`caeward.anatomy.region_gradients` returns.

    Returns
    -------
    DataFrame
        Columns ``layer``, ``does``, ``weights (%)`` and ``outputs (%)``: the share of
        the layer's weights, and of its outputs (positions of a feature map, or units),
        that received a gradient.
    """
    rows = []
    for layer in reach["layers"]:
        positions = layer["positions"]
        share = positions.mean() if isinstance(positions, np.ndarray) else positions
        rows.append({"layer": layer["layer"], "does": layer["does"],
                     "weights (%)": f"{100 * layer['params_reached']:.1f}",
                     "outputs (%)": f"{100 * share:.1f}"})
    return pd.DataFrame(rows)


def gradient_reach_figure(image, reach: dict, rows: slice, cols: slice):
    """Where the gradient of an error in one output patch arrives (chapter 2).

    Top row: the image with the patch, and the absolute gradient at each input pixel
    in the SAE and the CAE (log colour scale). Bottom row: which positions of the
    CAE's convolutional feature maps receive gradient, from the output back to the
    first encoder layer.

    Parameters
    ----------
    image : ndarray (s, s)
    reach : dict
        ``{"sae": ..., "cae": ...}``, each what
        :func:`caeward.anatomy.region_gradients` returns.
    rows, cols : slice
        The patch.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Rectangle

    maps = [layer for layer in reach["cae"]["layers"] if isinstance(layer["positions"], np.ndarray)]
    decoder = [layer for layer in maps if layer["layer"].startswith("decoder")][::-1]
    shown = (decoder + [layer for layer in maps if not layer["layer"].startswith("decoder")])[:3]
    fig, axes = plt.subplots(2, 3, figsize=figure_size(5.0))
    ax = axes[0, 0]
    ax.imshow(image, cmap="gray_r")
    ax.add_patch(Rectangle((cols.start - 0.5, rows.start - 0.5), cols.stop - cols.start,
                           rows.stop - rows.start, fill=False, ec="tab:red", lw=2))
    ax.set_title("image; error kept\nin the red patch")
    for ax, name in zip(axes[0, 1:], ("sae", "cae")):
        grad = reach[name]["input"]
        im = ax.imshow(np.where(grad > 0, grad, np.nan), cmap="magma",
                       norm=LogNorm(vmin=np.nanmax(grad) * 1e-4, vmax=np.nanmax(grad)))
        ax.set_title(f"{name.upper()}: |∂loss/∂pixel|\n{100 * (grad > 0).mean():.0f} % of pixels")
        fig.colorbar(im, ax=ax, shrink=0.8)
    for ax, layer in zip(axes[1], shown):
        h, w = layer["positions"].shape
        ax.imshow(layer["positions"], cmap="Greens", vmin=0, vmax=1)
        ax.set_title(f"CAE {layer['layer']}\n{h}×{w}, {100 * layer['positions'].mean():.0f} % reached")
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.spines[:].set_visible(False)
    return fig


def reconstruction_figure(images, picks, reconstructions: dict, errors: dict):
    """Test images (top row) and each autoencoder's reconstruction of them, with the
    data set's reconstruction MSE beside each row. Introduced in chapter 2.

    Parameters
    ----------
    images : ndarray (n, s, s), uint8
    picks : list of int
        Indices of the images shown.
    reconstructions : dict
        ``{name: ndarray (len(picks), s, s)}`` in [0, 1].
    errors : dict
        ``{name: MSE}`` over the whole data set.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1 + len(reconstructions), len(picks),
                             figsize=figure_size(0.95 * (1 + len(reconstructions))))
    for ax, i in zip(axes[0], picks):
        ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=255)
    axes[0, 0].set_ylabel("image")
    for row, (name, recon) in zip(axes[1:], reconstructions.items()):
        for ax, r in zip(row, recon):
            ax.imshow(r, cmap="gray_r", vmin=0, vmax=1)
        row[0].set_ylabel(f"{name.upper()}\nMSE {errors[name]:.4f}")
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.spines[:].set_visible(False)
    return fig


def summarise_trials(rows) -> pd.DataFrame:
    """Mean and lowest ARI, and the median size of the smallest cluster, per case and
    method, over seeds. Introduced in chapter 3 (Ward and k-means on synthetic data).

    Parameters
    ----------
    rows : list of dict
        One per case, method and seed, with keys ``case``, ``method``, ``ARI`` and
        ``smallest cluster``.

    Returns
    -------
    DataFrame
        Columns ``case``, ``method``, ``ARI, mean``, ``ARI, lowest``,
        ``smallest cluster (median)`` (a number as text: ``8`` or ``294.5``).
    """
    frame = pd.DataFrame(rows)
    summary = (frame.groupby(["case", "method"], sort=False)
               .agg(**{"ARI, mean": ("ARI", "mean"), "ARI, lowest": ("ARI", "min"),
                       "smallest cluster (median)": ("smallest cluster", "median")})
               .reset_index())
    summary["smallest cluster (median)"] = summary["smallest cluster (median)"].map("{:g}".format)
    return summary


def ward_kmeans_figure(X, y, labelings: dict, title: str):
    """Scatter plots of one synthetic data set clustered by each method, one panel per
    method in one column, one colour per cluster. Introduced in chapter 3.

    Parameters
    ----------
    X : ndarray (n, 2)
    y : ndarray (n,)
        The generating groups (for the ARI in each title).
    labelings : dict
        ``{method: cluster labels}``.
    """
    import matplotlib.pyplot as plt

    from ... import metrics
    from .book import cluster_colours

    k = max(int(np.max(labels)) + 1 for labels in labelings.values())
    colours = np.array(cluster_colours(k))
    fig, axes = plt.subplots(1, len(labelings), figsize=figure_size(3.2), sharey=True)
    for ax, (method, labels) in zip(np.atleast_1d(axes), labelings.items()):
        ax.scatter(*X.T, c=colours[labels], s=4)
        sizes = sorted(np.bincount(labels).tolist())
        ax.set_title(f"{method}: ARI {metrics.ari(y, labels):.2f}\nsizes {sizes}")
        ax.set_aspect("equal")
    fig.suptitle(title)
    return fig


def dendrogram_gaps_figure(Z, rule: dict, n_classes: int = 10):
    """The top of a Ward dendrogram (last 30 merges) above the gap in merge height at
    each cut, two rows. Introduced in chapter 3.

    Parameters
    ----------
    Z : ndarray
        A linkage matrix.
    rule : dict
        What :func:`caeward.number_of_clusters.largest_gap_k` returns.
    n_classes : int
        Marked with a dotted line.
    """
    import matplotlib.pyplot as plt
    from scipy.cluster import hierarchy as sch

    fig, axes = plt.subplots(2, 1, figsize=figure_size(5.6))
    sch.dendrogram(Z, truncate_mode="lastp", p=30, ax=axes[0], no_labels=True,
                   color_threshold=0, above_threshold_color="tab:blue")
    axes[0].set_title("Ward dendrogram of MNIST-test codes (last 30 merges)")
    axes[0].set_ylabel("height")
    axes[1].bar(rule["ks"], rule["gaps"])
    axes[1].axvline(n_classes, color="k", ls=":", label=f"{n_classes} classes")
    axes[1].set_xlabel("k (clusters left by the cut)")
    axes[1].set_ylabel("gap in merge height")
    axes[1].legend(loc="upper right", frameon=False)
    return fig


def ward_benchmark_summary(benchmarks: dict) -> dict:
    """What the stored Ward benchmarks say, as a few numbers for the prose.

    Introduced in chapter 3; the raw tables are in the appendix.

    Parameters
    ----------
    benchmarks : dict
        ``{measured device ("cpu", "cuda"): the JSON of tools/benchmark_ward.py}``.

    Returns
    -------
    dict
        Whatever could be read, of: ``cpu_n`` and ``scipy_over_fastcluster`` (SciPy's
        time over fastcluster's at the largest size where both ran on the CPU),
        ``torch_cpu_over_fastcluster`` (the PyTorch engine on the CPU over fastcluster
        there), ``gpu_n``, ``gpu_s``, ``fastcluster_over_gpu`` (fastcluster's time over
        the GPU engine's at the largest size where both ran on the GPU machine),
        ``gpu_largest_n``, ``gpu_largest_s`` and ``gpu_exponent`` (the slope of
        log time against log n between the two largest GPU sizes).
    """
    out: dict = {}

    def seconds(bench, engine):
        return {r["n"]: r["seconds"] for r in bench["rows"]
                if r["engine"] == engine and r.get("seconds") is not None}

    cpu = benchmarks.get("cpu")
    if cpu:
        fast, scipy_ = seconds(cpu, "fastcluster linkage_vector"), seconds(cpu, "scipy ward")
        torch_cpu = seconds(cpu, "torch engine (cpu)")
        both = sorted(set(fast) & set(scipy_))
        if both:
            n = both[-1]
            out["cpu_n"] = n
            out["scipy_over_fastcluster"] = scipy_[n] / fast[n]
            if n in torch_cpu:
                out["torch_cpu_over_fastcluster"] = torch_cpu[n] / fast[n]
    gpu = benchmarks.get("cuda")
    if gpu:
        fast, engine = seconds(gpu, "fastcluster linkage_vector"), seconds(gpu, "torch engine (cuda)")
        both = sorted(set(fast) & set(engine))
        if both:
            n = both[-1]
            out.update(gpu_n=n, gpu_s=engine[n], fastcluster_over_gpu=fast[n] / engine[n])
        sizes = sorted(engine)
        if len(sizes) >= 2:
            a, b = sizes[-2], sizes[-1]
            out.update(gpu_largest_n=b, gpu_largest_s=engine[b],
                       gpu_exponent=math.log(engine[b] / engine[a]) / math.log(b / a))
    return out
