"""Sibling trainings: a training starts from the checkpoint of a shorter one it continues.

Trainings that differ only in their number of epochs (the epochs ablation:
``proposed-50ep``, ``proposed-100ep``, ``proposed``) share their first epochs: each
epoch's shuffle is seeded by the seed and the epoch, and the initial weights by the
seed, so a 50-epoch training *is* the first 50 epochs of the 200-epoch one. A new
training (:mod:`~caeward.experiments.trainings`) therefore starts from the checkpoint of
the cached sibling that got furthest without passing its own epochs, and takes over
that sibling's clock (:mod:`~caeward.experiments.training_clock`), so its
``pretrain_s`` is still the cost of all its epochs; ``pretrain_started_from`` says
which sibling it continued.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

from ..files import atomic_path
from ..train import checkpoint_record
from .registry import AUTOENCODERS, architecture
from .settings import Budget
from .training_cache import _CHECKPOINT, _checkpoint_epochs, _holds, _try_locked, training_folder
from .training_clock import _earlier_segments, _write_clock


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
