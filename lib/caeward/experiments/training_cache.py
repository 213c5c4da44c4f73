"""The cache of trainings: which folder is a training's, what it holds, and who may write it.

Introduced in chapter 2. Every module of the store finds its files through this one:
:mod:`~caeward.experiments.trainings` (the trainings and their codes),
:mod:`~caeward.experiments.committed_codes` (the codes committed for figures),
:mod:`~caeward.experiments.embedding_cache` (UMAP embeddings) and
:mod:`~caeward.experiments.run_codes` (a stored run's own codes).

**The cache** (:func:`caeward.experiments.settings.cache_root`) holds one folder per
training, named by a hash of everything that determines it (:func:`training_key`): the
autoencoder's configuration, :data:`caeward.train.TRAINING_VERSION`, the data's SHA-256,
the budget's epochs and precision, and the seed. In it: the pretraining checkpoint
(which lets an interrupted training resume), a clock that adds up the wall time of every
run of the training (:mod:`~caeward.experiments.training_clock`), and the codes.

**A training folder is its record.** Each folder holds ``key.json``, the key it was
made for. Before anything in a folder is used (codes, checkpoint, weights), that record
is compared with the key asked for; a folder that holds another training (copied or
linked under another's name), or none that it can prove, is never used: it is set
aside, with a one-line warning, under ``<cache>/set-aside/`` (a user may want it back),
and the training is made anew.

**Nothing unverified is used.** Checkpoints and codes are written atomically with a
record of their SHA-256 that also covers their metadata (:mod:`caeward.files`). A
cached file that fails its check is discarded, with a warning, and recomputed; codes
that are not finite are never cached. One process at a time works on a training: a
file lock beside the cache makes a second process wait, then use what the first made.

**Codes are looked up, never trained, here**: in the cache, then among the codes
committed under ``results/codes/<budget>/<training folder>/``
(:func:`committed_folder`); a committed file that fails its check is left as it is.

The underscore names are the store's internals, which its modules share; the chapters
use the public ones.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..files import VerificationError, load_verified_array, write_failure
from ..train import TRAINING_VERSION, CheckpointError, checkpoint_record, load_checkpoint
from .registry import AUTOENCODERS, BATCH_SIZE
from .settings import Budget, cache_root, codes_dir

__all__ = ["StoreError", "training_key", "training_folder", "committed_folder", "is_cached"]

# The files of a training folder, and of its committed copy
_CODES, _CODES_RECORD, _CHECKPOINT = "codes.npy", "codes.json", "pretrain.pt"
_WEIGHTS, _WEIGHTS_RECORD = "weights.safetensors", "weights.json"


class StoreError(RuntimeError):
    """A stored file cannot be used, or cannot be written, and nothing was computed from it."""


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


def _stored_codes(key: dict, budget: Budget):
    """``(codes, info)`` of training ``key`` from the cache or the committed codes, or None."""
    cached = _cached_codes(training_folder(key), key)
    if cached is not None:
        return cached[0], {**cached[1], "cached": True, "source": "cache"}
    committed = _committed_codes(committed_folder(key, budget), key)
    if committed is not None:
        return committed[0], {**committed[1], "cached": True, "source": "committed"}
    return None


def _checkpoint_epochs(checkpoint: Path) -> int | None:
    """How many epochs a checkpoint holds: 0 if there is none, None if it fails its check."""
    if not checkpoint.exists() and not checkpoint_record(checkpoint).exists():
        return 0
    try:
        return len(load_checkpoint(checkpoint)["losses"])
    except (CheckpointError, KeyError, TypeError):
        return None


def is_cached(name: str, images: np.ndarray, budget: Budget, seed: int) -> bool:
    """Whether the codes of this training are at hand, in the cache or committed under
    ``results/codes/`` (either is verified when loaded), so that no training is needed."""
    key = training_key(name, images, budget, seed)
    cached, committed = training_folder(key), committed_folder(key, budget)
    return any((f / _CODES).exists() and (f / _CODES_RECORD).exists() and ok
               for f, ok in ((cached, _holds(cached, key)), (committed, True)))
