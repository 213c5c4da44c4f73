"""Clustering metrics: ACC (the paper's eq. 7), NMI (eq. 8) and ARI.

Introduced in chapter 1 (*The problem*).

All three compare a clustering with ground-truth classes and do not care how the
clusters are numbered. Every function validates its input first: both arrays 1-d,
equally long, non-empty, and holding integer labels.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn import metrics as _skm

__all__ = ["cluster_acc", "nmi", "ari", "contingency", "best_mapping", "rename_clusters",
           "largest_confusions", "evaluate"]

_NMI_AVERAGES = ("arithmetic", "geometric", "min", "max")


def _as_labels(y, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-d, got shape {y.shape}")
    if y.size == 0:
        raise ValueError(f"{name} is empty: there is nothing to score")
    if y.dtype.kind in "iub":
        return y.astype(np.int64)
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        return y.astype(np.int64)  # whole-valued floats, e.g. labels read from a CSV
    raise ValueError(f"{name} must hold integer labels, got dtype {y.dtype}"
                     + (" with non-integer values" if y.dtype.kind == "f" else "")
                     + "; map your labels to integers first (e.g. np.unique(y, return_inverse=True)[1])")


def _validate(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = _as_labels(y_true, "y_true"), _as_labels(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in length: {y_true.size} vs {y_pred.size}")
    return y_true, y_pred


def contingency(y_true, y_pred) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts of (cluster, class) pairs.

    Returns
    -------
    table : ndarray of int64, shape (n_clusters, n_classes)
        ``table[i, j]`` = number of samples in cluster ``clusters[i]`` and class ``classes[j]``.
    clusters : ndarray, shape (n_clusters,)
    classes : ndarray, shape (n_classes,)
    """
    y_true, y_pred = _validate(y_true, y_pred)
    classes, t = np.unique(y_true, return_inverse=True)
    clusters, p = np.unique(y_pred, return_inverse=True)
    table = np.zeros((clusters.size, classes.size), dtype=np.int64)
    np.add.at(table, (p, t), 1)
    return table, clusters, classes


def best_mapping(y_true, y_pred) -> dict:
    """The one-to-one map from cluster ids to class labels that maximises agreement.

    Solved exactly by the Hungarian method on the contingency table. When there are
    more clusters than classes, the surplus clusters map to no class (they count as
    wrong); when there are fewer, some classes receive no cluster.

    Returns
    -------
    dict
        ``{cluster_id: class_label}`` for every matched cluster.
    """
    table, clusters, classes = contingency(y_true, y_pred)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return {clusters[r].item(): classes[c].item() for r, c in zip(rows, cols)}


def rename_clusters(y_true, y_pred, unmatched: int = -1) -> np.ndarray:
    """Each cluster id replaced by the class :func:`best_mapping` matches it to.

    Introduced in chapter 4 for its confusion matrix; chapter 6 uses it on MNIST-full.

    Returns
    -------
    ndarray of int64, shape (n_samples,)
        The matched class of each sample's cluster; ``unmatched`` for a cluster that
        has no class (more clusters than classes).
    """
    y_true, y_pred = _validate(y_true, y_pred)
    return _renamed(y_pred, best_mapping(y_true, y_pred), unmatched)


def _renamed(y_pred: np.ndarray, mapping: dict, unmatched: int) -> np.ndarray:
    clusters, inverse = np.unique(y_pred, return_inverse=True)
    return np.array([mapping.get(c.item(), unmatched) for c in clusters], dtype=np.int64)[inverse]


def largest_confusions(y_true, y_pred, top: int = 3) -> list[tuple[int, int, int]]:
    """The largest groups of samples that fall in another class's cluster.

    Returns
    -------
    list of (class, cluster's class, count)
        At most ``top`` entries, largest count first, after renaming the clusters with
        :func:`rename_clusters`; samples in unmatched clusters are left out.
    """
    if not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}")
    y_true, y_pred = _validate(y_true, y_pred)
    mapping = best_mapping(y_true, y_pred)  # once: both the renaming and the mask need it
    named = _renamed(y_pred, mapping, unmatched=-1)
    wrong = np.isin(y_pred, list(mapping)) & (named != y_true)
    pairs, counts = np.unique(np.stack([y_true[wrong], named[wrong]]), axis=1, return_counts=True)
    order = np.argsort(-counts, kind="stable")[:top]
    return [(pairs[0, i].item(), pairs[1, i].item(), counts[i].item()) for i in order]


def cluster_acc(y_true, y_pred) -> float:
    """Unsupervised clustering accuracy (eq. 7).

    ``ACC = max_map sum_i [y_true_i == map(y_pred_i)] / n`` over one-to-one maps.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n_samples,)
        The number of clusters need not equal the number of classes.

    Returns
    -------
    float in [0, 1]
    """
    table, _, _ = contingency(y_true, y_pred)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / table.sum())


def nmi(y_true, y_pred, average: str = "arithmetic") -> float:
    """Normalised mutual information (eq. 8), ``MI / mean(H(Y), H(C))``.

    Parameters
    ----------
    average : {"arithmetic", "geometric", "min", "max"}
        The mean in the denominator. scikit-learn's default has been
        ``"arithmetic"`` since 0.22; many papers before 2020, DEC's and DCEC's
        code among them, used ``"geometric"``. Chapter 1 shows the difference.
    """
    if average not in _NMI_AVERAGES:
        raise ValueError(f"average must be one of {_NMI_AVERAGES}, got {average!r}")
    y_true, y_pred = _validate(y_true, y_pred)
    return float(_skm.normalized_mutual_info_score(y_true, y_pred, average_method=average))


def ari(y_true, y_pred) -> float:
    """Adjusted Rand index (0 for chance, 1 for identical partitions)."""
    y_true, y_pred = _validate(y_true, y_pred)
    return float(_skm.adjusted_rand_score(y_true, y_pred))


def evaluate(y_true, y_pred) -> dict[str, float]:
    """ACC, NMI (arithmetic and geometric) and ARI in one dict."""
    return {"acc": cluster_acc(y_true, y_pred), "nmi": nmi(y_true, y_pred),
            "nmi_geometric": nmi(y_true, y_pred, "geometric"), "ari": ari(y_true, y_pred)}


# --------------------------------------------------------------- tree purity
# A hierarchy scored against the classes: dendrogram purity and leaf purity.

__all__ += ["dendrogram_purity", "leaf_purity"]


def _check_linkage(Z, n_labels: int) -> np.ndarray:
    """``Z`` as float64 after checking that it is a valid linkage of ``n_labels`` points."""
    from scipy.cluster.hierarchy import is_valid_linkage

    try:
        Z = np.asarray(Z, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Z must be a numeric linkage matrix of shape (n - 1, 4) ({exc})") from None
    if Z.ndim != 2 or Z.shape[1] != 4:
        raise ValueError(f"Z must be a linkage matrix of shape (n - 1, 4), got shape {Z.shape}")
    if len(Z) + 1 != n_labels:
        raise ValueError(f"Z merges {len(Z) + 1} points but labels has {n_labels}; "
                         "they must describe the same points")
    if len(Z) == 0:
        return Z
    if not np.isfinite(Z).all():
        raise ValueError("Z is not a valid linkage matrix: it holds NaN or infinite values")
    try:
        is_valid_linkage(Z, throw=True, name="Z")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"Z is not a valid linkage matrix: {' '.join(str(exc).split())}") from None
    n = len(Z) + 1
    size = np.ones(2 * n - 1, dtype=np.int64)
    for i, (a, b) in enumerate(Z[:, :2].astype(np.int64).tolist()):
        size[n + i] = size[a] + size[b]
    wrong = np.flatnonzero(Z[:, 3] != size[n:])
    if wrong.size:  # SciPy lets a count below the true one pass
        i = int(wrong[0])
        raise ValueError(f"Z is not a valid linkage matrix: row {i} says it makes a cluster of "
                         f"{Z[i, 3]:g} points, but its children hold {size[n + i]}")
    return Z


def _tree_labels(Z, labels) -> tuple[np.ndarray, np.ndarray]:
    labels = _as_labels(labels, "labels")
    return _check_linkage(Z, labels.size), labels


def dendrogram_purity(Z, labels) -> float:
    """Dendrogram purity of a hierarchy {Heller & Ghahramani 2005}.

    For every pair of points of the same class, the share of the points in the smallest
    subtree holding both that are of that class; averaged over all such pairs. 1 means
    every class is a subtree of its own (the tree can be cut into the classes); a tree
    blind to the classes scores about each class's share of the points, averaged over
    the pairs (1/k for k classes of equal size).

    Computed exactly in one pass over the merges, from the classes' counts in each
    cluster: where clusters A and B merge, the ``a_c * b_c`` pairs of class c that the
    merge joins have the purity ``(a_c + b_c) / (|A| + |B|)``. Time O(n * classes),
    memory O(n * classes); no pair is enumerated, so 70,000 points take a second or so.

    Parameters
    ----------
    Z : ndarray, shape (n_samples - 1, 4)
        A valid SciPy linkage matrix (:func:`caeward.cluster.linkage` returns one); only
        the tree is used, not the merge heights.
    labels : array-like of int, shape (n_samples,)
        The class of each point (sample ``i`` is leaf ``i`` of ``Z``).

    Returns
    -------
    float in (0, 1]

    Raises
    ------
    ValueError
        ``Z`` is not a valid linkage of ``len(labels)`` points, ``labels`` is not 1-d
        integer labels, or no two points share a class (the purity is undefined).
    """
    Z, labels = _tree_labels(Z, labels)
    classes, y = np.unique(labels, return_inverse=True)
    sizes = np.bincount(y).astype(np.int64)
    n_pairs = int(np.sum(sizes * (sizes - 1) // 2))
    if n_pairs == 0:
        raise ValueError(f"dendrogram purity is undefined: no two of the {labels.size} points share a class")
    n, k = labels.size, classes.size
    # One count vector per live cluster: a merged cluster takes over the row of its
    # first child, so the table never holds more than n rows.
    # int64 is exact while a merge's a_c * b_c * (a_c + b_c) <= n**3 / 4 fits, below 2**21 points
    counts = np.zeros((n, k), dtype=np.int64 if n < 2**21 else np.float64)
    counts[np.arange(n), y] = 1
    row = list(range(n)) + [0] * (n - 1)
    total = 0.0
    # Z's counts are the merged sizes: _check_linkage checked them against the merges
    for i, (a, b, merged) in enumerate(zip(Z[:, 0].astype(np.int64).tolist(), Z[:, 1].astype(np.int64).tolist(),
                                           Z[:, 3].tolist())):
        ra, rb = row[a], row[b]
        ca, cb = counts[ra], counts[rb]
        joined = ca * cb
        if joined.any():
            total += float(np.dot(joined, ca + cb)) / merged
        ca += cb  # in place: the row of A is now the merged cluster's
        cb[:] = 0
        row[n + i] = ra
    return total / n_pairs


def leaf_purity(Z, labels, n_leaves: int) -> float:
    """Leaf purity: the share of points in their leaf's majority class, when the tree is
    cut into ``n_leaves`` flat clusters (as DeepECT reports it).

    The cut is :func:`caeward.cluster.cut_linkage`'s: the partition after the first
    ``n - n_leaves`` merges, exactly ``n_leaves`` clusters also when heights tie.

    Parameters
    ----------
    Z : ndarray, shape (n_samples - 1, 4)
        A valid SciPy linkage matrix.
    labels : array-like of int, shape (n_samples,)
    n_leaves : int
        1 <= n_leaves <= n_samples.

    Returns
    -------
    float in (0, 1]
    """
    Z, labels = _tree_labels(Z, labels)
    n = labels.size
    if isinstance(n_leaves, bool) or not isinstance(n_leaves, (int, np.integer)) or not 1 <= n_leaves <= n:
        raise ValueError(f"n_leaves must be a whole number from 1 to the {n} points, got {n_leaves!r}")
    from .cluster import cut_linkage  # here: fastcluster's import is only needed for this

    table, _, _ = contingency(labels, cut_linkage(Z, int(n_leaves)))
    return float(table.max(axis=1).sum() / n)
