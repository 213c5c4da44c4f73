"""A manifold step between the code layer and the clustering: UMAP, as N2D uses it.

Introduced in chapter 6 (*Beyond the paper*). Not the paper's method: N2D
{McConville et al. 2019} embeds an autoencoder's codes with UMAP before clustering
them; the book puts Ward after that step. The settings default to N2D's run script
for MNIST (as many components as clusters, 20 neighbours, ``min_dist=0``).

Deterministic for a fixed seed on one machine: with ``random_state`` set, umap-learn
runs its optimisation single-threaded and draws every random number from the seed.
The book's runner caches embeddings (:func:`caeward.experiments.embedding_cache.umap_embedding`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["UMAPSettings", "check_n_samples", "umap_embed"]


@dataclass(frozen=True)
class UMAPSettings:
    """UMAP's settings (umap-learn's argument names)."""

    n_components: int = 10
    n_neighbors: int = 20
    min_dist: float = 0.0
    metric: str = "euclidean"

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def for_clusters(cls, k: int) -> "UMAPSettings":
        """N2D's choice: one dimension per cluster, and at least two."""
        return cls(n_components=max(2, k))


def check_n_samples(n_samples: int, settings: UMAPSettings = UMAPSettings()) -> None:
    """Refuse too few samples for ``settings.n_neighbors``, before any work is done."""
    if n_samples <= settings.n_neighbors + 1:
        raise ValueError(f"UMAP with n_neighbors={settings.n_neighbors} needs more than "
                         f"{settings.n_neighbors + 1} samples, got {n_samples}")


def umap_embed(codes, seed: int, settings: UMAPSettings = UMAPSettings()) -> np.ndarray:
    """The UMAP embedding of ``codes``.

    Parameters
    ----------
    codes : array-like, shape (n_samples, n_features)
    seed : int
        UMAP's ``random_state`` (and ``transform_seed``).
    settings : UMAPSettings

    Returns
    -------
    ndarray of float32, shape (n_samples, settings.n_components)
    """
    codes = np.asarray(codes, dtype=np.float32)
    if codes.ndim != 2:
        raise ValueError(f"codes must be 2-d (n_samples, n_features), got shape {codes.shape}")
    if not np.isfinite(codes).all():
        raise ValueError("codes contain NaN or infinite values; check the autoencoder's training")
    check_n_samples(len(codes), settings)
    import umap  # imported here: numba's start-up is slow, and only this step needs it

    reducer = umap.UMAP(**settings.as_dict(), random_state=seed, transform_seed=seed, n_jobs=1)
    return reducer.fit_transform(codes).astype(np.float32)
