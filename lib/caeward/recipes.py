"""Five recipes for clustering images, from the pixels to the paper's codes and beyond.

Introduced in chapter 8 (*Clustering your own images*), which measures them on three
image sets and ends with a guide to which to use; ``python -m caeward cluster`` runs
them on a folder of images (:mod:`caeward.folder_cli`).

=====================  ===========================================================
recipe                 what it clusters, and how
=====================  ===========================================================
``kmeans-pixels``      the pixels, k-means (20 restarts): chapter 1's baseline
``ward-pixels``        the pixels, Ward linkage
``umap-ward-pixels``   a UMAP embedding of the pixels, Ward linkage (not the paper's)
``cae-ward``           the codes of the proposed CAE, Ward linkage: the paper's method
``cae-umap-ward``      a UMAP embedding of those codes, Ward linkage (chapter 6; not
                       the paper's)
=====================  ===========================================================

UMAP takes one component per cluster (at least 2; 10 when the number of clusters is
not fixed in advance), 20 neighbours and ``min_dist=0``, as N2D does (chapter 6).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from . import cluster, manifold

__all__ = ["RECIPES", "DEFAULT_RECIPE", "DEFAULT_EPOCHS", "DEFAULT_BATCH_SIZE", "RecipeResult", "run_recipe", "check_recipe"]

#: Recipe name -> what it is, in words (the report and the book print these).
RECIPES = {
    "kmeans-pixels": "k-means on the pixels",
    "ward-pixels": "Ward on the pixels",
    "umap-ward-pixels": "UMAP + Ward on the pixels (not the paper's method)",
    "cae-ward": "proposed CAE + Ward: the paper's method",
    "cae-umap-ward": "proposed CAE + UMAP + Ward (chapter 6; not the paper's method)",
}

#: The recipe that chapter 8's guide recommends for an image set you know nothing
#: about; the chapter checks, from its stored measurements, that it still does.
DEFAULT_RECIPE = "cae-umap-ward"

#: Pretraining epochs of the CAE recipes unless told otherwise: chapter 8's budget for
#: image sets of a few thousand images (the book's MNIST runs take 200).
DEFAULT_EPOCHS = 50

#: The CAE's batch size unless told otherwise: a folder of a few hundred images still
#: gets several steps per epoch (the book's MNIST runs take 256).
DEFAULT_BATCH_SIZE = 64

#: The k a recipe's UMAP step plans for when the number of clusters is not given.
_UMAP_COMPONENTS_UNKNOWN_K = 10


@dataclass
class RecipeResult:
    """What :func:`run_recipe` found.

    Attributes
    ----------
    recipe : str
    labels : ndarray of int64, shape (n_samples,)
    n_clusters : int
    linkage : ndarray of float64, shape (n_samples - 1, 4), or None
        The Ward tree of ``points`` (``None`` for k-means).
    points : ndarray of float32, shape (n_samples, n_features)
        What was clustered: pixels, codes, or their UMAP embedding.
    seconds : dict
        Wall time per step (``train``, ``embed``, ``cluster``) and ``total``.
    k_choice : object or None
        With ``n_clusters="auto"``: the result of
        :func:`caeward.number_of_clusters.choose_k`, with its evidence.
    """

    recipe: str
    labels: np.ndarray
    n_clusters: int
    linkage: np.ndarray | None
    points: np.ndarray
    seconds: dict = field(default_factory=dict)
    k_choice: object | None = None


def check_recipe(recipe: str, n_clusters, distance_threshold) -> None:
    """Refuse a recipe name or a combination it cannot run, before any work."""
    if recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}; known: {', '.join(RECIPES)}")
    if (n_clusters is None) == (distance_threshold is None):
        raise ValueError("give exactly one of n_clusters and distance_threshold")
    if recipe == "kmeans-pixels" and distance_threshold is not None:
        raise ValueError("k-means builds no tree to cut at a distance; give n_clusters or another recipe")
    if isinstance(n_clusters, str) and n_clusters != "auto":
        raise ValueError(f"n_clusters must be a whole number >= 1, 'auto' or None, got {n_clusters!r}")


def run_recipe(images: np.ndarray, recipe: str = DEFAULT_RECIPE, *, n_clusters: int | str | None = 10,
               distance_threshold: float | None = None, epochs: int = DEFAULT_EPOCHS, batch_size: int = DEFAULT_BATCH_SIZE,
               seed: int = 0, device: str | None = None, progress: bool = False) -> RecipeResult:
    """Cluster images with one of the :data:`RECIPES`.

    Parameters
    ----------
    images : ndarray, shape (n, s, s)
        Square single-channel images, float32 in [0, 1] (or uint8).
    recipe : str
        A key of :data:`RECIPES`.
    n_clusters : int, "auto" or None
        ``"auto"`` chooses k from the points clustered
        (:func:`caeward.number_of_clusters.choose_k`); ``None`` with ``distance_threshold``.
    distance_threshold : float or None
        Cut the Ward tree where merges rise above it (not for k-means).
    epochs, batch_size : int
        The CAE's pretraining (CAE recipes only).
    seed : int
        Seeds k-means, UMAP and the CAE.
    device : str or None
        Where the CAE trains (default: the first available).
    progress : bool
        Progress bars on training and embedding.

    Returns
    -------
    RecipeResult
    """
    check_recipe(recipe, n_clusters, distance_threshold)
    images = np.asarray(images)
    pixels = (images.astype(np.float32) / (255.0 if images.dtype == np.uint8 else 1.0)).reshape(len(images), -1)
    seconds = {"train": 0.0, "embed": 0.0, "cluster": 0.0}
    if recipe.startswith("cae-"):
        from .estimator import CAEWard  # torch is loaded only for the CAE recipes

        start = time.perf_counter()
        # only the codes are taken from the estimator (its own one-cluster cut is cheap and
        # unused): the UMAP step and the cut below are the same for every recipe
        model = CAEWard(n_clusters=1, architecture="proposed", epochs=epochs, batch_size=batch_size,
                        device=device, random_state=seed, verbose=progress)
        points = model.fit(images).embedding_
        seconds["train"] = time.perf_counter() - start
    else:
        points = pixels
    if "umap" in recipe:
        start = time.perf_counter()
        k_planned = n_clusters if isinstance(n_clusters, int) else _UMAP_COMPONENTS_UNKNOWN_K
        settings = manifold.UMAPSettings(n_components=max(2, k_planned))
        manifold.check_n_samples(len(points), settings)
        if progress:
            print(f"UMAP embedding of {len(points)} points into {settings.n_components} dimensions ...",
                  flush=True)
        points = manifold.umap_embed(points, seed, settings)
        seconds["embed"] = time.perf_counter() - start
    start = time.perf_counter()
    labels, Z, k_choice = _cluster(points, recipe, n_clusters, distance_threshold, seed)
    seconds["cluster"] = time.perf_counter() - start
    seconds["total"] = sum(seconds.values())
    return RecipeResult(recipe, labels, int(labels.max()) + 1, Z, np.asarray(points, dtype=np.float32),
                        seconds, k_choice)


def _cluster(points, recipe: str, n_clusters, distance_threshold, seed: int):
    """Labels, the Ward tree (None for k-means) and the choice of k (None unless auto)."""
    k_choice = None
    if n_clusters == "auto":
        from .estimator import auto_k_max  # the same candidates as CAEWard(n_clusters="auto")
        from .number_of_clusters import choose_k

        k_choice = choose_k(points, k_max=auto_k_max(len(points)), random_state=seed, criteria=())
        n_clusters = int(k_choice.k)
    if recipe == "kmeans-pixels":
        return cluster.kmeans(points, n_clusters, random_state=seed), None, k_choice
    Z = cluster.linkage(points, "ward")
    if n_clusters is None:
        n_clusters = cluster.clusters_above(Z, distance_threshold)
    return cluster.cut_linkage(Z, n_clusters), Z, k_choice
