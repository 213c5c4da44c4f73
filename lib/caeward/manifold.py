"""A manifold step between the code layer and the clustering: UMAP, as N2D uses it.

Introduced in chapter 6 (*Beyond the paper*). Not the paper's method: N2D
{McConville et al. 2019} embeds an autoencoder's codes with UMAP before clustering
them; the book puts Ward after that step. The settings default to N2D's run script
for MNIST (as many components as clusters, 20 neighbours, ``min_dist=0``).

Deterministic for a fixed seed on one machine: with ``random_state`` set, umap-learn
runs its optimisation single-threaded and draws every random number from the seed.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from importlib import metadata

import numpy as np

from .io import load_verified_array, save_verified_array

__all__ = ["UMAPSettings", "check_n_samples", "umap_embed", "cached_umap_embed"]


@dataclass(frozen=True)
class UMAPSettings:
    """UMAP's settings (umap-learn's argument names)."""

    n_components: int = 10
    n_neighbors: int = 20
    min_dist: float = 0.0
    metric: str = "euclidean"

    def as_dict(self) -> dict:
        return asdict(self)


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


def cached_umap_embed(codes, seed: int, settings: UMAPSettings = UMAPSettings()) -> tuple[np.ndarray, dict]:
    """:func:`umap_embed`, stored in the cache beside the trained codes and reused.

    The runner's UMAP + Ward, + k-means and + GMM rows of one training embed the
    same codes with the same seed: the embedding is computed once. The cache entry
    is named by the SHA-256 of the codes, the settings, the seed and umap-learn's
    version, and verified when loaded.

    Returns
    -------
    embedding : ndarray of float32, shape (n_samples, settings.n_components)
    info : dict
        ``umap_s`` (the embedding's own wall time, also when reused) and ``cached``.
    """
    from .embeddings import cache_root

    codes = np.ascontiguousarray(codes, dtype=np.float32)
    key = {"codes_sha256": hashlib.sha256(codes.tobytes()).hexdigest(), "shape": list(codes.shape),
           "settings": settings.as_dict(), "seed": seed, "umap_learn": metadata.version("umap-learn")}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]
    npy, meta = cache_root() / "umap" / f"{digest}.npy", cache_root() / "umap" / f"{digest}.json"
    found = load_verified_array(npy, meta)
    if found is not None:
        return found[0], {**found[1], "cached": True}
    start = time.perf_counter()
    embedding = umap_embed(codes, seed, settings)
    info = {"key": key, "umap_s": time.perf_counter() - start}
    save_verified_array(npy, meta, embedding, info)
    return embedding, {**info, "cached": False}
