"""The store: trainings and their codes, UMAP embeddings, and the codes committed for figures.

Introduced in chapter 2; chapters 4 and 5 run every Table 1 row and ablation variant
on it. One pretraining serves every clustering of its codes: ``cae-kmeans`` and
``cae-ward`` of a seed share the ``cae`` training.

**The cache** (:func:`caeward.experiments.settings.cache_root`) holds one folder per
training, named by a hash of everything that determines it: the autoencoder's
configuration, :data:`caeward.train.TRAINING_VERSION`, the data's SHA-256, the
budget's epochs and precision, and the seed. In it: the pretraining checkpoint (which
lets an interrupted training resume), a clock that adds up the wall time of every run
of the training, and the codes.

**A training folder is its record.** Each folder holds ``key.json``, the key it was
made for. Before anything in a folder is used (codes, checkpoint, weights), that record
is compared with the key asked for; a folder that holds another training (copied or
linked under another's name), or none that it can prove, is never used: it is set
aside, with a one-line warning, under ``<cache>/set-aside/`` (a user may want it back),
and the training is made anew.

**One seed, one number.** Every training and embedding of the store runs with
:data:`TRAINING_THREADS` intra-op threads on a CPU, whatever the process was given: the
thread count changes how PyTorch splits its sums, and 200 epochs turn the last bits
into another network (``run`` with two threads and a campaign's one-thread worker once
stored different numbers under one key). The count is recorded in the training's
``trained_on``.

**Nothing unverified is used.** Checkpoints and codes are written atomically with a
record of their SHA-256 that also covers their metadata (:mod:`caeward.files`). A
cached file that fails its check is discarded, with a warning, and recomputed; codes
that are not finite are never cached. One process at a time works on a training: a
file lock beside the cache makes a second process wait, then use what the first made.

**Committed codes** (``results/codes/<budget>/<training folder>/``): the few trainings
whose codes chapters draw figures from, so that a new machine draws the same figure
without training. :func:`trained_codes` looks in the cache, then there, and trains only
when neither holds verified codes of that very training. They are written only by
:func:`store_codes` (``python -m caeward train --store``), never over existing ones
unless asked to, and a committed file that fails its check is left as it is.

**Committed weights** (``weights.safetensors`` beside committed codes): for the two
trainings whose network chapter 2 looks inside, so that a reader's machine (or Colab)
shows its figures in seconds. :func:`trained_model` uses them, verified and of that
very training, when the cache holds no finished training; ``safetensors`` holds
tensors only, so loading them runs no code.

**Sibling trainings.** Trainings that differ only in their number of epochs (the epochs
ablation: ``proposed-50ep``, ``proposed-100ep``, ``proposed``) share their first epochs:
each epoch's shuffle is seeded by the seed and the epoch, and the initial weights by the
seed, so a 50-epoch training *is* the first 50 epochs of the 200-epoch one. A new
training therefore starts from the checkpoint of the cached sibling that got furthest
without passing its own epochs, and takes over that sibling's clock, so its
``pretrain_s`` is still the cost of all its epochs; ``pretrain_started_from`` says
which sibling it continued.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import warnings
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from .. import runtime
from ..files import (VerificationError, atomic_path, load_verified, load_verified_array,
                     remove_stale_temporaries, save_verified, save_verified_array, write_failure)
from ..manifold import UMAPSettings, umap_embed
from ..train import TRAINING_VERSION, CheckpointError, TrainingDiverged, checkpoint_record, embed, \
    load_checkpoint, pretrain, reconstruction_error, to_tensor
from .registry import AUTOENCODERS, BATCH_SIZE, architecture
from .settings import Budget, cache_root, codes_dir

#: Intra-op threads of every training and embedding on a CPU (see the module docstring).
TRAINING_THREADS = 1

__all__ = ["StoreError", "TRAINING_THREADS", "training_key", "training_folder", "committed_folder", "is_cached",
           "trained_codes", "trained_codes_seeds", "trained_model", "store_codes", "umap_embedding",
           "stored_run_codes", "own_codes_by_seed", "codes_at_hand"]

_CODES, _CODES_RECORD, _CHECKPOINT = "codes.npy", "codes.json", "pretrain.pt"
_WEIGHTS, _WEIGHTS_RECORD = "weights.safetensors", "weights.json"


class StoreError(RuntimeError):
    """A stored file cannot be used, or cannot be written, and nothing was computed from it."""


# --------------------------------------------------------------------- identity

def training_key(name: str, images: np.ndarray, budget: Budget, seed: int) -> dict:
    """Everything that determines a training of autoencoder ``name`` on ``images``."""
    spec = AUTOENCODERS[name]
    return {
        "autoencoder": name, "spec": asdict(spec), "training_version": TRAINING_VERSION,
        "data_sha256": hashlib.sha256(np.ascontiguousarray(images).tobytes()).hexdigest(),
        "n_samples": int(len(images)), "epochs": spec.epochs_for(budget),
        "batch_size": BATCH_SIZE, "bf16": budget.bf16, "seed": seed,
    }


def _folder_name(key: dict) -> str:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return f"{key['autoencoder']}-{digest}"


def training_folder(key: dict) -> Path:
    """The cache folder of the training ``key``."""
    return cache_root() / _folder_name(key)


def committed_folder(key: dict, budget: Budget) -> Path:
    """Where the codes of the training ``key`` are committed, if they are."""
    return codes_dir(budget) / _folder_name(key)


_KEY_RECORD = "key.json"


def _recorded_key(folder: Path):
    """The key a training folder records, or None where it records none readable."""
    try:
        return json.loads((folder / _KEY_RECORD).read_text())
    except (OSError, ValueError):
        return None


def _holds(folder: Path, key: dict) -> bool:
    """Whether ``folder`` is training ``key``'s by its record (an empty or absent folder
    holds nothing else, so it counts as its own)."""
    if not folder.is_dir() or not any(folder.iterdir()):
        return not folder.is_symlink()
    return _recorded_key(folder) == key


def _differs(recorded, key: dict) -> str:
    if not isinstance(recorded, dict):
        return "it records no training key"
    fields = [k for k in sorted(set(recorded) | set(key)) if recorded.get(k) != key.get(k)]
    shown = [f"{k} {recorded.get(k)!r} where {key.get(k)!r} was asked" for k in fields
             if k not in ("spec", "data_sha256")] + [f"another {k}" for k in fields if k in ("spec", "data_sha256")]
    return "it holds another training: " + ", ".join(shown)


def _set_aside_unless_own(folder: Path, key: dict) -> None:
    """Under the training's lock: move ``folder`` to ``<cache>/set-aside/`` (never
    delete it) when it holds another training than ``key``, with a one-line warning."""
    if _holds(folder, key):
        return
    why = _differs(_recorded_key(folder), key)
    target = cache_root() / "set-aside" / f"{folder.name}-{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**6}"
    target.parent.mkdir(parents=True, exist_ok=True)
    folder.rename(target)  # a link is moved as a link: what it points to is left as it is
    warnings.warn(f"cache folder {folder} is not used ({why}); set aside in {target}, and the training is "
                  "made anew", stacklevel=4)


@contextmanager
def _writes_into(folder: Path):
    """Turn a failed write into the cache (a full disk, whose error from ``torch.save``
    reads ``unexpected pos``) into one :class:`StoreError` naming the folder; the last
    whole checkpoint stays, so the training resumes from it."""
    try:
        yield
    except OSError as exc:
        why = write_failure(exc)
        raise StoreError(f"cannot write into the cache folder {folder} ({why}); free some space or set "
                         "CAEWARD_CACHE to another folder, then run again: the training resumes from its "
                         "last checkpoint") from exc
    except RuntimeError as exc:
        if "unexpected pos" not in str(exc) and "No space" not in str(exc):
            raise
        raise StoreError(f"cannot write into the cache folder {folder} (no space left on the device, it "
                         "seems); free some space or set CAEWARD_CACHE to another folder, then run again: the "
                         "training resumes from its last checkpoint") from exc


@contextmanager
def _locked(key: dict):
    """Hold the training's lock: a second process asking for it waits here."""
    from filelock import FileLock

    locks = cache_root() / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    with FileLock(locks / f"{_folder_name(key)}.lock"):
        yield


def _discard(paths, why: str) -> None:
    warnings.warn(f"{why}; discarded, it is computed again", stacklevel=4)
    for path in paths:
        Path(path).unlink(missing_ok=True)


def _cached_array(npy: Path, record: Path, locked: bool):
    """``(array, info)`` of a verified cache entry, or None. A damaged entry is discarded
    only by the holder of its lock: without it, the entry may be half written by the holder."""
    try:
        return load_verified_array(npy, record)
    except FileNotFoundError:
        return None
    except VerificationError as exc:
        if locked:
            _discard([npy, record], f"cache entry {npy} cannot be used ({exc})")
        return None


def _cached_codes(folder: Path, key: dict, locked: bool = False):
    """Verified cached codes of training ``key``, or None (also when ``folder`` holds
    another training: it is set aside by the holder of its lock, before training)."""
    if not _holds(folder, key):
        return None
    found = _cached_array(folder / _CODES, folder / _CODES_RECORD, locked)
    if found is not None and found[1].get("key") != key:
        return None
    return found


def _committed_codes(folder: Path, key: dict):
    """The committed codes of training ``key`` in ``folder``, or None (with a warning
    when they are there but fail their check or belong to another training; the files
    are left as they are)."""
    try:
        codes, info = load_verified_array(folder / _CODES, folder / _CODES_RECORD)
    except FileNotFoundError:
        return None
    except VerificationError as exc:
        warnings.warn(f"committed codes in {folder} are not used: {exc} (restore them with git)", stacklevel=4)
        return None
    if info.get("key") != key:
        warnings.warn(f"committed codes in {folder} were stored for another training than the one asked; "
                      "they are not used", stacklevel=4)
        return None
    return codes, info


def is_cached(name: str, images: np.ndarray, budget: Budget, seed: int) -> bool:
    """Whether the codes of this training are at hand, in the cache or committed under
    ``results/codes/`` (either is verified when loaded), so that no training is needed."""
    key = training_key(name, images, budget, seed)
    cached, committed = training_folder(key), committed_folder(key, budget)
    return any((f / _CODES).exists() and (f / _CODES_RECORD).exists() and ok
               for f, ok in ((cached, _holds(cached, key)), (committed, True)))


# --------------------------------------------------------------------- trainings

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


def _stored_codes(key: dict, budget: Budget):
    """``(codes, info)`` of training ``key`` from the cache or the committed codes, or None."""
    cached = _cached_codes(training_folder(key), key)
    if cached is not None:
        return cached[0], {**cached[1], "cached": True, "source": "cache"}
    committed = _committed_codes(committed_folder(key, budget), key)
    if committed is not None:
        return committed[0], {**committed[1], "cached": True, "source": "committed"}
    return None


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


def _checkpoint_epochs(checkpoint: Path) -> int | None:
    """How many epochs a checkpoint holds: 0 if there is none, None if it fails its check."""
    if not checkpoint.exists() and not checkpoint_record(checkpoint).exists():
        return 0
    try:
        return len(load_checkpoint(checkpoint)["losses"])
    except (CheckpointError, KeyError, TypeError):
        return None


@contextmanager
def _try_locked(key: dict):
    """Hold the lock of training ``key`` if it is free; yield whether it is held. A
    sibling being trained by another process is passed over, never waited for (two
    siblings waiting for each other would wait for ever)."""
    from filelock import FileLock, Timeout

    (cache_root() / "locks").mkdir(parents=True, exist_ok=True)
    lock = FileLock(cache_root() / "locks" / f"{_folder_name(key)}.lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def _start_from_sibling(key: dict, budget: Budget, folder: Path) -> None:
    """Copy into ``folder`` (the training ``key``'s) the checkpoint and clock of the
    cached training that differs from it only in its epochs and got furthest without
    passing ``key["epochs"]``; do nothing if none did. Each sibling is read under its
    lock, and the copy is checked before it is kept."""
    (folder / "started_from.json").unlink(missing_ok=True)  # left by a start that did not finish
    name, epochs = key["autoencoder"], key["epochs"]
    siblings = []
    for other, spec in AUTOENCODERS.items():
        if other == name or architecture(other) != architecture(name):
            continue
        other_key = {**key, "autoencoder": other, "spec": asdict(spec), "epochs": spec.epochs_for(budget)}
        with _try_locked(other_key) as held:
            own = held and _holds(training_folder(other_key), other_key)
            done = _checkpoint_epochs(training_folder(other_key) / _CHECKPOINT) if own else None
        if done and done <= epochs:
            siblings.append((done, other, other_key))
    for _, other, other_key in sorted(siblings, key=lambda found: -found[0]):  # the furthest first
        with _try_locked(other_key) as held:
            sibling = training_folder(other_key)
            if held and _holds(sibling, other_key) and _copy_sibling(other, sibling, epochs, folder):
                return


def _copy_sibling(other: str, other_folder: Path, epochs: int, folder: Path) -> bool:
    """Copy sibling ``other``'s checkpoint into ``folder`` if it holds 1 to ``epochs``
    epochs and the copy passes its check; say whether it was kept."""
    other_done = _checkpoint_epochs(other_folder / _CHECKPOINT)
    if not other_done or other_done > epochs:
        return False
    segments = _earlier_segments(other_folder / "pretrain_clock.json", other_folder / _CHECKPOINT, other_done)
    source, target = other_folder / _CHECKPOINT, folder / _CHECKPOINT
    with atomic_path(checkpoint_record(target)) as tmp:
        shutil.copyfile(checkpoint_record(source), tmp)
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    if _checkpoint_epochs(target) != other_done:  # changed while copied: start from scratch instead
        for path in (target, checkpoint_record(target)):
            path.unlink(missing_ok=True)
        return False
    _write_clock(folder / "pretrain_clock.json", segments)  # [] if untrustworthy: untimed, never guessed
    with atomic_path(folder / "started_from.json") as tmp:
        tmp.write_text(json.dumps({"autoencoder": other, "epochs": other_done}))
    return True


def _read_started_from(folder: Path) -> dict | None:
    try:
        found = json.loads((folder / "started_from.json").read_text())
        return {"autoencoder": str(found["autoencoder"]), "epochs": int(found["epochs"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _earlier_segments(clock_path: Path, checkpoint: Path, done: int) -> list[dict]:
    """The timed runs of this training before now, each ``{"from_epoch", "to_epoch",
    "seconds"}``, covering epochs ``segments[0]["from_epoch"]`` to ``done``.

    A run that was killed left its segment open; it is closed with the time its
    last checkpoint was written, which is when its last complete epoch ended (the
    partial epoch after it is trained again, and counted then). A segment trained with
    other seeds in one batch (``"batched"``: how many) counts its share of the wall time. A clock that is
    missing, unreadable or does not add up to the checkpoint's ``done`` epochs is
    dropped: those epochs are then reported as untimed, never guessed.
    """
    try:
        segments = json.loads(clock_path.read_text()) if done else []
        if segments and "to_epoch" not in segments[-1]:
            last = segments[-1]
            ended = max(checkpoint.stat().st_mtime, last["started"])
            segments[-1] = {"from_epoch": last["from_epoch"], "to_epoch": done,
                            "seconds": (ended - last["started"]) * last.get("share", 1.0),
                            **({"batched": last["batched"]} if "batched" in last else {})}
        edges = [s["from_epoch"] for s in segments] + [done]
        if any(s["to_epoch"] != e for s, e in zip(segments, edges[1:])) or edges[0] > done:
            return []
        kept = ("from_epoch", "to_epoch", "seconds", "batched")
        return [{k: s[k] for k in kept if k in s} for s in segments]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def _write_clock(path: Path, segments: list[dict]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(segments, indent=1))



# ------------------------------------------------------------- committed codes

def store_codes(name: str, images: np.ndarray, budget: Budget, seed: int,
                overwrite: bool = False, weights: bool = False) -> tuple[Path, bool]:
    """Commit-ready copy of a cached training's codes, for the chapters' figures.

    Writes them under ``results/codes/<budget>/`` with the training's record and the
    commit and versions that stored them. The training must be in the cache
    (``python -m caeward train`` first). With ``weights``, the network's weights too
    (``weights.safetensors``, verified like the codes), for a chapter that needs the
    network itself.

    Returns
    -------
    folder : Path
    written : bool
        False when the very same codes are committed there already.

    Raises
    ------
    StoreError
        The codes are not in the cache; or other codes of this training (a retraining
        on another machine, say) are committed already and ``overwrite`` is false.
    """
    key = training_key(name, images, budget, seed)
    target = committed_folder(key, budget)
    found = _cached_codes(training_folder(key), key)
    if found is None and weights:  # codes committed already: add the weights of their training
        found = _committed_codes(target, key)
    if found is None:
        raise StoreError(f"the codes of {name} (seed {seed}, {len(images):,} images, budget {budget.name}) "
                         f"are not in the cache {cache_root()}: train them first, with python -m caeward train")
    codes, info = found
    if any((target / f).exists() for f in (_CODES, _CODES_RECORD)) and not overwrite:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            committed = _committed_codes(target, key)
        if committed is not None and np.array_equal(committed[0], codes):
            if weights and not (target / _WEIGHTS).exists():
                _store_weights(key, target, committed[1])
                return target, True
            return target, False
        raise StoreError(f"other codes of this training are committed already in {target}; "
                         "pass --overwrite to replace them")
    info = {k: v for k, v in info.items() if k != "folder"}  # a path on this machine only
    stored = {"stored_by": {**runtime.git_commit(), "versions": runtime.versions(),
                            "created": runtime.utc_timestamp()}}
    save_verified_array(target / _CODES, target / _CODES_RECORD, codes, {**info, **stored})
    if weights:
        _store_weights(key, target, {**info, **stored})
    return target, True


def _store_weights(key: dict, target: Path, info: dict) -> None:
    """The finished training's weights, from its verified cached checkpoint."""
    from safetensors.torch import save_file

    checkpoint = training_folder(key) / _CHECKPOINT
    state = load_checkpoint(checkpoint)
    if len(state["losses"]) != key["epochs"] or list(map(float, state["losses"])) != info["losses"]:
        raise StoreError(f"the cached checkpoint {checkpoint} is not the training whose codes are stored")
    tensors = {k: v.contiguous() for k, v in state["model"].items()}
    save_verified(target / _WEIGHTS, target / _WEIGHTS_RECORD, lambda tmp: save_file(tensors, str(tmp)),
                  {k: v for k, v in info.items() if k not in ("folder", "embed_s")})


# ------------------------------------------------------------------- embeddings

def umap_embedding(codes, seed: int, settings: UMAPSettings = UMAPSettings()) -> tuple[np.ndarray, dict]:
    """:func:`caeward.manifold.umap_embed`, cached beside the trainings and reused.

    The UMAP + Ward, + k-means and + GMM rows of one training embed the same codes with
    the same seed: the embedding is computed once. The cache entry is named by the
    SHA-256 of the codes, the settings, the seed and umap-learn's version, and verified
    when loaded.

    Returns
    -------
    embedding : ndarray of float32, shape (n_samples, settings.n_components)
    info : dict
        ``umap_s`` (the embedding's own wall time, also when reused) and ``cached``.
    """
    codes = np.ascontiguousarray(codes, dtype=np.float32)
    key = {"codes_sha256": hashlib.sha256(codes.tobytes()).hexdigest(), "shape": list(codes.shape),
           "settings": settings.as_dict(), "seed": seed, "umap_learn": metadata.version("umap-learn")}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]
    folder = cache_root() / "umap"
    npy, record = folder / f"{digest}.npy", folder / f"{digest}.json"
    found = _cached_array(npy, record, locked=False)
    if found is not None:
        return found[0], {**found[1], "cached": True}
    with _locked({"autoencoder": "umap", "digest": digest}):
        found = _cached_array(npy, record, locked=True)
        if found is not None:
            return found[0], {**found[1], "cached": True}
        start = time.perf_counter()
        embedding = umap_embed(codes, seed, settings)
        info = {"key": key, "umap_s": time.perf_counter() - start}
        save_verified_array(npy, record, embedding, info)
    return embedding, {**info, "cached": False}


# ------------------------------------------------------- a stored run's own codes

def stored_run_codes(name: str, images: np.ndarray, budget: Budget, results, methods,
                     dataset: str, seeds=None):
    """The codes of a stored run's own training, if any are at hand; never trains.

    For the figures of chapters 3 to 5, which must show the training behind a stored
    result (so that the ACC printed on a panel is the stored run's). Goes through the
    seeds of the stored runs of ``methods`` on ``dataset`` in order and returns the
    first whose training of autoencoder ``name`` is in the cache or committed under
    ``results/codes/`` and is that run's very training (equal per-epoch losses, as
    :func:`caeward.experiments.results.trained_as_stored` checks).

    Parameters
    ----------
    name : str
        The autoencoder.
    images : ndarray
        The data set's images, as the runs saw them.
    budget : Budget
    results : list of Result
        Stored results to choose from.
    methods : sequence of str
        Methods on that autoencoder's codes; the seed's runs of all of them are returned.
    dataset : str
    seeds : sequence of int, optional
        The seeds to consider, in order of preference (default: every stored seed).

    Returns
    -------
    (seed, codes, info, runs) or None
        ``runs``: ``{method: Result}`` of that seed, those whose training the codes are.
    """
    for seed, found in _own_trainings(name, images, budget, results, methods, dataset, seeds):
        if found is not None:
            return (seed, *found)
    return None


def own_codes_by_seed(name: str, images: np.ndarray, budget: Budget, results, methods,
                      dataset: str) -> dict[int, bool]:
    """For every seed of the stored runs of ``methods`` on ``dataset``: whether the
    codes of that run's own training of ``name`` are at hand (cached or committed);
    never trains. The appendix lists the trainings whose codes are missing.

    Returns
    -------
    dict
        ``{seed: bool}``, seeds in increasing order.
    """
    return {seed: found is not None
            for seed, found in _own_trainings(name, images, budget, results, methods, dataset)}


def _own_trainings(name, images, budget, results, methods, dataset, seeds=None):
    """Yield ``(seed, (codes, info, runs) or None)`` per seed of the stored runs."""
    from .results import trained_as_stored

    runs = [r for r in results if r.dataset == dataset and r.method in set(methods)
            and r.autoencoder is not None]
    order = list(seeds) if seeds is not None else sorted({r.seed for r in runs})
    for seed in order:
        mine = [r for r in runs if r.seed == seed]
        if not mine:
            continue
        found = _stored_codes(training_key(name, images, budget, seed), budget)
        same = {} if found is None else {r.method: r for r in mine
                                         if trained_as_stored(r, found[1])}
        yield seed, ((*found, same) if same else None)


def codes_at_hand(name: str, images: np.ndarray, budget: Budget, seeds=range(10)):
    """``(seed, codes, info)`` of the first of ``seeds`` whose training of ``name`` on
    ``images`` is in the cache or committed (verified), or None; never trains."""
    for seed in seeds:
        found = _stored_codes(training_key(name, images, budget, seed), budget)
        if found is not None:
            return (seed, *found)
    return None
