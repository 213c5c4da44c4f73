"""How long runs will take: the one estimator of cost.

Two sources, one place. :func:`missing_runs_seconds` estimates from the timings of
stored results, as :func:`caeward.experiments.runner.run_many` does before it computes
anything (chapter 4 says why: some runs take hours on a CPU). :func:`training_seconds`
estimates a pretraining from the throughput measured by ``tools/benchmark_training.py``
(``results/benchmarks/training-throughput-<device>.json``), for a device no result was
made on yet.

From stored results: A run's cost is mostly its autoencoder's
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

import json

import numpy as np

from ..runtime import device_kind
from .registry import AUTOENCODERS, METHODS, architecture, clustering_config, own_seconds
from .settings import Budget, benchmarks_dir

__all__ = ["missing_runs_seconds", "on_device_kind", "stored_training_seconds", "run_own_seconds",
           "format_duration", "measured_throughput", "training_seconds", "training_estimate"]


def missing_runs_seconds(todo, stored: list, budget: Budget, device: str) -> tuple[float, int]:
    """Estimate the wall time of the runs ``todo``.

    Parameters
    ----------
    todo : list of (method, dataset, seed)
    stored : list of Result
        Stored results of the same budget (:func:`caeward.experiments.results.load_results`).
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
    results = on_device_kind(stored, device)
    seconds, unknown, trainings, embeddings = 0.0, 0, set(), set()
    for method, dataset, seed in todo:
        representation = METHODS[method].representation
        autoencoder = representation.autoencoder
        key, embedded = (autoencoder, dataset, seed), representation.manifold is not None
        training = embedding = 0.0
        if autoencoder is not None and key not in trainings:
            training = stored_training_seconds(autoencoder, dataset, budget, results)
            if training is None:
                unknown += 1
                continue
        if embedded and key not in embeddings:
            embedding = _embedding_seconds(dataset, results)
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


def on_device_kind(stored: list, device: str) -> list:
    """The stored results made on the same kind of device as ``device`` (the only ones
    an estimate for it uses)."""
    kind = device_kind(device)
    return [r for r in stored if device_kind(r.device) == kind]


def stored_training_seconds(autoencoder: str, dataset: str, budget: Budget, results: list) -> float | None:
    """Seconds of one seed's training of ``autoencoder`` on ``dataset`` at ``budget``,
    from the seconds per epoch stored ``results`` (of one kind of device) measured for
    its architecture; None when none did."""
    per_epoch = _seconds_per_epoch(autoencoder, dataset, results)
    return None if per_epoch is None else per_epoch * AUTOENCODERS[autoencoder].epochs_for(budget)


def run_own_seconds(method: str, dataset: str, results: list) -> float | None:
    """Seconds of a run of ``method`` besides its training: the manifold step if it has
    one, then loading, clustering, self-training (medians of stored ``results`` of one
    kind of device); None when they cannot say."""
    rest = _rest_seconds(method, dataset, results)
    if rest is None or METHODS[method].representation.manifold is None:
        return rest
    embedding = _embedding_seconds(dataset, results)
    return None if embedding is None else rest + embedding


def _embedding_seconds(dataset: str, results: list) -> float | None:
    return _median([r.timings["manifold_s"] for r in results if r.dataset == dataset and "manifold_s" in r.timings])


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
        other = r.config["method"].get("autoencoder")
        info = r.autoencoder or {}
        if (r.dataset != dataset or other not in AUTOENCODERS
                or architecture(other) != wanted
                or info.get("pretrain_untimed_epochs") != 0 or not info.get("losses")):
            continue
        per_training[(other, r.seed)] = r.timings["pretrain_s"] / len(info["losses"])
    return _median(list(per_training.values()))


def _rest_seconds(method: str, dataset: str, results: list[dict]) -> float | None:
    """Median time of a run besides pretraining and the manifold step: of stored runs of
    ``method``, else of methods whose config differs only in the autoencoder."""
    own = [own_seconds(r.timings) for r in results if r.method == method and r.dataset == dataset]
    if own:
        return _median(own)
    clustering = clustering_config(METHODS[method])
    alike = [own_seconds(r.timings) for r in results if r.dataset == dataset and r.method in METHODS
             and clustering_config(METHODS[r.method]) == clustering]
    return _median(alike)


# ------------------------------------------------------------- from throughput

def measured_throughput(device: str, bf16: bool = False) -> dict[str, float]:
    """Pretraining samples/s per architecture family (``sae``, ``cae``, ``proposed``)
    measured by ``tools/benchmark_training.py`` on this kind of device; empty if none."""
    path = benchmarks_dir() / f"training-throughput-{device_kind(device)}.json"
    try:
        rows = json.loads(path.read_text())["rows"]
        return {r["autoencoder"]: float(r["samples_per_s"]) for r in rows if r["bf16"] == bf16}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


_FAMILIES = {"StackedAutoencoder": "sae", "ConvAutoencoder": "cae", "DeepConvAutoencoder": "proposed"}


def _family(autoencoder: str) -> str:
    """The benchmarked architecture an autoencoder's speed is read from."""
    return _FAMILIES[AUTOENCODERS[autoencoder].cls]


def training_seconds(autoencoder: str, n_images: int, budget: Budget, rates: dict[str, float]) -> float | None:
    """Seconds of pretraining ``autoencoder`` on ``n_images`` at ``rates`` (samples/s per
    family, as :func:`measured_throughput`), or None when its family was not measured."""
    rate = rates.get(_family(autoencoder))
    return None if not rate else AUTOENCODERS[autoencoder].epochs_for(budget) * n_images / rate


def training_estimate(name: str, n_images: int, budget: Budget, device: str = "cpu") -> str:
    """A sentence saying how long pretraining ``name`` on ``n_images`` should take on
    this kind of device, from its measured throughput."""
    epochs = AUTOENCODERS[name].epochs_for(budget)
    seconds = training_seconds(name, n_images, budget, measured_throughput(device, budget.bf16))
    plan = f"pretraining {name}: {epochs} epochs over {n_images:,} images"
    if seconds is None:
        return plan + f" (no throughput measured for {device_kind(device)} yet to estimate the time)"
    rate = epochs * n_images / seconds
    return plan + f", about {seconds / 60:.0f} min at the {rate:,.0f} samples/s measured on a {device_kind(device)}"
