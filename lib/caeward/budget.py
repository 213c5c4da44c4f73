"""Budgets: how much data and training a run gets, and quick mode.

Introduced in chapter 1 (*The problem*).

Quick mode (``CAEWARD_QUICK=1``, set by the tests) runs *the same code* on a small,
fixed subset with a short training, so that every chapter finishes in well under
two minutes on two CPU cores. Without it, a chapter runs in full mode: the whole
data set and the full training budget, which is what the book's stored outputs show.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

__all__ = ["Budget", "BUDGETS", "quick_mode", "current_budget", "bf16_twin", "subsample", "results_dir"]


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
    cae_epochs : int
        Pretraining epochs of the convolutional autoencoders (DCEC: 200, Adam).
    sae_epochs : int
        Pretraining epochs of the stacked autoencoder (DEC-keras: 300, SGD lr 1).
    selftrain_maxiter : int
        Most batches of DEC/IDEC/DCEC self-training (reference code: 20,000).
    bf16 : bool
        Pretrain under bfloat16 autocast.
    """

    name: str
    max_samples: int | None
    kmeans_n_init: int = 20
    cae_epochs: int = 200
    sae_epochs: int = 300
    selftrain_maxiter: int = 20_000
    bf16: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


BUDGETS = {
    "quick": Budget("quick", max_samples=2000, cae_epochs=2, sae_epochs=2, selftrain_maxiter=150),
    "full": Budget("full", max_samples=None),
}
# Each budget's twin with pretraining under bfloat16 autocast (faster on some CPUs:
# chapter 4 prints the throughput measured on the book's). Their results are stored
# apart, in results/<name>-bf16, so that chapter 4 can set them beside float32's seed
# by seed before the book trusts bf16 for any row of Table 1.
BUDGETS.update({f"{b.name}-bf16": replace(b, name=f"{b.name}-bf16", bf16=True)
                for b in list(BUDGETS.values())})


def quick_mode() -> bool:
    """True when the environment variable ``CAEWARD_QUICK`` is set to a true value."""
    return os.environ.get("CAEWARD_QUICK", "").strip().lower() in ("1", "true", "yes", "on")


def current_budget() -> Budget:
    """``BUDGETS["quick"]`` in quick mode, else ``BUDGETS["full"]``."""
    return BUDGETS["quick" if quick_mode() else "full"]


def bf16_twin(budget: Budget) -> Budget:
    """The budget that differs from ``budget`` only in pretraining under bfloat16
    autocast (``BUDGETS["full-bf16"]`` for ``BUDGETS["full"]``)."""
    if budget.bf16:
        raise ValueError(f"budget {budget.name!r} already pretrains in bfloat16; pass its float32 budget")
    twin = BUDGETS.get(f"{budget.name}-bf16")
    if twin is None or replace(twin, name=budget.name, bf16=False) != budget:
        raise ValueError(f"budget {budget.name!r} has no bfloat16 twin in BUDGETS; add one beside it")
    return twin


def subsample(images: np.ndarray, labels: np.ndarray, budget: Budget,
              seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The budget's fixed random subset (the same for every method and run seed), in
    the original order; everything when the budget has no cap."""
    n = len(images)
    if budget.max_samples is None or budget.max_samples >= n:
        return images, labels
    keep = np.sort(np.random.default_rng(seed).choice(n, budget.max_samples, replace=False))
    return images[keep], labels[keep]


def results_dir(budget: str | Budget) -> Path:
    """Where results of a budget live: ``$CAEWARD_RESULTS/<budget>`` if set, else
    ``results/<budget>`` in the repository (``results/quick`` is git-ignored)."""
    name = budget.name if isinstance(budget, Budget) else budget
    base = os.environ.get("CAEWARD_RESULTS")
    if base:
        return Path(base) / name
    repo = Path(__file__).resolve().parents[2]
    if not (repo / "_config.yml").exists():  # installed without the book: use the cwd
        repo = Path.cwd()
    return repo / "results" / name
