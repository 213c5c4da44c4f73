"""Trained codes committed beside the results, for the chapters' figures.

Introduced in chapter 4. The cache of :mod:`caeward.embeddings` lives on one machine.
A chapter that draws a figure from one training's codes (chapter 4's t-SNE of the
MNIST-test codes, say) would otherwise retrain it on every new machine, for an hour
or more on a CPU; and since a seed fixes a training only on one kind of processor,
each retraining is a slightly different network, so the figure would change with the
machine that executed the chapter. The few trainings the figures use are therefore
committed, in the cache's own format: ``results/codes/<budget>/<cache folder name>/``
holds ``codes.npy`` (read with ``allow_pickle=False``) and ``codes.json`` (the codes'
SHA-256, the training's record -- its key, loss curve, reconstruction error and
device -- and the commit, versions and date that stored it).

:func:`caeward.embeddings.trained_codes` looks in the cache first, then here, and
trains only when neither holds codes that pass the check. Only
``python -m caeward train ... --store`` writes here; nothing here is ever overwritten
by a chapter or the runner.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .budget import Budget, results_dir
from .io import load_verified_array, save_verified_array

__all__ = ["store_root", "load", "save"]


def store_root(budget: Budget) -> Path:
    """``results/codes/<budget>`` (beside ``results/<budget>``, so
    ``$CAEWARD_RESULTS`` moves both)."""
    return results_dir(budget).parent / "codes" / budget.name


def load(folder: Path, key: dict) -> tuple[np.ndarray, dict] | None:
    """The codes committed in ``folder`` for the training ``key``, or ``None``.

    ``None`` when there are none; also, with a warning, when they fail their SHA-256
    check or were stored for another training (the committed files are left as they
    are: the caller trains instead).
    """
    codes, meta = folder / "codes.npy", folder / "codes.json"
    if not (codes.exists() or meta.exists()):
        return None
    found = load_verified_array(codes, meta)
    if found is None:
        warnings.warn(f"committed codes in {folder} are incomplete or fail their SHA-256 check; "
                      "they are not used (restore them with git, or delete the folder)", stacklevel=3)
        return None
    if found[1].get("key") != key:
        warnings.warn(f"committed codes in {folder} were stored for another training than the one asked; "
                      "they are not used", stacklevel=3)
        return None
    return found


def save(folder: Path, codes: np.ndarray, info: dict) -> Path:
    """Write ``codes`` and ``info`` into ``folder`` (atomically, verified on load)."""
    save_verified_array(folder / "codes.npy", folder / "codes.json", codes, info)
    return folder
