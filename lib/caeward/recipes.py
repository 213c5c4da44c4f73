"""Recipes for clustering images, from the pixels to the paper's codes and beyond.

Introduced in chapter 8 (*Clustering your own images*), which measures them over
folder sizes and image sets and ends with a guide to which to use;
``python -m caeward cluster`` runs them on a folder of images
(:mod:`caeward.folder_cli`). A recipe's name is ``<representation>-<clustering>``, the
grammar of the book's registry (:mod:`caeward.experiments.registry`):

========================  ===========================================================
recipe                    what it clusters, and how
========================  ===========================================================
``pixels-kmeans``         the pixels, k-means (20 restarts): chapter 1's baseline
``pixels-ward``           the pixels, Ward linkage
``pixels-umap-ward``      a UMAP embedding of the pixels, Ward linkage (not the paper's)
``hog-ward``              histograms of oriented gradients (HOG) of the images, square-
                          rooted and reduced to 50 principal components, Ward linkage
``hog-umap-ward``         a UMAP embedding of those HOG features, Ward linkage
``proposed-ward``         the codes of the proposed CAE, Ward linkage: the paper's method
``proposed-umap-ward``    a UMAP embedding of those codes, Ward linkage (chapter 6; not
                          the paper's)
========================  ===========================================================

``"auto"`` is not a recipe but a policy: :func:`choose_recipe` picks one by the number
of images, from chapter 8's measurements (:data:`POLICY`). The CAE recipes train for a
number of optimizer **steps** (:data:`DEFAULT_STEPS`), not epochs, so that a small
folder gets as much training as a large one and a large one no more than it needs.

UMAP takes one component per cluster (at least 2; 10 when the number of clusters is
not fixed in advance), 20 neighbours and ``min_dist=0``, as N2D does (chapter 6).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from . import cluster, manifold
from .cut import UMAP_COMPONENTS_UNKNOWN_K, auto_k, check_cut, cut

__all__ = ["RECIPES", "POLICY", "DEFAULT_RECIPE", "DEFAULT_STEPS", "DEFAULT_BATCH_SIZE", "RENAMED",
           "RecipePoints", "RecipeResult", "check_recipe", "choose_recipe", "epochs_for_steps", "HOG", "hog_descriptors",
           "hog_features", "hog_projection", "project", "recipe_points", "run_recipe"]

#: Recipe name -> what it is, in words (the report and the book print these).
RECIPES = {
    "pixels-kmeans": "k-means on the pixels",
    "pixels-ward": "Ward on the pixels",
    "pixels-umap-ward": "UMAP + Ward on the pixels (not the paper's method)",
    "hog-ward": "Ward on HOG features (gradient histograms; not the paper's method)",
    "hog-umap-ward": "UMAP + Ward on HOG features (not the paper's method)",
    "proposed-ward": "proposed CAE + Ward: the paper's method",
    "proposed-umap-ward": "proposed CAE + UMAP + Ward (chapter 6; not the paper's method)",
}

#: The names recipes had before they took the registry's grammar, and their new names.
#: ``cae`` meant the proposed CAE here; in the registry it is DCEC's CAE.
RENAMED = {"kmeans-pixels": "pixels-kmeans", "ward-pixels": "pixels-ward",
           "umap-ward-pixels": "pixels-umap-ward", "cae-ward": "proposed-ward",
           "cae-umap-ward": "proposed-umap-ward"}

#: The default: choose the recipe by the folder's size (:func:`choose_recipe`).
DEFAULT_RECIPE = "auto"

#: ``"auto"``'s policy: the recipe for up to (and including) so many images, in order;
#: the last row takes every larger folder. Set from chapter 8's guide
#: (:mod:`caeward.experiments.folder_guide`), which checks it against its measurements.
POLICY = ((316, "hog-ward"), (math.inf, "hog-umap-ward"))

#: Optimizer steps of the CAE recipes unless told otherwise.
DEFAULT_STEPS = 500

#: The CAE's batch size unless told otherwise (the book's MNIST runs take 256).
DEFAULT_BATCH_SIZE = 64

#: HOG: 9 orientations, cells of a seventh of the side, 2x2 cells per block; then PCA.
_HOG_CELLS, _HOG_COMPONENTS = 7, 50

#: The HOG features, in words: stored measurements of the HOG recipes name it, so that
#: a change of the features is a change of their configuration.
HOG = ("skimage HOG: 9 orientations, cells of side // 7 pixels, 2x2-cell blocks, L2-Hys; "
       "square roots of the values (Hellinger); 50 principal components")


@dataclass
class RecipeResult:
    """What :func:`run_recipe` found.

    Attributes
    ----------
    recipe : str
        The recipe that ran (what ``"auto"`` chose, if it was asked for).
    labels : ndarray of int64, shape (n_samples,)
    n_clusters : int
    linkage : ndarray of float64, shape (n_samples - 1, 4), or None
        The Ward tree of ``points`` (``None`` for k-means).
    points : ndarray of float32, shape (n_samples, n_features)
        What was clustered: pixels, HOG features, codes, or their UMAP embedding.
    seconds : dict
        Wall time per step (``train``, ``embed``, ``cluster``) and ``total``.
    k_choice : object or None
        With ``n_clusters="auto"``: the result of
        :func:`caeward.number_of_clusters.choose_k`, with its evidence.
    model : CAEWard or None
        The trained estimator of the CAE recipes (``transform`` gives new images' codes).
    epochs : int or None
        The CAE's epochs, from the step budget.
    features : ndarray of float32, shape (n_samples, n_features), or None
        The representation before any UMAP step (see :class:`RecipePoints`).
    projection : tuple or None
        The HOG recipes' principal axes (see :class:`RecipePoints`).
    """

    recipe: str
    labels: np.ndarray
    n_clusters: int
    linkage: np.ndarray | None
    points: np.ndarray
    seconds: dict = field(default_factory=dict)
    k_choice: object | None = None
    model: object | None = None
    epochs: int | None = None
    features: np.ndarray | None = None
    projection: tuple | None = None


def choose_recipe(n_images: int) -> str:
    """The recipe :data:`POLICY` gives a folder of ``n_images`` images."""
    for limit, recipe in POLICY:
        if n_images <= limit:
            return recipe
    return POLICY[-1][1]


def epochs_for_steps(n_images: int, steps: int, batch_size: int) -> int:
    """Whole epochs that make at least ``steps`` optimizer steps of ``batch_size``."""
    return max(1, math.ceil(steps / math.ceil(n_images / batch_size)))


def _uses_umap(recipe: str) -> bool:
    return "-umap-" in recipe


def _trains(recipe: str) -> bool:
    return recipe.startswith("proposed-")


def check_recipe(recipe: str, n_clusters, distance_threshold, n_images: int | None = None) -> str:
    """Refuse a recipe name or a request it cannot run, before any work; return the recipe
    that will run (``"auto"`` resolved when ``n_images`` is given)."""
    if recipe in RENAMED:
        raise ValueError(f"recipe {recipe!r} is now called {RENAMED[recipe]!r}")
    if recipe != "auto" and recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}; known: auto, {', '.join(RECIPES)}")
    check_cut(n_clusters, distance_threshold, tree=recipe != "pixels-kmeans")
    if n_images is None:
        return recipe
    if recipe == "auto":
        recipe = choose_recipe(n_images)
        check_cut(n_clusters, distance_threshold, tree=recipe != "pixels-kmeans")
    if n_images < 2:
        raise ValueError(f"{n_images} image: there is nothing to cluster (give at least 2)")
    check_cut(n_clusters, distance_threshold, n_images)
    if _uses_umap(recipe):
        k_planned = n_clusters if isinstance(n_clusters, int) else UMAP_COMPONENTS_UNKNOWN_K
        manifold.check_n_samples(n_images, manifold.UMAPSettings.for_clusters(k_planned))
    return recipe


def hog_descriptors(images: np.ndarray, progress: bool = False) -> np.ndarray:
    """Dalal & Triggs' HOG of square grey images (9 orientations, cells of s // 7 pixels,
    blocks of 2x2 cells, L2-Hys), square-rooted: ndarray of float32, shape (n, d).
    ``progress`` shows a bar with the time left.

    The square root makes Euclidean distance between descriptors behave like the
    Hellinger distance between their histograms (as in Arandjelović & Zisserman's
    RootSIFT, which L1-normalises first; these blocks are L2-Hys normalised), so that a
    few large bins no longer outweigh many small ones. Chapter 8 measures what it changes
    (``tools/hog_square_root.py``); :data:`HOG` names the features in the stored
    measurements."""
    from skimage.feature import hog

    from .runtime import progress_bar

    cell = max(2, images.shape[-1] // _HOG_CELLS)
    with progress_bar(images, desc="HOG", unit="image", disable=not progress or not len(images)) as bar:
        blocks = np.stack([hog(image, orientations=9, pixels_per_cell=(cell, cell), cells_per_block=(2, 2),
                               feature_vector=True) for image in bar])
    return np.sqrt(blocks).astype(np.float32)  # L2-Hys values are >= 0


def hog_projection(descriptors: np.ndarray, random_state: int = 0) -> tuple | None:
    """The first (at most 50) principal axes of HOG descriptors, as ``(mean, axes)``
    (``descriptors @ axes.T`` after centring projects them); ``None`` when there are no
    more descriptor dimensions than that, and they are used as they are."""
    from sklearn.decomposition import PCA

    components = min(_HOG_COMPONENTS, len(descriptors), descriptors.shape[1])
    if components == descriptors.shape[1]:
        return None
    pca = PCA(components, svd_solver="randomized", random_state=random_state).fit(descriptors)
    return pca.mean_.astype(np.float32), pca.components_.astype(np.float32)


def project(descriptors: np.ndarray, projection: tuple | None) -> np.ndarray:
    """Descriptors on the axes of :func:`hog_projection` (unchanged for ``None``)."""
    if projection is None:
        return descriptors
    mean, axes = projection
    return ((descriptors - mean) @ axes.T).astype(np.float32)


def hog_features(images: np.ndarray, random_state: int = 0) -> np.ndarray:
    """Histograms of oriented gradients of square grey images, reduced by PCA.

    Parameters
    ----------
    images : ndarray, shape (n, s, s)
        Grey values in [0, 1]; ``s`` at least 14.
    random_state : int
        Seeds the randomized PCA.

    Returns
    -------
    ndarray of float32, shape (n, min(50, n, d))
        :func:`hog_descriptors` of each image, projected on their first principal
        components (:func:`hog_projection`).
    """
    descriptors = hog_descriptors(images)
    return project(descriptors, hog_projection(descriptors, random_state))


@dataclass
class RecipePoints:
    """What a recipe clusters, and what it takes to place a new image among it.

    Attributes
    ----------
    recipe : str
        The recipe (``"auto"`` resolved).
    points : ndarray, shape (n, d)
        What the tree (or k-means) is built on.
    features : ndarray of float32, shape (n, d')
        The representation before any UMAP step: pixels, HOG features or codes (the
        same as ``points`` for the recipes without UMAP).
    projection : tuple or None
        The HOG recipes' ``(mean, axes)`` (:func:`hog_projection`).
    seconds : dict
        ``train`` and ``embed`` wall seconds.
    model : CAEWard or None
        The CAE recipes' trained estimator.
    epochs : int or None
    """

    recipe: str
    points: np.ndarray
    features: np.ndarray
    projection: tuple | None = None
    seconds: dict = field(default_factory=dict)
    model: object | None = None
    epochs: int | None = None


def recipe_points(images: np.ndarray, recipe: str = DEFAULT_RECIPE, *, n_clusters: int | str | None = 10,
                  steps: int = DEFAULT_STEPS, batch_size: int = DEFAULT_BATCH_SIZE, epochs: int | None = None,
                  seed: int = 0, device: str | None = None, progress: bool = False) -> RecipePoints:
    """The points a recipe clusters: its steps before the tree (see :func:`run_recipe`).

    ``n_clusters`` only sets the UMAP recipes' dimensions (k of them, or
    :data:`~caeward.cut.UMAP_COMPONENTS_UNKNOWN_K` when k is not given).

    Returns
    -------
    RecipePoints
    """
    images = np.asarray(images)
    # n_clusters=None means a cut at a height later: any height passes the same checks
    recipe = check_recipe(recipe, n_clusters, None if n_clusters is not None else 0.0, len(images))
    pixels = (images.astype(np.float32) / (255.0 if images.dtype == np.uint8 else 1.0))
    seconds = {"train": 0.0, "embed": 0.0, "cluster": 0.0}
    model, projection = None, None
    if _trains(recipe):
        from .estimator import CAEWard  # torch is loaded only for the CAE recipes

        start = time.perf_counter()
        epochs = epochs if epochs is not None else epochs_for_steps(len(images), steps, batch_size)
        # only the codes are taken from the estimator (its own one-cluster cut is cheap and
        # unused): the UMAP step and the cut below are the same for every recipe
        model = CAEWard(n_clusters=1, architecture="proposed", epochs=epochs, batch_size=batch_size,
                        device=device, random_state=seed, verbose=progress)
        points = model.fit(images).embedding_
        seconds["train"] = time.perf_counter() - start
    elif recipe.startswith("hog-"):
        start = time.perf_counter()
        descriptors = hog_descriptors(pixels, progress)
        projection = hog_projection(descriptors, seed)
        points = project(descriptors, projection)
        seconds["train"] = time.perf_counter() - start
    else:
        points = pixels.reshape(len(pixels), -1)
    features = np.asarray(points, dtype=np.float32)
    if _uses_umap(recipe):
        start = time.perf_counter()
        k_planned = n_clusters if isinstance(n_clusters, int) else UMAP_COMPONENTS_UNKNOWN_K
        settings = manifold.UMAPSettings.for_clusters(k_planned)
        if progress:
            print(f"UMAP embedding of {len(points)} points into {settings.n_components} dimensions ...",
                  flush=True)
        points = manifold.umap_embed(points, seed, settings)
        seconds["embed"] = time.perf_counter() - start
    return RecipePoints(recipe, points, features, projection, seconds, model, epochs if _trains(recipe) else None)


def run_recipe(images: np.ndarray, recipe: str = DEFAULT_RECIPE, *, n_clusters: int | str | None = 10,
               distance_threshold: float | None = None, steps: int = DEFAULT_STEPS,
               batch_size: int = DEFAULT_BATCH_SIZE, epochs: int | None = None, seed: int = 0,
               device: str | None = None, progress: bool = False) -> RecipeResult:
    """Cluster images with one of the :data:`RECIPES`, or the one ``"auto"`` chooses.

    Parameters
    ----------
    images : ndarray, shape (n, s, s)
        Square single-channel images, float32 in [0, 1] (or uint8).
    recipe : str
        A key of :data:`RECIPES`, or ``"auto"`` (:func:`choose_recipe`).
    n_clusters : int, "auto" or None
        ``"auto"`` chooses k from the points clustered (:func:`caeward.cut.cut`);
        ``None`` with ``distance_threshold``.
    distance_threshold : float or None
        Cut the Ward tree where merges rise above it (not for k-means).
    steps, batch_size : int
        The CAE's pretraining, in optimizer steps (CAE recipes only).
    epochs : int, optional
        Train this many epochs instead of ``steps`` (the book's MNIST budgets).
    seed : int
        Seeds k-means, PCA, UMAP and the CAE.
    device : str or None
        Where the CAE trains (default: the first available).
    progress : bool
        Progress bars on training and embedding.

    Returns
    -------
    RecipeResult
    """
    images = np.asarray(images)
    recipe = check_recipe(recipe, n_clusters, distance_threshold, len(images))
    made = recipe_points(images, recipe, n_clusters=n_clusters, steps=steps, batch_size=batch_size,
                         epochs=epochs, seed=seed, device=device, progress=progress)
    recipe, points, seconds = made.recipe, made.points, made.seconds
    start = time.perf_counter()
    if recipe == "pixels-kmeans":
        k_choice, Z = None, None
        if n_clusters == "auto":  # k-means has no tree: the same rule chooses k on the points
            k_choice = auto_k(points, seed)
            n_clusters = int(k_choice.k)
        labels = cluster.kmeans(points, n_clusters, random_state=seed)
    else:
        Z = cluster.linkage(points, "ward")
        found = cut(Z, n_clusters=n_clusters, distance_threshold=distance_threshold, points=points,
                    random_state=seed)
        labels, k_choice = found.labels, found.k_choice
    seconds["cluster"] = time.perf_counter() - start
    seconds["total"] = sum(seconds.values())
    return RecipeResult(recipe, labels, int(labels.max()) + 1, Z, np.asarray(points, dtype=np.float32),
                        seconds, k_choice, made.model, made.epochs, made.features, made.projection)
