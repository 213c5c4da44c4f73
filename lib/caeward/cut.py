"""One way to cut a tree into flat clusters: at k, at a height, or at a k chosen from the data.

Introduced in chapter 3 (*Ward linkage, derived*: a cut at k undoes the last k - 1
merges) and chapter 7 (*How many clusters?*: ``"auto"``). :class:`caeward.CAEWard`,
the recipes of :mod:`caeward.recipes` (and so ``python -m caeward cluster``) and the
book's runner all cut their trees here, so a given tree and request always give the
same clusters.

:func:`check_cut` refuses a request before any work is done; :func:`cut` carries it
out on a SciPy linkage matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from .cluster import clusters_above, cut_linkage
from .number_of_clusters import RULE_SPACE, KChoice, choose_k_with_margin

__all__ = ["AUTO_K_MAX", "UMAP_COMPONENTS_UNKNOWN_K", "Cut", "auto_k", "auto_k_max", "auto_min_samples",
           "check_cut", "cut"]

#: ``n_clusters="auto"`` weighs 2..20 clusters (fewer when there are fewer points).
AUTO_K_MAX = 20

#: The UMAP components a pipeline plans for when the number of clusters is not given.
UMAP_COMPONENTS_UNKNOWN_K = 10

#: UMAP's neighbours when ``choose_k`` embeds the points (N2D's setting, chapter 6).
_UMAP_NEIGHBOURS = 20


@dataclass
class Cut:
    """Flat clusters cut from a tree.

    Attributes
    ----------
    labels : ndarray of int64, shape (n_samples,)
        Numbered 0..k-1 in order of first appearance.
    n_clusters : int
        How many clusters the cut made.
    k_choice : KChoice or None
        With ``n_clusters="auto"``: the choice and its evidence; ``None`` otherwise.
    """

    labels: np.ndarray
    n_clusters: int
    k_choice: KChoice | None = None


def auto_min_samples(space: str = RULE_SPACE) -> int:
    """The fewest points ``n_clusters="auto"`` can choose k for.

    :func:`~caeward.number_of_clusters.choose_k` compares k = 2 on halves, so it needs
    2 (2 + 1) = 6 points; in the UMAP space it first embeds them with 20 neighbours,
    which needs more than 21.
    """
    return max(2 * (2 + 1), _UMAP_NEIGHBOURS + 2 if space == "umap" else 0)


def auto_k_max(n_samples: int, space: str = RULE_SPACE) -> int:
    """The largest k that ``n_clusters="auto"`` weighs for ``n_samples`` points: 20, or
    fewer where :func:`caeward.number_of_clusters.choose_k` needs 2 (k + 1) points.

    Raises
    ------
    ValueError
        Fewer points than :func:`auto_min_samples`, with that minimum in the message.
    """
    need = auto_min_samples(space)
    if n_samples < need:
        raise ValueError(f"n_clusters='auto' needs at least {need} images, got {n_samples}")
    return min(AUTO_K_MAX, n_samples // 2 - 1)


def auto_k(points, random_state=None) -> KChoice:
    """What ``n_clusters="auto"`` chooses for ``points``: the best guess of
    :func:`~caeward.number_of_clusters.choose_k_with_margin` over 2..:func:`auto_k_max`
    clusters, with its plausible span and whether the data decide it."""
    return choose_k_with_margin(points, k_max=auto_k_max(len(points)), random_state=random_state)


def check_cut(n_clusters, distance_threshold, n_samples: int | None = None, *, tree: bool = True) -> None:
    """Refuse a request :func:`cut` would refuse, before any work is done.

    Parameters
    ----------
    n_clusters : int, "auto" or None
    distance_threshold : float or None
        Exactly one of the two is given.
    n_samples : int, optional
        When known: too few points for ``n_clusters`` (or for ``"auto"``) are refused.
    tree : bool
        Whether the clustering builds a tree; without one (k-means) only a whole
        number of clusters can be given.
    """
    if (n_clusters is None) == (distance_threshold is None):
        raise ValueError("give exactly one of n_clusters and distance_threshold "
                         "(set n_clusters=None to cut by distance_threshold)")
    if n_clusters is not None and n_clusters != "auto" and (
            isinstance(n_clusters, (bool, np.bool_)) or not isinstance(n_clusters, Integral) or n_clusters < 1):
        raise ValueError(f"n_clusters must be a whole number >= 1, 'auto' or None, got {n_clusters!r}")
    if distance_threshold is not None:
        if isinstance(distance_threshold, bool) or not isinstance(distance_threshold, Real) \
                or not distance_threshold >= 0:
            raise ValueError(f"distance_threshold must be a height >= 0, got {distance_threshold!r}")
        if not tree:
            raise ValueError("k-means builds no tree to cut at a distance; give n_clusters or another recipe")
    if n_samples is None:
        return
    if n_clusters == "auto":
        auto_k_max(n_samples)
    elif n_clusters is not None and n_clusters > n_samples:
        raise ValueError(f"{n_samples} images cannot form {n_clusters} clusters: give at least n_clusters images")


def cut(Z, *, n_clusters: int | str | None = None, distance_threshold: float | None = None, points=None,
        random_state=None) -> Cut:
    """Flat clusters from the linkage matrix ``Z``.

    Parameters
    ----------
    Z : ndarray, shape (n_samples - 1, 4)
        A SciPy linkage matrix.
    n_clusters : int, "auto" or None
        Undo the last ``n_clusters - 1`` merges; ``"auto"`` chooses k from ``points``
        (:func:`auto_k`: a best guess with its margin, candidates 2..:func:`auto_k_max`);
        ``None`` with ``distance_threshold``.
    distance_threshold : float or None
        Make no merge at or above this height (``AgglomerativeClustering``'s rule).
    points : array-like, shape (n_samples, n_features), optional
        What ``Z`` is the tree of; needed by ``"auto"``.
    random_state : int or None
        Seeds ``"auto"``'s subsamples and embedding.

    Returns
    -------
    Cut
    """
    Z = np.asarray(Z, dtype=np.float64)
    n_samples = len(Z) + 1
    check_cut(n_clusters, distance_threshold, n_samples)
    k_choice = None
    if n_clusters == "auto":
        if points is None or len(points) != n_samples:
            raise ValueError("n_clusters='auto' needs the points the tree was built from (points=...)")
        k_choice = auto_k(points, random_state)
        k = int(k_choice.k)
    elif n_clusters is None:
        k = clusters_above(Z, distance_threshold)
    else:
        k = int(n_clusters)
    labels = cut_linkage(Z, k)
    return Cut(labels, int(labels.max()) + 1, k_choice)
