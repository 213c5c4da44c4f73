"""Budgets: how much data and training a run gets, and quick mode.

Introduced in chapter 1 (*The problem*).

Quick mode (``CAEWARD_QUICK=1``, set by the tests) runs *the same code* on a small,
fixed subset with a short training, so that every chapter finishes in well under
two minutes on two CPU cores. Without it, a chapter runs in full mode: the whole
data set and the full training budget, which is what the book's stored outputs show.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["Budget", "BUDGETS", "quick_mode", "current_budget", "subsample"]


@dataclass(frozen=True)
class Budget:
    """How much a run may spend.

    Attributes
    ----------
    name : str
    max_samples : int or None
        Cap on the number of samples (a fixed random subset); ``None`` for all.
    kmeans_n_init : int
        k-means restarts.
    """

    name: str
    max_samples: int | None
    kmeans_n_init: int = 20

    def as_dict(self) -> dict:
        return asdict(self)


BUDGETS = {
    "quick": Budget("quick", max_samples=2000),
    "full": Budget("full", max_samples=None),
}


def quick_mode() -> bool:
    """True when the environment variable ``CAEWARD_QUICK`` is set to a true value."""
    return os.environ.get("CAEWARD_QUICK", "").strip().lower() in ("1", "true", "yes", "on")


def current_budget() -> Budget:
    """``BUDGETS["quick"]`` in quick mode, else ``BUDGETS["full"]``."""
    return BUDGETS["quick" if quick_mode() else "full"]


def subsample(images: np.ndarray, labels: np.ndarray, budget: Budget,
              seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The budget's fixed random subset (the same for every method and run seed), in
    the original order; everything when the budget has no cap."""
    n = len(images)
    if budget.max_samples is None or budget.max_samples >= n:
        return images, labels
    keep = np.sort(np.random.default_rng(seed).choice(n, budget.max_samples, replace=False))
    return images[keep], labels[keep]
