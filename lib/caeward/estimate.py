"""How long missing runs will take, from the timings of stored ones.

Used by :func:`caeward.experiment.run_many` before it computes anything (chapter 4 says
why: some runs take hours on a CPU). A run's cost is mostly its autoencoder's
pretraining, which the k-means, Ward and UMAP twins of a method share, so the
estimate counts each training once, at the seconds per epoch that stored results
measured for the same architecture on the same dataset and kind of device, times the
epochs it needs: a 200-epoch variant is timed from its 50-epoch twin. The manifold
step is counted once per embedding the same way, and the rest (loading, clustering,
self-training) at the median of stored runs of the same method, or of methods that
cluster the same way. The estimate is an upper bound: a training or embedding already
in this machine's cache costs nothing again.
"""

from __future__ import annotations

import numpy as np

from .budget import Budget
from .embeddings import AUTOENCODERS, architecture
from .methods import METHODS, clustering_config, own_seconds
from .runtime import device_kind

__all__ = ["missing_runs_seconds", "format_duration"]


def missing_runs_seconds(todo, stored: list[dict], budget: Budget, device: str) -> tuple[float, int]:
    """Estimate the wall time of the runs ``todo``.

    Parameters
    ----------
    todo : list of (method, dataset, seed)
    stored : list of dict
        Stored results of the same budget (:func:`caeward.experiment.load_results`).
    budget : Budget
    device : str
        The device the runs will use; only results on the same kind are used.

    Returns
    -------
    seconds : float
        The estimated time of the runs that could be estimated.
    n_unknown : int
        How many runs had no stored timing to estimate from (their time is not in
        ``seconds``).
    """
    kind = device_kind(device)
    results = [r for r in stored if device_kind(r["device"]) == kind]
    seconds, unknown, trainings, embeddings = 0.0, 0, set(), set()
    for method, dataset, seed in todo:
        config = METHODS[method].config
        autoencoder = config.get("autoencoder")
        key, embedded = (autoencoder, dataset, seed), "manifold" in config
        training = embedding = 0.0
        if autoencoder is not None and key not in trainings:
            per_epoch = _seconds_per_epoch(autoencoder, dataset, results)
            if per_epoch is None:
                unknown += 1
                continue
            training = per_epoch * AUTOENCODERS[autoencoder].epochs_for(budget)
        if embedded and key not in embeddings:
            embedding = _median([r["timings"]["manifold_s"] for r in results
                                 if r["dataset"] == dataset and "manifold_s" in r["timings"]])
            if embedding is None:
                unknown += 1
                continue
        rest = _rest_seconds(method, dataset, results)
        if rest is None:
            unknown += 1
            continue
        trainings.add(key)
        if embedded:
            embeddings.add(key)
        seconds += training + embedding + rest
    return seconds, unknown


def format_duration(seconds: float) -> str:
    """``"42 min"`` below two hours, ``"3.5 h"`` from there."""
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def _median(values) -> float | None:
    return float(np.median(values)) if values else None


def _seconds_per_epoch(autoencoder: str, dataset: str, results: list[dict]) -> float | None:
    """Median pretraining seconds per epoch of stored trainings of the same architecture
    (the same spec but for its epochs), each training counted once. Only trainings whose
    every epoch was timed count (``pretrain_untimed_epochs == 0``)."""
    wanted = architecture(autoencoder)
    per_training = {}
    for r in results:
        other = r["config"]["method"].get("autoencoder")
        info = r.get("details", {}).get("autoencoder") or {}
        if (r["dataset"] != dataset or other not in AUTOENCODERS
                or architecture(other) != wanted
                or info.get("pretrain_untimed_epochs") != 0 or not info.get("losses")):
            continue
        per_training[(other, r["seed"])] = r["timings"]["pretrain_s"] / len(info["losses"])
    return _median(list(per_training.values()))


def _rest_seconds(method: str, dataset: str, results: list[dict]) -> float | None:
    """Median time of a run besides pretraining and the manifold step: of stored runs of
    ``method``, else of methods whose config differs only in the autoencoder."""
    own = [own_seconds(r["timings"]) for r in results if r["method"] == method and r["dataset"] == dataset]
    if own:
        return _median(own)
    clustering = clustering_config(METHODS[method].config)
    alike = [own_seconds(r["timings"]) for r in results if r["dataset"] == dataset and r["method"] in METHODS
             and clustering_config(METHODS[r["method"]].config) == clustering]
    return _median(alike)
