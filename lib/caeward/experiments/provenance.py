"""The training behind a stored result, and the compute a set of results recorded.

Introduced in chapter 4. A stored result names its autoencoder training by the loss
curve it stores: :func:`trained_as_stored` tells whether cached codes are that very
training, :func:`training_id` what identifies it, and :func:`one_training` which of a
seed's curves are one training seen after different numbers of epochs. The appendix
adds up what the results cost with :func:`compute_spent`, each training counted once.
"""

from __future__ import annotations

import json

from .. import runtime
from .registry import own_seconds
from .results import Result

__all__ = ["trained_as_stored", "training_id", "one_training", "compute_spent"]


def trained_as_stored(result: Result, codes_info: dict) -> bool:
    """Whether codes come from the very training behind a stored result.

    Introduced in chapter 4. A seed fixes a training only on one kind of machine:
    PyTorch's CPU kernels round differently between processors (see ``cpu_kernels``),
    and 200 epochs amplify the last bits into a different network. The loss curve,
    stored with every result and with every cached training, tells them apart: equal
    curves, same training.

    Parameters
    ----------
    result : Result
        A stored result of a method with an autoencoder.
    codes_info : dict
        The ``info`` that :func:`caeward.experiments.trainings.trained_codes` returned.
    """
    if result.autoencoder is None:
        raise ValueError(f"{result.method!r} has no autoencoder, so no training to compare")
    return result.autoencoder["losses"] == codes_info["losses"]


def training_id(result: Result) -> tuple | None:
    """What identifies the autoencoder training behind a result: the same training
    (shared by, say, ``cae-kmeans`` and ``cae-ward``) has the same per-epoch losses,
    which every such result stores (as :func:`trained_as_stored` relies on)."""
    if result.autoencoder is None:
        return None
    return (result.config["method"].get("autoencoder"), result.dataset, result.seed,
            tuple(result.autoencoder["losses"]))


def one_training(curves) -> list[bool]:
    """Which of one seed's loss curves belong to a single training seen after
    different numbers of epochs (the epochs ablation): those that are the start of
    the curve that the most of them start (ties: the longest).

    Parameters
    ----------
    curves : sequence of sequences of float
        Per-epoch losses, as results store them.

    Returns
    -------
    list of bool, one per curve
    """
    curves = [list(c) for c in curves]

    def within(run):
        return [c == run[:len(c)] for c in curves]
    widest = max(curves, key=lambda run: (sum(within(run)), len(run)))
    return within(widest)


def compute_spent(results: list[Result]):
    """The recorded compute behind a set of results, per kind of device, in hours.

    Each training and each manifold embedding is counted once, however many results
    share it (``pretrain_s`` and ``manifold_s`` are the stage's own time, repeated in
    every result that reused it). A training that continued a shorter sibling's
    checkpoint (the epochs ablation) took over that sibling's clock; only the
    epochs it added are counted, when the sibling's result is among ``results``.
    Load, clustering and self-training are counted per result. Time lost to
    interruptions, and anything a result does not record, is not in the sum.

    Returns
    -------
    pandas.DataFrame
        Indexed by device kind (``"cpu"``, ``"cuda"``), the kind each training,
        embedding and run was made on; columns ``results``, ``trainings``,
        ``pretrain_h``, ``manifold_h``, ``other_h`` (load, clustering,
        self-training) and ``total_h``.
    """
    import pandas as pd

    trainings, embeddings, rows = {}, {}, {}
    for r in results:
        # the kind, not the name: a run on one thread may cluster a two-thread training
        device = runtime.device_kind(r.device)
        row = rows.setdefault(device, {"results": 0, "trainings": 0, "pretrain_h": 0.0,
                                       "manifold_h": 0.0, "other_h": 0.0})
        row["results"] += 1
        row["other_h"] += own_seconds(r.timings) / 3600
        training = training_id(r)
        if training is not None:
            trainings[training] = (device, r.timings["pretrain_s"], r.autoencoder.get("pretrain_started_from"))
        manifold = r.config["method"].get("manifold")
        if manifold is not None:
            embeddings[(training, json.dumps(manifold, sort_keys=True))] = (device, r.timings["manifold_s"])

    for (name, dataset, seed, trace), (device, seconds, started_from) in trainings.items():
        if started_from:
            sibling = (started_from["autoencoder"], dataset, seed, trace[:started_from["epochs"]])
            if sibling in trainings:
                seconds -= trainings[sibling][1]
        rows[device]["trainings"] += 1
        rows[device]["pretrain_h"] += seconds / 3600
    for device, seconds in embeddings.values():
        rows[device]["manifold_h"] += seconds / 3600

    columns = ["results", "trainings", "pretrain_h", "manifold_h", "other_h"]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    frame["total_h"] = frame[["pretrain_h", "manifold_h", "other_h"]].sum(axis=1)
    frame.index.name = "device"
    return frame
