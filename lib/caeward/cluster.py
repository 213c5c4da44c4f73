"""Clustering of embeddings: k-means and agglomerative (Ward and friends).

k-means is introduced in chapter 1 (*The problem*), Ward linkage in chapter 3
(*Ward linkage, derived*).

Every agglomerative function speaks one interchange format, SciPy's **linkage
matrix** ``Z`` of shape ``(n - 1, 4)``: row ``i`` merges clusters ``Z[i, 0]`` and
``Z[i, 1]`` (ids below ``n`` are samples, id ``n + j`` is the cluster made by row
``j``) at height ``Z[i, 2]`` into a cluster of ``Z[i, 3]`` samples. So SciPy's
``dendrogram``, ``fcluster`` and ``cut_tree`` work on what :func:`linkage` returns,
and :func:`cut_linkage` works on SciPy's.

Memory. SciPy's and scikit-learn's Ward build the full distance matrix, n(n-1)/2
float64 values: 19.6 GB for the 70,000 MNIST-full codes. Ward and single linkage
here use ``fastcluster.linkage_vector``, exact in O(n*d) memory. Complete and
average linkage are not reducible to a stored-data algorithm and need the
matrix; :func:`linkage` refuses them with a clear error when it would not fit.
"""

from __future__ import annotations

import os

import fastcluster
import numpy as np
from scipy.cluster.hierarchy import is_valid_linkage
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture

from ._validation import as_points as _as_points
from ._validation import check_k as _check_k

__all__ = ["LINKAGES", "ENGINES", "kmeans", "gaussian_mixture", "linkage", "ward_linkage", "cut_linkage",
           "clusters_above"]

#: Linkage methods and whether they run in O(n*d) memory.
LINKAGES = {"ward": True, "single": True, "complete": False, "average": False}


def kmeans(X, n_clusters: int, n_init: int = 20, random_state=None, return_centers: bool = False):
    """k-means (eq. 4) with scikit-learn, ``n_init=20`` restarts as DEC and DCEC use.

    Parameters
    ----------
    X : array-like, shape (n_samples, n_features)
    n_clusters : int
    n_init : int
        Independent k-means++ starts; the one with the lowest inertia wins.
    random_state : int or None

    return_centers : bool
        Also return the centres.

    Returns
    -------
    labels : ndarray of int64, shape (n_samples,)
    centers : ndarray of float64, shape (n_clusters, n_features)
        Only with ``return_centers=True``.
    """
    X = _as_points(X)
    _check_k(n_clusters, len(X))
    model = KMeans(n_clusters=n_clusters, n_init=n_init, random_state=random_state)
    labels = model.fit_predict(X).astype(np.int64)
    return (labels, model.cluster_centers_) if return_centers else labels


def gaussian_mixture(X, n_clusters: int, random_state=None) -> np.ndarray:
    """A Gaussian mixture with full covariances, fitted by EM (N2D's clustering step).

    Introduced in chapter 6 (*Beyond the paper*).

    Parameters
    ----------
    X : array-like, shape (n_samples, n_features)
    n_clusters : int
    random_state : int or None

    Returns
    -------
    labels : ndarray of int64, shape (n_samples,)
        The most probable component of each sample.
    """
    X = _as_points(X)
    _check_k(n_clusters, len(X))
    model = GaussianMixture(n_components=n_clusters, covariance_type="full", random_state=random_state)
    return model.fit_predict(X).astype(np.int64)


ENGINES = ("auto", "fastcluster", "torch")


def linkage(X, method: str = "ward", max_matrix_bytes: int | None = None,
            engine: str = "auto", device: str | None = None) -> np.ndarray:
    """Agglomerative clustering of points, as a SciPy linkage matrix.

    Parameters
    ----------
    X : array-like, shape (n_samples, n_features)
        Points; Euclidean distance throughout.
    method : {"ward", "single", "complete", "average"}
        ``"ward"`` and ``"single"`` need O(n*d) memory (``fastcluster.linkage_vector``);
        ``"complete"`` and ``"average"`` need the n(n-1)/2 distance matrix.
    max_matrix_bytes : int, optional
        The most memory a distance matrix may take (default: half the machine's RAM).
    engine : {"auto", "fastcluster", "torch"}
        Ward only: ``"torch"`` is :func:`caeward.ward_torch.ward_linkage_torch`,
        exact and fast on a GPU. ``"auto"`` takes it when ``device`` is a CUDA
        device and fastcluster otherwise (fastcluster is faster on a CPU).
    device : str, optional
        Where the torch engine runs (``"cuda"``, ``"cpu"``, ...); a device this
        machine lacks is refused with a ``ValueError`` naming those it has.

    Returns
    -------
    Z : ndarray of float64, shape (n_samples - 1, 4)
        Merge heights as SciPy defines them (for Ward, ``sqrt(2 * increase in
        within-cluster sum of squares)``).
    """
    if method not in LINKAGES:
        raise ValueError(f"method must be one of {tuple(LINKAGES)}, got {method!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine == "torch" and method != "ward":
        raise ValueError(f"the torch engine computes Ward linkage only, not {method!r}")
    if device is not None:
        from .runtime import check_device  # imports torch: only when a device is named

        check_device(str(device))
    X = _as_points(X)
    n = len(X)
    if n == 1:
        return np.empty((0, 4))
    # Every linkage here is translation invariant: centred points have small norms, so
    # distances lose no digits to a large common offset (where SciPy's pdist is exact)
    X = X - X.mean(axis=0)
    if method == "ward" and (engine == "torch" or
                             (engine == "auto" and str(device or "").startswith("cuda"))):
        from .ward_torch import ward_linkage_torch
        return ward_linkage_torch(X, device=device)
    if LINKAGES[method]:
        return fastcluster.linkage_vector(X, method=method, metric="euclidean")
    need = n * (n - 1) // 2 * 8
    limit = max_matrix_bytes if max_matrix_bytes is not None else _ram_bytes() // 2
    if need > limit:
        raise ValueError(
            f"{method} linkage of {n} points needs a {need / 1e9:.1f} GB distance matrix, "
            f"over the limit of {limit / 1e9:.1f} GB. Use 'ward' or 'single' (O(n*d) memory), "
            "cluster a subsample, or raise max_matrix_bytes if the memory is really there."
        )
    return fastcluster.linkage(X, method=method, metric="euclidean")


def ward_linkage(X, engine: str = "auto", device: str | None = None) -> np.ndarray:
    """Exact Ward linkage in O(n*d) memory: fastcluster on a CPU, the PyTorch
    engine on a GPU; see :func:`linkage`."""
    return linkage(X, "ward", engine=engine, device=device)


def cut_linkage(Z, n_clusters: int) -> np.ndarray:
    """Flat clusters from a linkage matrix: the partition after its first ``n - k`` merges.

    Unlike ``scipy.cluster.hierarchy.fcluster(..., criterion="maxclust")``, this
    always gives exactly ``n_clusters`` clusters, also when merge heights tie.

    Parameters
    ----------
    Z : ndarray, shape (n_samples - 1, 4)
        A valid SciPy linkage matrix.
    n_clusters : int
        1 <= n_clusters <= n_samples.

    Returns
    -------
    labels : ndarray of int64, shape (n_samples,)
        Numbered 0..k-1 in order of first appearance (sample 0 is in cluster 0).
    """
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim != 2 or Z.shape[1] != 4:
        raise ValueError(f"Z must be a linkage matrix of shape (n - 1, 4), got shape {Z.shape}")
    if len(Z) > 0:
        is_valid_linkage(Z, throw=True, name="Z")
    n = len(Z) + 1
    _check_k(n_clusters, n)
    children = Z[:, :2].astype(np.int64)
    root = np.arange(2 * n - 1)
    # Walk the kept merges from the last to the first, so each parent's root is
    # known before its children take it.
    for i in range(n - n_clusters - 1, -1, -1):
        root[children[i]] = root[n + i]
    _, first, labels = np.unique(root[:n], return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))  # renumber clusters by first appearance
    return order[labels].astype(np.int64)


def clusters_above(Z, threshold: float) -> int:
    """How many clusters remain when no merge at or above ``threshold`` is made
    (``AgglomerativeClustering``'s ``distance_threshold`` rule).

    Parameters
    ----------
    Z : ndarray, shape (n_samples - 1, 4)
        A linkage matrix.
    threshold : float

    Returns
    -------
    int
        Between 1 and n_samples.
    """
    Z = np.asarray(Z, dtype=np.float64)
    return int(1 + np.sum(Z[:, 2] >= threshold)) if len(Z) else 1


def _ram_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 << 30
