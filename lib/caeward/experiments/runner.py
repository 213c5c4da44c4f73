"""The runner: one method x dataset x seed -> one result file.

Introduced in chapter 1 (*The problem*); chapter 4 builds the whole Table 1 with it.

A method (:mod:`caeward.experiments.registry`) is carried out in two steps, each a
function that returns what it made and a record of it, with no state on the side:
:func:`represent` (pixels, or an autoencoder's codes from the store, optionally
embedded by UMAP) and :func:`cluster` (k-means, a linkage, a mixture, or DEC-style
self-training). :func:`run` loads the data, applies the budget, runs both, scores the
labels and writes a :class:`~caeward.experiments.results.Result`. A run whose result
file exists is not run again.

Requested work is done or reported: a run whose stored file fails its checks, or whose
result cannot be written (a full disk), is named, the other runs go on, and
:func:`run_many` raises :class:`RunsNotDone` at the end. A computed result that cannot
be written where it belongs is kept, sealed, beside the cache
(``<cache>/unwritten-results/``), to be moved into place by hand.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace

import numpy as np

from .. import cluster as clustering, metrics, runtime
from ..cut import cut
from ..data import load_mnist
from ..dec import SelfTraining, self_train
from ..files import write_failure
from ..train import reconstruction_error, to_tensor
from . import committed_codes, embedding_cache, trainings
from .cost import format_duration, missing_runs_seconds
from .registry import AUTOENCODERS, METHODS, N_CLUSTERS, TOP_MERGE_HEIGHTS, Clustering, Representation, \
    method_named
from .results import Result, ResultFileError, load_results, read_result, result_path, stored_result, write_result
from .settings import DATASETS, MAX_SEED, Budget, budget_named, cache_root, subsample

__all__ = ["Features", "Step", "RunsNotDone", "ResultNotWritten", "load_dataset", "represent", "cluster", "predict",
           "run", "run_many", "train_autoencoder"]


class ResultNotWritten(OSError):
    """A run computed its result but could not write it where it belongs (a full disk,
    say); the message says where the result was kept instead."""


class RunsNotDone(RuntimeError):
    """Some of the runs asked for were not done; the message names each, and why."""


@dataclass(frozen=True)
class Step:
    """What a step recorded: wall seconds per stage and details worth keeping."""

    timings: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Features:
    """What :func:`represent` hands to :func:`cluster`: the points, and the training
    they came from (self-training continues that network)."""

    x: np.ndarray
    images: np.ndarray
    seed: int
    budget: Budget
    device: str
    autoencoder: str | None = None


def _check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")


def load_dataset(dataset: str, budget: str | Budget = "full") -> tuple[np.ndarray, np.ndarray]:
    """The images and labels a run on ``dataset`` sees at ``budget`` (its fixed subset)."""
    _check_dataset(dataset)
    images, labels = load_mnist(DATASETS[dataset])
    return subsample(images, labels, budget_named(budget))


def _check_seed(seed) -> int:
    """``seed`` as a plain int (results and cache keys are JSON), or a clear error."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"a seed is a whole number from 0 to {MAX_SEED}, got {seed!r}")
    return int(seed)


# ---------------------------------------------------------------------- the steps

_TRAINING_DETAILS = ("losses", "reconstruction_mse", "cached", "source", "trained_on", "pretrain_runs",
                     "pretrain_untimed_epochs", "pretrain_started_from", "pretrain_batched")


def represent(representation: Representation, images: np.ndarray, seed: int, budget: Budget, device: str,
              progress: bool = True) -> tuple[Features, Step]:
    """The points a method clusters, and the record of making them.

    Codes come from the store (:func:`caeward.experiments.trainings.trained_codes`); the
    recorded ``pretrain_s`` (and ``manifold_s``) is the stage's own time, also when this
    run reused a cached training: it is what the stage costs.
    """
    name = representation.autoencoder
    if name is None:
        x = images.reshape(len(images), -1).astype(np.float32) / 255.0
        return Features(x, images, seed, budget, device), Step()
    x, info = trainings.trained_codes(name, images, budget, seed, device, progress)
    timings = {"pretrain_s": info["pretrain_s"]}
    details = {"autoencoder": {k: info.get(k) for k in _TRAINING_DETAILS}}
    if representation.manifold is not None:
        x, embedded = embedding_cache.umap_embedding(x, seed, representation.manifold)
        timings["manifold_s"] = embedded["umap_s"]
        details["manifold"] = {"cached": embedded["cached"]}
    return Features(x, images, seed, budget, device, name), Step(timings, details)


def cluster(method: Clustering, features: Features, progress: bool = True) -> tuple[np.ndarray, Step]:
    """The labels of ``features`` under a clustering, and the record of it."""
    x, seed, budget = features.x, features.seed, features.budget
    start = time.perf_counter()
    details = {}
    if method.kind == "kmeans":
        labels = clustering.kmeans(x, N_CLUSTERS, n_init=budget.kmeans_n_init, random_state=seed)
    elif method.kind == "gmm":
        labels = clustering.gaussian_mixture(x, N_CLUSTERS, random_state=seed)
    elif method.kind in Clustering.LINKAGES:
        Z = clustering.linkage(x, method.kind, device=features.device)  # Ward on a GPU: the torch engine
        labels = cut(Z, n_clusters=N_CLUSTERS).labels  # the one cut the estimator and recipes use
        details["top_merge_heights"] = Z[-TOP_MERGE_HEIGHTS:, 2].tolist()
    else:
        return _self_train(method.selftraining, features, progress)
    return labels, Step({"cluster_s": time.perf_counter() - start}, details)


def _self_train(settings: SelfTraining, features: Features, progress: bool) -> tuple[np.ndarray, Step]:
    """DEC-style self-training of the pretrained network behind ``features``.

    It needs the network, not only its codes: where the codes came committed and the
    cache lacks the checkpoint, the training runs here, and the record describes the
    network that was self-trained (its losses, its time), not the committed codes'.
    """
    if features.autoencoder is None:
        raise ValueError("self-training needs an autoencoder's codes, not pixels")
    model, info = trainings.trained_model(features.autoencoder, features.images, features.budget, features.seed,
                                          features.device, progress)
    x = to_tensor(features.images, features.device)
    network = {**{k: info.get(k) for k in _TRAINING_DETAILS}, "reconstruction_mse": reconstruction_error(model, x)}
    settings = replace(settings, maxiter=min(settings.maxiter, features.budget.selftrain_maxiter))
    start = time.perf_counter()
    with runtime.torch_threads(trainings.TRAINING_THREADS):  # one seed, one number (see trainings)
        out = self_train(model, x, N_CLUSTERS, settings, seed=features.seed,
                         kmeans_n_init=features.budget.kmeans_n_init, progress=progress)
    details = {"autoencoder": network, "selftrain": {k: out[k] for k in ("iterations", "stopped", "delta_label")}}
    return out["labels"], Step({"pretrain_s": info["pretrain_s"], "selftrain_s": time.perf_counter() - start},
                               details)


def _execute(method: str, images: np.ndarray, seed: int, budget: Budget, device: str | None,
             progress: bool) -> tuple[np.ndarray, Step, str]:
    """Seed, represent, cluster: the labels, the two steps' record merged, the device."""
    spec = method_named(method)
    device = device or runtime.pick_device()
    runtime.seed_everything(seed)
    runtime.float32_everywhere()
    features, made = represent(spec.representation, images, seed, budget, device, progress)
    labels, clustered = cluster(spec.clustering, features, progress)
    return labels, Step({**made.timings, **clustered.timings}, {**made.details, **clustered.details}), device


def predict(method: str, images: np.ndarray, seed: int, budget: str | Budget = "full",
            device: str | None = None, progress: bool = True) -> np.ndarray:
    """Run a registered method on images and return its labels, storing nothing.

    The same code as :func:`run` (a chapter uses it to look inside a result);
    autoencoder trainings come from the store when :func:`run` made them.
    """
    return _execute(method, images, seed, budget_named(budget), device, progress)[0]


def train_autoencoder(autoencoder: str, dataset: str, seed: int, budget: str | Budget = "full",
                      device: str | None = None, progress: bool = True, store_codes: bool = False,
                      overwrite: bool = False, store_weights: bool = False) -> dict:
    """Train (or resume) an autoencoder on a data set and cache its codes; no result.

    For a chapter that looks inside a training, such as chapter 6's figures, on a
    machine whose cache lacks it: :func:`run` skips a method whose result is stored,
    so it never trains its autoencoder again. The training is the one the runner's
    methods use (same cache key).

    Parameters
    ----------
    autoencoder : str
        A key of :data:`~caeward.experiments.registry.AUTOENCODERS`.
    dataset : {"mnist-full", "mnist-test"}
    seed : int
    budget : str or Budget
    store_codes : bool
        Also write the codes under ``results/codes/`` to be committed (for the
        trainings that chapters draw figures from), unless they came from there.
    overwrite : bool
        With ``store_codes``: replace codes of this training committed already
        (otherwise that is refused).
    store_weights : bool
        With ``store_codes``: also commit the network's weights (``safetensors``),
        for a chapter that needs the network itself (chapter 2).

    Returns
    -------
    dict
        The training's ``info`` from :func:`caeward.experiments.trainings.trained_codes`
        (``source`` says where it came from); with ``store_codes``, ``stored_in`` (the
        folder written) or ``committed_in`` (where the same codes were committed already).
    """
    if autoencoder not in AUTOENCODERS:
        raise ValueError(f"unknown autoencoder {autoencoder!r}; known: {', '.join(AUTOENCODERS)}")
    seed = _check_seed(seed)
    budget = budget_named(budget)
    images, _ = load_dataset(dataset, budget)
    runtime.float32_everywhere()  # as the runner, so that the training is the same
    _, info = trainings.trained_codes(autoencoder, images, budget, seed, device or runtime.pick_device(),
                                      progress=progress)
    if store_codes and (info["source"] != "committed" or store_weights):
        folder, written = committed_codes.store_codes(autoencoder, images, budget, seed, overwrite=overwrite,
                                                      weights=store_weights)
        info["stored_in" if written else "committed_in"] = str(folder)
    return info


def run(method: str, dataset: str, seed: int, budget: str | Budget = "full",
        force: bool = False, verbose: bool = True) -> Result:
    """Run one method on one dataset with one seed, or return its stored result.

    Parameters
    ----------
    method : str
        A key of :data:`~caeward.experiments.registry.METHODS`.
    dataset : {"mnist-full", "mnist-test"}
    seed : int
    budget : str or Budget
    force : bool
        Run again even if a result exists (the old file is replaced atomically).

    Returns
    -------
    Result
        As stored in its file. When another process stored the same run while this
        one computed it, theirs is kept and returned.
    """
    spec = method_named(method)
    _check_dataset(dataset)
    seed = _check_seed(seed)
    budget = budget_named(budget)
    path = result_path(method, dataset, seed, budget)
    if path.exists() and not force:
        stored = read_result(path)
        if verbose:
            print(f"{method} / {dataset} / seed {seed}: stored result {path.name} "
                  f"(ACC {stored.acc:.4f}), not run again")
        return stored

    start = time.perf_counter()
    images, labels = load_dataset(dataset, budget)
    load_s = time.perf_counter() - start
    predicted, step, device = _execute(method, images, seed, budget, None, verbose)
    timings = {"load_s": load_s, **step.timings, "total_s": time.perf_counter() - start}
    result = Result(
        method=method, label=spec.label, dataset=dataset, seed=seed, budget=budget.name,
        n_samples=int(len(labels)), metrics=metrics.evaluate(labels, predicted),
        n_clusters_found=int(np.unique(predicted).size), timings=timings, details=step.details,
        device=device, device_name=runtime.device_name(device), cpu_kernels=runtime.cpu_kernels(),
        versions=runtime.versions(), config={"method": spec.config, "budget": budget.as_dict()},
        created=runtime.utc_timestamp(), **_commit_fields(),
    )
    try:
        path = write_result(result, replace=force)
    except FileExistsError:
        stored = read_result(path)
        if verbose:
            print(f"{method} / {dataset} / seed {seed}: another run stored {path.name} first "
                  f"(ACC {stored.acc:.4f}); it is kept")
        return stored
    except OSError as exc:
        raise ResultNotWritten(_keep_unwritten(result, path, exc)) from exc
    if verbose:
        print(f"{method} / {dataset} / seed {seed}: ACC {result.acc:.4f}  NMI {result.nmi:.4f}  "
              f"({timings['total_s']:.1f} s) -> {path}")
    return result


def _keep_unwritten(result: Result, path, error: OSError) -> str:
    """Keep a computed result that could not be written to ``path`` beside the cache,
    sealed; return the one line that says what happened and where it is."""
    why = write_failure(error)
    line = (f"the result of {result.method} / {result.dataset} / seed {result.seed} could not be written "
            f"to {path} ({why})")
    try:
        spare = write_result(result, replace=True, root=cache_root() / "unwritten-results")
    except OSError:
        return f"{line}, nor beside the cache: free some space and run it again"
    return f"{line}; it is kept in {spare}: free some space, then move it there"


def _commit_fields() -> dict:
    found = runtime.git_commit()
    extra = {k: v for k, v in found.items() if k not in ("commit", "dirty")}
    return {"commit": found["commit"], "dirty": found["dirty"], "extra": extra}


def run_many(methods, datasets, seeds, budget: str | Budget = "full",
             force: bool = False, missing: str = "run") -> list[Result]:
    """Every method x dataset x seed: stored results are loaded, missing ones run.

    Before computing anything it says how many runs are missing and, from the
    timings of stored runs (:func:`caeward.experiments.cost.missing_runs_seconds`), at
    most about how long they will take, so that no one starts hours of work by accident.

    Parameters
    ----------
    methods, datasets : list of str
    seeds : list of int
    budget : str or Budget
    force : bool
        Run again even where a result is stored.
    missing : {"run", "report", "skip"}
        ``"run"`` computes missing runs; ``"report"`` only lists them, with the
        command that computes them, and returns the stored ones (the appendix's
        ledger); ``"skip"`` returns the stored ones and prints nothing (a chapter
        that shows whatever full-budget runs exist, and leaves the ledger to the
        appendix).

    Returns
    -------
    list of Result
        The results, stored or computed, in method, dataset, seed order.
    """
    if missing not in ("run", "report", "skip"):
        raise ValueError(f"missing must be 'run', 'report' or 'skip', got {missing!r}")
    budget = budget_named(budget)
    for name in methods:
        method_named(name)
    for dataset in datasets:
        _check_dataset(dataset)
    seeds = [_check_seed(seed) for seed in seeds]
    jobs = [(m, d, s) for m in methods for d in datasets for s in seeds]
    todo = [j for j in jobs if force or not result_path(*j, budget).exists()]
    def stored():  # an invalid file is flagged (one line) and left out, never counted
        found = (stored_result(result_path(*j, budget)) for j in jobs if j not in todo)
        return [r for r in found if r is not None]

    if missing == "skip":
        return stored()
    if todo:
        seconds, unknown = missing_runs_seconds(todo, load_results(budget), budget, runtime.pick_device())
        known = len(todo) - unknown
        estimate = (f"at most about {format_duration(seconds)} from stored timings"
                    + (f", plus {unknown} run(s) with no timing to estimate from" if unknown else "")
                    if known else "no stored timing to estimate from")
        if missing == "report":
            print(f"{len(jobs) - len(todo)} of {len(jobs)} runs are stored; {len(todo)} are not "
                  f"({estimate}) and are left out here. To compute them:")
            for m, d in dict.fromkeys((m, d) for m, d, _ in todo):
                left = [s for mm, dd, s in todo if (mm, dd) == (m, d)]
                print(f"  python -m caeward run --method {m} --dataset {d} --seed "
                      f"{' '.join(map(str, left))} --budget {budget.name}")
            return stored()
        print(f"{len(jobs) - len(todo)} of {len(jobs)} runs are stored; computing {len(todo)} "
              f"at the {budget.name} budget ({estimate}).")
    else:
        print(f"All {len(jobs)} runs are stored; nothing to compute.")
    results, not_done = [], []
    for m, d, s in jobs:
        try:
            results.append(run(m, d, s, budget, force=force, verbose=(m, d, s) in todo))
        except (ResultFileError, ResultNotWritten) as exc:  # the others go on
            print(f"{m} / {d} / seed {s}: not done: {exc}", file=sys.stderr)
            not_done.append(f"{m} / {d} / seed {s}")
    if not_done:
        raise RunsNotDone(f"{len(not_done)} of {len(jobs)} runs not done (why above): {'; '.join(not_done)}")
    return results
