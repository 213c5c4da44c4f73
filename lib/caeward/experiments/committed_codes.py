"""The codes committed for figures, and the weights beside them: written from the cache.

**Committed codes** (``results/codes/<budget>/<training folder>/``): the few trainings
whose codes chapters draw figures from, so that a new machine draws the same figure
without training (:func:`caeward.experiments.trainings.trained_codes` looks in the
cache, then there). They are written only by :func:`store_codes` (``python -m caeward
train --store``), never over existing ones unless asked to.

**Committed weights** (``weights.safetensors`` beside committed codes): for the
trainings whose network a chapter looks inside
(:func:`caeward.experiments.trainings.trained_model` loads them), written from the
training's verified cached checkpoint.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .. import runtime
from ..files import save_verified, save_verified_array
from ..train import load_checkpoint
from .settings import Budget, cache_root
from .training_cache import (_CHECKPOINT, _CODES, _CODES_RECORD, _WEIGHTS, _WEIGHTS_RECORD, StoreError,
                             _cached_codes, _committed_codes, committed_folder, training_folder, training_key)

__all__ = ["store_codes"]


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
