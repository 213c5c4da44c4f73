"""A training's clock: the wall time of every run of it, kept beside its checkpoint.

A training may take several runs (it is interrupted and resumed, or it continues a
shorter sibling's checkpoint, :mod:`~caeward.experiments.sibling_starts`): each run
adds a segment to ``pretrain_clock.json`` in the training's folder, so that its
``pretrain_s`` (:func:`caeward.experiments.trainings.trained_model`) is the cost of all
its epochs. A clock that cannot be trusted is dropped, and its epochs reported as
untimed: never guessed.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..files import atomic_path


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
