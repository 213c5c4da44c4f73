"""Trainings: an autoencoder pretrained, or resumed, and its codes, made once and cached.

Introduced in chapter 2; chapters 4 and 5 run every Table 1 row and ablation variant
on it. One pretraining serves every clustering of its codes: ``cae-kmeans`` and
``cae-ward`` of a seed share the ``cae`` training. Where a training is kept, and how
its files are checked and locked, is :mod:`~caeward.experiments.training_cache`.

**Trained only when nothing stored is this training.** :func:`trained_codes` looks in
the cache, then among the committed codes (:mod:`~caeward.experiments.committed_codes`),
and trains only when neither holds verified codes of that very training. A training
resumes from its verified checkpoint, or starts from a shorter sibling's
(:mod:`~caeward.experiments.sibling_starts`); its clock
(:mod:`~caeward.experiments.training_clock`) adds up the wall time of all its runs.

**Committed weights** (``weights.safetensors`` beside committed codes): for the two
trainings whose network chapter 2 looks inside, so that a reader's machine (or Colab)
shows its figures in seconds. :func:`trained_model` uses them, verified and of that
very training, when the cache holds no finished training; ``safetensors`` holds
tensors only, so loading them runs no code.

**One seed, one number.** Every training and embedding of the store runs with
:data:`TRAINING_THREADS` intra-op threads on a CPU, whatever the process was given: the
thread count changes how PyTorch splits its sums, and 200 epochs turn the last bits
into another network (``run`` with two threads and a campaign's one-thread worker once
stored different numbers under one key). The count is recorded in the training's
``trained_on``.
"""

from __future__ import annotations

import json
import time
import warnings
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import runtime
from ..files import VerificationError, atomic_path, load_verified, remove_stale_temporaries, save_verified_array
from ..train import TrainingDiverged, checkpoint_record, embed, pretrain, reconstruction_error, to_tensor
from .registry import AUTOENCODERS
from .settings import Budget, cache_root
from .sibling_starts import _read_started_from, _start_from_sibling
from .training_cache import (_CHECKPOINT, _CODES, _CODES_RECORD, _KEY_RECORD, _WEIGHTS, _WEIGHTS_RECORD,
                             StoreError, _cached_codes, _checkpoint_epochs, _discard, _folder_name, _holds,
                             _locked, _set_aside_unless_own, _stored_codes, _writes_into, committed_folder,
                             training_folder, training_key)
from .training_clock import _earlier_segments, _write_clock

#: Intra-op threads of every training and embedding on a CPU (see the module docstring).
TRAINING_THREADS = 1

__all__ = ["TRAINING_THREADS", "trained_codes", "trained_codes_seeds", "trained_model"]


def trained_codes(name: str, images: np.ndarray, budget: Budget, seed: int, device: str,
                  progress: bool = True) -> tuple[np.ndarray, dict]:
    """The codes of ``images`` under autoencoder ``name`` pretrained with ``seed``.

    From the cache when there and verified, else from the codes committed under
    ``results/codes/`` when they are this training's and verified; otherwise trained
    (or its training resumed) and cached.

    Returns
    -------
    codes : ndarray of float32, shape (n, code_dim)
    info : dict
        As :func:`trained_model`, plus ``reconstruction_mse``, ``embed_s``, ``cached``
        (no training was needed) and ``source`` (``"cache"``, ``"committed"`` or
        ``"trained"``).

    Raises
    ------
    StoreError
        The training diverged: its loss or its codes are not finite (nothing is cached).
    """
    return trained_codes_seeds(name, images, budget, [seed], device, progress)[0]


def trained_codes_seeds(name: str, images: np.ndarray, budget: Budget, seeds: list[int], device: str,
                        progress: bool = True) -> list[tuple[np.ndarray, dict]]:
    """:func:`trained_codes` for several seeds of one autoencoder, the seeds that need
    training trained together as one batched model
    (:func:`caeward.train_batched.pretrain_seeds`) when their checkpoints got equally far.

    Each seed's training is the one :func:`trained_codes` makes (the same cache
    entry, checkpoints and clock), up to float rounding; its record's
    ``pretrain_batched`` lists the epochs it trained batched, and with how many seeds,
    and its clock is charged its share of the batch's wall time.

    Returns
    -------
    list of (codes, info), one per seed, in the order of ``seeds``
    """
    keys = {seed: training_key(name, images, budget, seed) for seed in seeds}
    found = {seed: _stored_codes(keys[seed], budget) for seed in seeds}
    todo = [seed for seed in dict.fromkeys(seeds) if found[seed] is None]
    if todo:
        with ExitStack() as locks:
            locks.enter_context(_writes_into(cache_root()))
            for seed in sorted(todo, key=lambda s: _folder_name(keys[s])):  # one order: no deadlock
                locks.enter_context(_locked(keys[seed]))
            for seed in todo:  # made by another process while this one waited
                cached = _cached_codes(training_folder(keys[seed]), keys[seed], locked=True)
                found[seed] = None if cached is None else (cached[0], {**cached[1], "cached": True,
                                                                        "source": "cache"})
            runs = [_open_training(name, images, budget, seed, keys[seed], training_folder(keys[seed]))
                    for seed in todo if found[seed] is None]
            x = to_tensor(images, device)
            with runtime.torch_threads(TRAINING_THREADS):
                for group in _batches(runs):
                    for run, losses, seconds in _train_group(group, x, budget, device, progress):
                        found[run.seed] = _embed_and_cache(run, _close_training(run, losses, seconds, device), x)
    return [found[seed] for seed in seeds]


def _batches(runs: list[_Training]) -> list[list[_Training]]:
    """The runs that train together: unfinished ones whose checkpoints hold the same
    epochs (a batch shares its epoch loop); a finished one alone (it is only loaded)."""
    groups: dict = {}
    for run in runs:
        groups.setdefault(None if run.finished else run.done, []).append(run)
    return [[run] for run in groups.pop(None, [])] + list(groups.values())


def _train_group(group: list[_Training], x, budget: Budget, device, progress: bool):
    """Train the runs of ``group`` (one, or several batched) with their clocks open;
    return ``(run, losses, wall seconds)`` for each."""
    from ..train_batched import pretrain_seeds

    first = group[0]
    spec, epochs = AUTOENCODERS[first.name], first.key["epochs"]
    for run in group:
        _start_clock(run, len(group))
    settings = dict(batch_size=first.key["batch_size"], optimizer=spec.optimizer, lr=spec.lr, bf16=budget.bf16,
                    progress=progress, desc=f"pretrain {first.name}")
    start = time.perf_counter()
    try:
        if len(group) == 1:
            losses = [pretrain(first.model, x, epochs, seed=first.seed, checkpoint=first.checkpoint, **settings)]
        else:
            losses = pretrain_seeds([r.model for r in group], x, epochs, seeds=[r.seed for r in group],
                                    checkpoints=[r.checkpoint for r in group], **settings)
    except TrainingDiverged as exc:
        seed = getattr(exc, "seed", first.seed)
        raise StoreError(f"training {first.name} (seed {seed}) {exc}") from exc
    seconds = time.perf_counter() - start
    return [(run, lost, seconds) for run, lost in zip(group, losses)]


def _embed_and_cache(run: _Training, info: dict, x) -> tuple[np.ndarray, dict]:
    """The codes of ``x`` under ``run``'s trained model, cached with ``info`` (refused
    when not finite)."""
    start = time.perf_counter()
    codes = embed(run.model, x)
    info["embed_s"] = time.perf_counter() - start
    info["reconstruction_mse"] = reconstruction_error(run.model, x)
    if not np.isfinite(codes).all():
        raise StoreError(f"training {run.name} (seed {run.seed}) diverged: its codes are not finite, so they "
                         f"are not cached; its checkpoint is in {run.folder}")
    save_verified_array(run.folder / _CODES, run.folder / _CODES_RECORD, codes, info)
    return codes, {**info, "cached": False, "source": "trained"}


def trained_model(name: str, images: np.ndarray, budget: Budget, seed: int, device: str,
                  progress: bool = True):
    """Autoencoder ``name`` pretrained with ``seed``: built, seeded, and trained or
    resumed from its verified checkpoint (a training that is complete loads at once).

    Committed codes are not enough here: a method that needs the network itself
    (DEC-style self-training, chapter 2's reconstructions) trains it when the cache
    lacks its checkpoint.

    Returns
    -------
    model : nn.Module, on ``device``, in eval mode
    info : dict
        ``key`` (what determines the training), ``losses`` per epoch, ``pretrain_s``
        (the wall time of every run of this training, added up over interruptions),
        ``pretrain_runs`` (how many runs that took), ``pretrain_untimed_epochs``
        (epochs trained before the training was timed; 0 normally),
        ``pretrain_started_from`` (the sibling training whose first epochs this one
        continued, as ``{"autoencoder", "epochs"}``, or None), ``trained_on`` and
        ``folder``.
    """
    key = training_key(name, images, budget, seed)
    folder = training_folder(key)
    own = _checkpoint_epochs(folder / _CHECKPOINT) if _holds(folder, key) else 0
    if (own or 0) < key["epochs"]:
        found = _committed_model(name, images, key, budget, device)
        if found is not None:
            return found
    with _writes_into(cache_root()), _locked(key):
        model, info, _ = _pretrain(name, images, budget, seed, device, progress, key, folder)
    return model, info


def _committed_model(name, images, key, budget, device):
    """``(model, info)`` from the weights committed for training ``key``, or None (with
    a warning when they are there but fail their check or are another training's)."""
    from safetensors.torch import load as load_tensors

    folder = committed_folder(key, budget)
    path = folder / _WEIGHTS
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        info = load_verified(path, folder / _WEIGHTS_RECORD, data)
        if info.get("key") != key:
            raise VerificationError("they were stored for another training than the one asked")
        model = AUTOENCODERS[name].build(images.shape[-1])
        model.load_state_dict(load_tensors(data))
    except (VerificationError, RuntimeError, ValueError) as exc:
        warnings.warn(f"committed weights in {folder} are not used: {exc} (restore them with git)",
                      stacklevel=3)
        return None
    return model.to(device).eval(), {**info, "cached": True, "source": "committed"}


def _pretrain(name, images, budget, seed, device, progress, key, folder):
    """:func:`trained_model` for a known key and folder, under its lock; also returns
    the images as the device tensor it trained on."""
    x = to_tensor(images, device)
    run = _open_training(name, images, budget, seed, key, folder)
    with runtime.torch_threads(TRAINING_THREADS):
        [(run, losses, seconds)] = _train_group([run], x, budget, device, progress)
    return run.model, _close_training(run, losses, seconds, device), x


@dataclass
class _Training:
    """One training while a run of it is under way: its model (built under its seed,
    weights still initial), its files, and its clock's earlier segments."""

    name: str
    seed: int
    key: dict
    folder: Path
    model: object
    done: int
    started_from: dict | None
    segments: list
    batched: int = 1

    @property
    def checkpoint(self) -> Path:
        return self.folder / _CHECKPOINT

    @property
    def clock(self) -> Path:
        return self.folder / "pretrain_clock.json"

    @property
    def finished(self) -> bool:
        return self.done >= self.key["epochs"]


def _open_training(name, images, budget, seed, key, folder) -> _Training:
    """Get training ``key`` ready to run, under its lock: its folder, a checkpoint that
    passes its check (or none, or a sibling's to continue), and its model built under
    its seed."""
    _set_aside_unless_own(folder, key)
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder)
    with atomic_path(folder / _KEY_RECORD) as tmp:
        tmp.write_text(json.dumps(key, indent=2, sort_keys=True))
    checkpoint, clock_path = folder / _CHECKPOINT, folder / "pretrain_clock.json"
    done = _checkpoint_epochs(checkpoint)
    if done is None:  # damaged: never resumed from, never continued by a sibling
        _discard([checkpoint, checkpoint_record(checkpoint), clock_path, folder / "started_from.json"],
                 f"checkpoint {checkpoint} fails its check")
        done = 0
    if not checkpoint.exists():
        _start_from_sibling(key, budget, folder)
        done = _checkpoint_epochs(checkpoint) or 0
    runtime.seed_everything(seed)
    return _Training(name, seed, key, folder, AUTOENCODERS[name].build(images.shape[-1]), done,
                     _read_started_from(folder), _earlier_segments(clock_path, checkpoint, done))


def _start_clock(run: _Training, batched: int = 1) -> None:
    """Open the clock segment of a run of ``run`` in which ``batched`` seeds train
    together (each is charged that share of the wall time); none for a finished training,
    which is only loaded."""
    run.batched = batched
    if not run.finished:
        opened = {"from_epoch": run.done, "started": time.time()}
        _write_clock(run.clock, run.segments + [{**opened, **({"share": 1 / batched, "batched": batched}
                                                              if batched > 1 else {})}])


def _close_training(run: _Training, losses: list[float], seconds: float, device) -> dict:
    """Close the clock segment of ``run`` (``seconds`` of wall time, of which it is
    charged its share) and return the training's record (see :func:`trained_model`)."""
    segments = run.segments
    if not run.finished:
        segments.append({"from_epoch": run.done, "to_epoch": len(losses), "seconds": seconds / run.batched,
                         **({"batched": run.batched} if run.batched > 1 else {})})
        _write_clock(run.clock, segments)
    untimed = segments[0]["from_epoch"] if segments else len(losses)  # epochs trained before the clock
    # The device of the run that finished the training: a seed fixes a training on one kind of device only.
    trained_on = {"device": str(device), "device_name": runtime.device_name(str(device)),
                  "cpu_kernels": runtime.cpu_kernels(), "threads": TRAINING_THREADS}
    batched = [{k: s[k] for k in ("from_epoch", "to_epoch", "batched")} for s in segments if "batched" in s]
    return {"key": run.key, "losses": losses, "pretrain_s": sum(s["seconds"] for s in segments),
            "pretrain_runs": len(segments), "pretrain_untimed_epochs": untimed,
            "pretrain_started_from": run.started_from, "pretrain_batched": batched, "trained_on": trained_on,
            "folder": str(run.folder), "cached": run.finished, "source": "cache" if run.finished else "trained"}
