"""UMAP embeddings of codes, cached beside the trainings and verified when reused.

The runner's manifold step (chapter 6): one embedding per codes, seed and settings,
however many clusterings read it (:func:`umap_embedding`), with the cache's checks and
locks (:mod:`~caeward.experiments.training_cache`).
"""

from __future__ import annotations

import hashlib
import json
import time
from importlib import metadata

import numpy as np

from ..files import save_verified_array
from ..manifold import UMAPSettings, umap_embed
from .settings import cache_root
from .training_cache import _cached_array, _locked

__all__ = ["umap_embedding"]


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
