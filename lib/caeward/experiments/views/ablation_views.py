"""Tables and figures of the ablation (chapter 5), so that its cells show the idea.

Introduced in chapter 5. Plain functions: they take the stored
:class:`~caeward.experiments.results.Result` records (or the frame
:func:`ablation_frame` makes of them) and return frames, or draw on axes they are
given. Nothing here runs a training.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .book import signed
from .formatting import compact_mean_sd
from ..registry import AUTOENCODERS, METHODS

__all__ = ["CLUSTERINGS", "LINKAGES", "titled", "compact_mean_sd", "variant_table", "ablation_frame",
           "variant_summary", "against_reference", "skip_effect", "plot_skip_scatter",
           "epochs_frame", "epochs_table", "plot_epochs", "linkage_scores", "linkage_table",
           "cluster_sizes"]

CLUSTERINGS = {"kmeans": "k-means", "ward": "Ward"}
"""The two clusterings every ablation variant is run with: method suffix -> label."""

LINKAGES = ["single", "complete", "average", "ward", "kmeans"]
"""The clusterings compared on the proposed CAE's codes (``proposed-<name>``)."""



def titled(title: str, table):
    """``table`` (the HTML :func:`~caeward.experiments.views.book.show_table` returns) under a
    bold one-line title, in one output, so that the title stays with its table."""
    from html import escape

    from IPython.display import HTML

    return HTML(f"<p><strong>{escape(title)}</strong></p>{table.data}")


def _change_text(kwargs: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in kwargs.items()) or "nothing"


def variant_table(names) -> pd.DataFrame:
    """One row per autoencoder of the ablation: its class, what it changes, its
    pretraining epochs and its number of parameters.

    Parameters
    ----------
    names : list of str
        Keys of :data:`~caeward.experiments.registry.AUTOENCODERS`.
    """
    rows = []
    for name in names:
        spec = AUTOENCODERS[name]
        model = spec.build(28)
        rows.append({"autoencoder": name, "class": spec.cls, "changes": _change_text(spec.kwargs),
                     "epochs": spec.epochs or 200,
                     "parameters": f"{sum(p.numel() for p in model.parameters()):,}"})
    return pd.DataFrame(rows)


def _clustering_label(method: str) -> str:
    return next((label for key, label in CLUSTERINGS.items() if method.endswith(f"-{key}")),
                METHODS[method].label if method in METHODS else method)


def ablation_frame(results) -> pd.DataFrame:
    """One row per stored run of an autoencoder method: the autoencoder, the
    clustering's label, data set, seed, pretraining epochs, the per-epoch losses (to
    tell trainings apart), the reconstruction MSE per pixel, ACC and NMI (in %)."""
    rows = []
    for r in results:
        trained = r.details["autoencoder"]
        rows.append({"autoencoder": r.config["method"]["autoencoder"],
                     "clustering": _clustering_label(r.method), "dataset": r.dataset,
                     "seed": r.seed, "epochs": len(trained["losses"]), "losses": trained["losses"],
                     "recon_mse": trained["reconstruction_mse"],
                     "ACC": 100 * r.metrics["acc"], "NMI": 100 * r.metrics["nmi"]})
    return pd.DataFrame(rows, columns=["autoencoder", "clustering", "dataset", "seed", "epochs",
                                       "losses", "recon_mse", "ACC", "NMI"])


def variant_summary(frame: pd.DataFrame, dataset: str, order) -> pd.DataFrame:
    """Chapter 5's table of one data set: per autoencoder, its number of seeds, its
    reconstruction MSE (mean over seeds) and ACC / NMI (mean ± sd, one decimal) under
    k-means and Ward.

    Parameters
    ----------
    frame : DataFrame
        As :func:`ablation_frame` makes it.
    dataset : str
    order : list of str
        The autoencoders' order; those without runs on ``dataset`` are left out.
    """
    part = frame[frame["dataset"] == dataset]
    rows = []
    for name in order:
        runs = part[part["autoencoder"] == name]
        if runs.empty:
            continue
        row = {"autoencoder": name, "seeds": runs["seed"].nunique(),
               "recon MSE": f"{runs['recon_mse'].mean():.3g}"}
        for metric in ("ACC", "NMI"):
            for label in CLUSTERINGS.values():
                # one decimal: seven columns must fit the page, and the sd is in points
                row[f"{metric} {label}"] = compact_mean_sd(
                    runs.loc[runs["clustering"] == label, metric], digits=1)
        rows.append(row)
    return pd.DataFrame(rows)


def against_reference(frame: pd.DataFrame, reference: str = "proposed-50ep",
                      suffix: str = "-50ep") -> pd.DataFrame:
    """Each ``<variant><suffix>`` beside ``reference`` on the seeds that both have.

    Returns
    -------
    DataFrame
        One row per data set, variant and clustering: ``seeds``, the reconstruction
        MSE of the reference and the variant, ACC of both (mean ± sd), and the
        differences of the means ``Δ ACC`` and ``Δ NMI`` (variant minus reference,
        floats).
    """
    at_suffix = frame[frame["autoencoder"].str.endswith(suffix)]
    base_runs = at_suffix[at_suffix["autoencoder"] == reference]
    rows = []
    for (dataset, name, label), runs in at_suffix[at_suffix["autoencoder"] != reference].groupby(
            ["dataset", "autoencoder", "clustering"], sort=False):
        base = base_runs[(base_runs["dataset"] == dataset) & (base_runs["clustering"] == label)]
        seeds = sorted(set(runs["seed"]) & set(base["seed"]))
        if not seeds:
            continue
        runs, base = runs[runs["seed"].isin(seeds)], base[base["seed"].isin(seeds)]
        rows.append({"dataset": dataset, "variant": name.removesuffix(suffix),
                     "clustering": label, "seeds": " ".join(map(str, seeds)),
                     "recon MSE": f"{base['recon_mse'].mean():.3g} → "
                                  f"{runs['recon_mse'].mean():.3g}",
                     "ACC, reference": compact_mean_sd(base["ACC"]),
                     "ACC, variant": compact_mean_sd(runs["ACC"]),
                     "Δ ACC": runs["ACC"].mean() - base["ACC"].mean(),
                     "Δ NMI": runs["NMI"].mean() - base["NMI"].mean()})
    return pd.DataFrame(rows)


def skip_effect(frame: pd.DataFrame, plain: str, skip: str, dataset: str) -> dict | None:
    """Means over seeds of one autoencoder with and without skip connections on one data
    set: ``mse_plain``, ``mse_skip`` and ``acc_plain``, ``acc_skip`` per clustering label
    (dicts), and the seeds of each. None when either has no run there."""
    part = frame[frame["dataset"] == dataset]
    a, b = part[part["autoencoder"] == plain], part[part["autoencoder"] == skip]
    if a.empty or b.empty:
        return None
    return {"mse_plain": a["recon_mse"].mean(), "mse_skip": b["recon_mse"].mean(),
            "acc_plain": a.groupby("clustering")["ACC"].mean().to_dict(),
            "acc_skip": b.groupby("clustering")["ACC"].mean().to_dict(),
            "seeds_plain": a["seed"].nunique(), "seeds_skip": b["seed"].nunique()}


def plot_skip_scatter(frame: pd.DataFrame, axes) -> None:
    """Chapter 5's skip-connection figure: ACC against reconstruction MSE, one point
    per run, one panel per clustering (``axes``: one per entry of :data:`CLUSTERINGS`).
    Runs of autoencoders with skip connections are red squares, the others grey
    circles; filled for MNIST-full, open for MNIST-test. The legend goes below the
    panels, off the data."""
    from matplotlib.lines import Line2D

    skip_colour, plain_colour = "tab:red", "0.45"
    for ax, label in zip(axes, CLUSTERINGS.values()):
        part = frame[frame["clustering"] == label]
        for (name, dataset), group in part.groupby(["autoencoder", "dataset"]):
            skip = "skip" in name
            colour = skip_colour if skip else plain_colour
            ax.scatter(group["recon_mse"], group["ACC"], marker="s" if skip else "o", s=36,
                       facecolors=colour if dataset == "mnist-full" else "none",
                       edgecolors=colour, alpha=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("reconstruction MSE (log)")
        ax.set_title(f"{label} on the codes")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("ACC (%)")
    handles = [Line2D([], [], ls="", marker="s", color=skip_colour, label="skip connections"),
               Line2D([], [], ls="", marker="o", color=plain_colour, label="no skip"),
               Line2D([], [], ls="", marker="o", color="k", label="MNIST-full"),
               Line2D([], [], ls="", marker="o", mfc="none", color="k", label="MNIST-test")]
    axes[0].figure.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False)


def epochs_frame(frame: pd.DataFrame, names=("proposed-50ep", "proposed-100ep", "proposed")):
    """The runs of each seed after different numbers of pretraining epochs.

    Every stored run of ``names`` is kept (the 200-epoch ones are Table 1's), with a
    column ``one_training``: whether the run is part of the seed's one training seen
    after different numbers of epochs (its per-epoch losses are the start of the
    seed's longest such curve, :func:`~caeward.experiments.provenance.one_training`). A
    seed's 200-epoch run may be a separate training, made on another machine, from
    its 50- and 100-epoch runs; only runs of one training show what longer training
    of the same network does. Seeds with a single epoch count are left out.
    """
    from ..provenance import one_training

    runs = frame[frame["autoencoder"].isin(list(names))]
    shown = []
    for _, group in runs.groupby(["dataset", "seed"]):
        if group["autoencoder"].nunique() < 2:
            continue
        shown.append(group.assign(one_training=one_training(group["losses"])))
    if not shown:
        return runs.iloc[:0].drop(columns="losses").assign(one_training=pd.Series(dtype=bool))
    return pd.concat(shown).drop(columns="losses")


def epochs_table(by_epochs: pd.DataFrame, dataset: str, metric: str = "ACC") -> pd.DataFrame:
    """Seeds as rows, ``<clustering> <epochs>`` as columns: ``metric`` after each number
    of epochs on ``dataset``, and ``one training``: ``yes`` where every run of the
    seed is one training, else the epochs of the runs that are a separate training.
    Only seeds with every epoch count (so no empty cell)."""
    part = by_epochs[by_epochs["dataset"] == dataset]
    table = part.pivot_table(index="seed", columns=["clustering", "epochs"], values=metric)
    table = table.dropna()
    table.columns = [f"{label} {epochs} ep" for label, epochs in table.columns]
    apart = part[~part["one_training"]].groupby("seed")["epochs"].agg(lambda e: sorted(set(e)))
    table["one training"] = [("yes" if seed not in apart.index else
                              "no: " + ", ".join(map(str, apart[seed])) + " ep apart")
                             for seed in table.index]
    return table.reset_index()


def plot_epochs(by_epochs: pd.DataFrame, axes, datasets) -> None:
    """ACC and NMI against pretraining epochs, a row of ``axes`` per data set (ACC
    left, NMI right): one colour per seed, solid for Ward, dashed for k-means, a line
    joining the checkpoints of one training; a run that is a separate training is an
    open marker, unjoined. The legend goes below the figure."""
    from matplotlib.lines import Line2D

    seeds = sorted(by_epochs["seed"].unique())
    colours = {seed: f"C{seed % 10}" for seed in seeds}
    for row, dataset in zip(axes, datasets):
        part = by_epochs[by_epochs["dataset"] == dataset]
        for ax, metric in zip(row, ("ACC", "NMI")):
            for (label, seed), group in part.groupby(["clustering", "seed"]):
                group = group.sort_values("epochs")
                one = group[group["one_training"]]
                ax.plot(one["epochs"], one[metric], marker="o",
                        ls="-" if label == "Ward" else "--", color=colours[seed])
                apart = group[~group["one_training"]]
                ax.scatter(apart["epochs"], apart[metric], marker="o", s=36,
                           facecolors="none", edgecolors=colours[seed])
            ax.set_xticks(sorted(by_epochs["epochs"].unique()))
            ax.set_ylabel(f"{metric} (%)")
            ax.set_title(f"{dataset}: {metric}")
            ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("pretraining epochs")
    handles = ([Line2D([], [], color="k", ls="-", label="Ward"),
                Line2D([], [], color="k", ls="--", label="k-means"),
                Line2D([], [], color="k", ls="", marker="o", mfc="none", label="separate training")]
               + [Line2D([], [], color=colours[s], marker="o", label=f"seed {s}") for s in seeds])
    axes[0][0].figure.legend(handles=handles, loc="outside lower center",
                             ncols=min(len(handles), 4), frameon=False)


def linkage_scores(results, dataset: str, computed=()) -> pd.DataFrame:
    """ACC and NMI (in %) of each clustering of the proposed CAE's codes per seed: the
    stored runs of ``proposed-<name>`` (:data:`LINKAGES`) on ``dataset``, and
    ``computed`` ones (dicts with ``clustering``, ``seed``, ``ACC``, ``NMI``, measured
    on a stored training's codes) where no run of that clustering and seed is stored.

    Returns
    -------
    DataFrame
        Columns ``clustering`` (``single linkage``, ..., ``Ward``, ``k-means``),
        ``seed``, ``ACC``, ``NMI``, ``source`` (``stored`` or ``computed``).
    """
    names = {f"proposed-{name}": _linkage_label(name) for name in LINKAGES}
    rows = [{"clustering": names[r.method], "seed": r.seed, "ACC": 100 * r.acc, "NMI": 100 * r.nmi,
             "source": "stored"} for r in results if r.method in names and r.dataset == dataset]
    have = {(r["clustering"], r["seed"]) for r in rows}
    rows += [{**c, "source": "computed"} for c in computed if (c["clustering"], c["seed"]) not in have]
    return pd.DataFrame(rows, columns=["clustering", "seed", "ACC", "NMI", "source"])


def _linkage_label(name: str) -> str:
    return "k-means" if name == "kmeans" else "Ward" if name == "ward" else f"{name} linkage"


def linkage_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Chapter 5's linkage comparison: one row per clustering, over the seeds it was
    measured on (``seeds``: how many, and which), ACC and NMI as mean ± sd, and Ward's
    mean ACC on those same seeds with the difference (``Δ ACC vs Ward``), so that a
    row measured on fewer seeds is compared on its own seeds."""
    order = [_linkage_label(name) for name in LINKAGES]
    ward = scores[scores["clustering"] == "Ward"].set_index("seed")["ACC"]
    rows = []
    for label in order:
        part = scores[scores["clustering"] == label].sort_values("seed")
        if part.empty:
            continue
        seeds = list(part["seed"])
        shared = [s for s in seeds if s in ward.index]
        row = {"clustering": label, "seeds": f"{len(seeds)} (seed{'s' if len(seeds) > 1 else ''} "
                                             + " ".join(map(str, seeds)) + ")",
               "ACC": compact_mean_sd(part["ACC"]), "NMI": compact_mean_sd(part["NMI"]),
               "mean ACC": float(part["ACC"].mean())}
        if shared:
            mine = part.set_index("seed")["ACC"]
            row["Ward, same seeds"] = "itself" if label == "Ward" else f"{ward[shared].mean():.2f}"
            row["Δ ACC vs Ward"] = signed(float((mine[shared] - ward[shared]).mean()))
        rows.append(row)
    return pd.DataFrame(rows)


def cluster_sizes(labels) -> list[int]:
    """The sizes of the clusters in ``labels``, largest first."""
    return sorted(np.bincount(np.asarray(labels)).tolist(), reverse=True)
