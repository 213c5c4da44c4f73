"""How many clusters? Choosing k for Ward linkage without labels.

Introduced in chapter 7 (*How many clusters?*). The paper argues that a dendrogram
lets you choose the number of clusters instead of fixing it; chapters 3 and 6 show
that the largest gap between merge heights does not find ten on MNIST. This module
computes the classical label-free criteria for every candidate k, on the points
given (raw codes) or on their UMAP embedding (:mod:`caeward.manifold`), and applies
one rule, :data:`RULE`, to choose k.

The criteria, each a score per candidate k and the k it points at:

- ``gap``, ``ratio``: the largest jump (difference, ratio) between successive Ward
  merge heights (:func:`cut_steps`, :func:`largest_gap_k`; chapter 3's rule);
- ``silhouette`` (largest), ``calinski_harabasz`` (largest), ``davies_bouldin``
  (smallest), of Ward's cut at k;
- ``gap_statistic``: Tibshirani, Walther & Hastie (2001): log within-cluster
  dispersion against reference data drawn uniformly in the box of the data's
  principal axes; the smallest k with Gap(k) >= Gap(k+1) - s(k+1);
- ``stability``: Ward on two random subsamples (each a fraction
  ``subsample_fraction`` of the points), both cut at k, compared on the points they
  share by the adjusted Rand index, which is corrected for chance agreement at each
  k (Ben-Hur, Elisseeff & Guyon 2002; Lange, Roth, Braun & Buhmann 2004); averaged
  over ``n_resamples`` pairs; the largest k within one standard deviation of the
  most stable;
- ``prediction_strength``: Tibshirani & Walther (2005): split the points in halves,
  cut Ward's tree of each at k, assign the test half to the nearest centroid of the
  training half's clusters, and score the least co-membership kept by any test
  cluster; the largest k whose strength reaches ``threshold``.

Cost. Everything works on at most ``max_points`` points (a seeded random subsample;
10,000 by default), so 70,000 codes cost what 10,000 do. The silhouette needs
pairwise distances and uses ``silhouette_points`` of those (3,000 by default).
Resampling criteria fit many Ward trees on subsamples of them; with ``space="umap"``
the subsample is embedded once, so ``stability`` and ``prediction_strength`` measure
Ward on a fixed embedding, not UMAP's own variability between seeds.

The rule, frozen. :func:`choose_k` returns the choice of **prediction strength on the
UMAP embedding, threshold 0.8** (:data:`RULE`, :data:`RULE_SPACE`, :data:`THRESHOLD`):
the largest k whose prediction strength reaches 0.8, or 1 if none does. It was chosen
on the first sets the calibration (:mod:`caeward.experiments.k_choice`) computed: the
MNIST-test codes of DCEC's CAE, seed 0, and their three subsets (4 digits, 6 digits,
6 digits of sizes 10:1), where it found the right k in 3 of 4 sets and no other
criterion in either space in more than 2 (the raw codes of seed 2 had been computed
too, and no criterion on them was right). It was frozen on 2026-12-03, at 10:30 UTC,
before the other sets (seed 2's embedding and subsets, the proposed CAE, MNIST-full,
scikit-learn's digits) were computed; the table of chapter 7 reports all of them,
those the rule was chosen on marked as such. The threshold is Tibshirani &
Walther's suggestion, never tuned here.

Without structure (noise), prediction strength answers 1 when no k >= 2 reaches the
threshold, as on uniform noise in the raw space; UMAP can lay noise out in clumps, and
on some draws one cut of the embedding just reaches it (chapter 7 counts the noise
sets of the calibration).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.cluster.hierarchy import is_valid_linkage
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score
from sklearn.metrics import pairwise_distances, silhouette_score

from ._validation import as_points
from .cluster import cut_linkage, ward_linkage

__all__ = ["AGREEMENT", "CRITERIA", "RULE", "RULE_SPACE", "THRESHOLD", "VERSION", "KChoice", "choose_k",
           "choose_k_with_margin", "criterion_scores", "cut_steps", "largest_gap_k", "pick_k",
           "weigh_choices"]

#: Changes whenever a criterion's computation changes (stored calibrations name it).
VERSION = 1

#: Every criterion :func:`choose_k` can compute, in the order it reports them.
CRITERIA = ("gap", "ratio", "silhouette", "calinski_harabasz", "davies_bouldin", "gap_statistic",
            "stability", "prediction_strength")

#: The criterion whose choice :func:`choose_k` returns by default, and the space it is
#: computed in (frozen after calibration; see the module docstring).
RULE = "prediction_strength"
RULE_SPACE = "umap"

#: Prediction strength's threshold: the largest k whose strength reaches it is chosen.
THRESHOLD = 0.8

#: The three choices :func:`choose_k_with_margin` weighs: (space, criterion).
AGREEMENT = (("umap", "silhouette"), ("umap", "prediction_strength"), ("raw", "prediction_strength"))


@dataclass
class KChoice:
    """The chosen number of clusters and the evidence for it.

    Attributes
    ----------
    k : int
        The chosen number of clusters: the choice of criterion ``rule``; 1 when the rule
        finds no k in ``ks`` that it supports (no cluster structure found).
    rule : str
        The criterion that decided.
    space : {"raw", "umap"}
        Where the criteria were computed.
    ks : ndarray of int64, shape (n_candidates,)
        The candidate numbers of clusters.
    scores : dict of str to ndarray of float64, shape (n_candidates,)
        Each computed criterion's score per candidate k.
    choices : dict of str to int
        The k each computed criterion points at (1: none supported).
    spread : dict of str to ndarray, shape (n_candidates,)
        The resampling criteria's standard deviation per k (``gap_statistic``:
        s(k) of Tibshirani et al.).
    n_points, n_used : int
        How many points were given, and how many the criteria used (a subsample).
    seconds : dict of str to float
        Wall time per step (``"tree"``, ``"umap"``, each criterion).
    settings : dict
        The arguments that determine the result.
    points : ndarray of float64, shape (n_used, n_dims)
        What the criteria saw: the subsample, or its UMAP embedding.
    plausible : tuple of (int, int) or None
        :func:`choose_k_with_margin` only: the smallest and largest k its three
        choices point at (``k`` is its best guess).
    decided : bool or None
        :func:`choose_k_with_margin` only: whether its three choices agree.
    """

    k: int
    rule: str
    space: str
    ks: np.ndarray
    scores: dict
    choices: dict
    spread: dict = field(default_factory=dict)
    n_points: int = 0
    n_used: int = 0
    seconds: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    points: np.ndarray | None = field(default=None, repr=False)
    plausible: tuple | None = None
    decided: bool | None = None

    def as_dict(self) -> dict:
        """Plain JSON-ready types."""
        return {"k": int(self.k), "rule": self.rule, "space": self.space, "ks": self.ks.tolist(),
                "plausible": None if self.plausible is None else [int(v) for v in self.plausible],
                "decided": self.decided,
                "scores": {c: np.asarray(v, dtype=float).tolist() for c, v in self.scores.items()},
                "choices": {c: int(v) for c, v in self.choices.items()},
                "spread": {c: np.asarray(v, dtype=float).tolist() for c, v in self.spread.items()},
                "n_points": int(self.n_points), "n_used": int(self.n_used),
                "seconds": {s: float(v) for s, v in self.seconds.items()}, "settings": dict(self.settings)}


def cut_steps(heights, ks) -> dict:
    """How far apart the merges are that a cut into k clusters falls between.

    Introduced in chapter 3 with :func:`largest_gap_k`; chapter 6 reads it off the merge
    heights that every Ward result stores (``details.top_merge_heights``).

    A cut into k clusters undoes the last k - 1 merges: it falls between the last merge
    it keeps (height ``lower``, the k-th from the end) and the first it undoes
    (``upper``, the (k - 1)-th from the end). A ratio close to 1 is a close call.

    Parameters
    ----------
    heights : array_like, shape (m,)
        Merge heights in the order of merging (non-decreasing for Ward): a whole
        linkage's ``Z[:, 2]`` or only its last m; a cut at k needs the last k.
    ks : iterable of int
        Numbers of clusters, each in [2, m].

    Returns
    -------
    dict
        ``ks``, ``gaps`` (upper - lower) and ``ratios`` (upper / lower), ndarrays with
        one value per k; ``k_gap`` and ``k_ratio``, the k of the largest of each (the
        rule of :func:`largest_gap_k`, read off a stored tail of heights).
    """
    heights = np.asarray(heights, dtype=np.float64)
    if heights.ndim != 1:
        raise ValueError(f"heights must be one-dimensional, got shape {heights.shape}")
    ks = np.asarray(list(ks), dtype=np.int64)
    if ks.size == 0 or ks.min() < 2 or ks.max() > len(heights):
        raise ValueError(f"every k must be in [2, {len(heights)}], got {ks.tolist()}: a cut at k "
                         f"needs the last k merge heights and {len(heights)} were given")
    upper, lower = heights[len(heights) - ks + 1], heights[len(heights) - ks]
    gaps, ratios = upper - lower, upper / np.maximum(lower, np.finfo(float).tiny)
    return {"ks": ks, "gaps": gaps, "ratios": ratios,
            "k_gap": int(ks[np.argmax(gaps)]), "k_ratio": int(ks[np.argmax(ratios)])}


def largest_gap_k(Z, ks=range(2, 31)) -> dict:
    """Read the number of clusters off a dendrogram: where successive merge heights jump most.

    Introduced in chapter 3 (the paper's claim that the dendrogram lets you choose
    k without fixing it in advance); chapter 6 repeats the test on a manifold.

    Cutting a linkage into k clusters undoes its last k - 1 merges; the rule picks the
    k whose cut falls in the largest gap between the height of the merge that would
    make k - 1 clusters and the merge before it (:func:`cut_steps`). The ratio of those
    heights is a scale-free variant.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
        A linkage matrix with non-decreasing heights (Ward's are).
    ks : iterable of int
        Candidate numbers of clusters, each in [2, n - 1].

    Returns
    -------
    dict
        ``ks``, ``gaps`` and ``ratios`` (ndarrays, one value per k), ``k_gap`` and
        ``k_ratio`` (the k of the largest of each).
    """
    Z = np.asarray(Z, dtype=np.float64)
    if not is_valid_linkage(Z):
        raise ValueError("Z is not a valid linkage matrix (see scipy.cluster.hierarchy.is_valid_linkage)")
    return cut_steps(Z[:, 2], ks)  # it checks every k against the n - 1 heights


def choose_k(points, *, k_min: int = 2, k_max: int = 20, rule: str = RULE, space: str = RULE_SPACE,
             criteria=None, max_points: int = 10_000, silhouette_points: int = 3_000,
             n_resamples: int = 10, subsample_fraction: float = 0.8, threshold: float = THRESHOLD,
             random_state=None) -> KChoice:
    """Choose the number of Ward clusters of ``points`` without labels.

    Parameters
    ----------
    points : array-like, shape (n_samples, n_features)
        Codes (or any vectors); Euclidean distance.
    k_min, k_max : int
        The candidates, ``k_min..k_max`` (2 <= k_min <= k_max).
    rule : str
        The criterion whose choice is returned (one of :data:`CRITERIA`).
    space : {"raw", "umap"}
        Compute the criteria on the points, or on their UMAP embedding with N2D's
        settings (:class:`caeward.manifold.UMAPSettings`).
    criteria : iterable of str, optional
        The criteria to compute (default: all of :data:`CRITERIA`); ``rule`` always is.
    max_points : int
        Use a seeded random subsample of at most this many points.
    silhouette_points : int
        The silhouette's pairwise distances use at most this many of them.
    n_resamples : int
        Resamples of ``stability``, ``gap_statistic`` and ``prediction_strength``.
    subsample_fraction : float
        The share of the points in each subsample of ``stability``.
    threshold : float
        ``prediction_strength`` chooses the largest k whose strength reaches it.
    random_state : int or None

    Returns
    -------
    KChoice
    """
    if space not in ("raw", "umap"):
        raise ValueError(f"space must be 'raw' or 'umap', got {space!r}")
    if rule not in CRITERIA:
        raise ValueError(f"rule must be one of {CRITERIA}, got {rule!r}")
    wanted = list(CRITERIA) if criteria is None else list(dict.fromkeys(criteria))
    unknown = set(wanted) - set(CRITERIA)
    if unknown:
        raise ValueError(f"unknown criteria {sorted(unknown)}; choose from {CRITERIA}")
    if rule not in wanted:
        wanted.append(rule)
    X = as_points(points, "points")
    if not (isinstance(k_min, (int, np.integer)) and isinstance(k_max, (int, np.integer))
            and 2 <= k_min <= k_max):
        raise ValueError(f"need integers 2 <= k_min <= k_max, got k_min={k_min!r}, k_max={k_max!r}")
    if len(X) < 2 * (k_max + 1):
        raise ValueError(f"{len(X)} points are too few to compare up to k_max={k_max} clusters "
                         f"on resamples: need at least {2 * (k_max + 1)}")
    rng = np.random.default_rng(random_state)
    seconds = {}
    used = X if len(X) <= max_points else X[np.sort(rng.choice(len(X), max_points, replace=False))]
    ks = np.arange(k_min, k_max + 1)
    settings = {"k_min": int(k_min), "k_max": int(k_max), "max_points": max_points,
                "silhouette_points": silhouette_points, "n_resamples": n_resamples,
                "subsample_fraction": subsample_fraction, "threshold": threshold,
                "random_state": random_state}
    # k clusters need k distinct points: copies of one image are one cluster, however
    # a resampling criterion scores their arbitrary splits (all agree on nothing)
    n_distinct = len(np.unique(used, axis=0))
    if n_distinct == 1:
        nothing = {name: np.full(len(ks) + (name == "gap_statistic"), np.nan) for name in wanted}
        return KChoice(k=1, rule=rule, space=space, ks=ks, scores=nothing, choices=dict.fromkeys(wanted, 1),
                       n_points=len(X), n_used=len(used), seconds=seconds,
                       settings={**settings, "n_distinct": 1}, points=used)
    if space == "umap":
        from .manifold import umap_embed

        start = time.perf_counter()
        used = umap_embed(used, seed=int(rng.integers(2**31))).astype(np.float64)
        seconds["umap"] = time.perf_counter() - start
    scores, spread, choices = {}, {}, {}
    start = time.perf_counter()
    Z = ward_linkage(used)
    seconds["tree"] = time.perf_counter() - start
    found = criterion_scores(used, Z, ks, wanted, rng, silhouette_points=silhouette_points,
                             n_resamples=n_resamples, subsample_fraction=subsample_fraction)
    for name in wanted:
        scores[name], spread_k, seconds[name] = found[name]
        if spread_k is not None:
            spread[name] = spread_k
        possible = scores[name].copy()
        if len(possible) == len(ks):  # no more clusters than distinct points
            possible[ks > n_distinct] = np.nan
        choices[name] = pick_k(name, ks, possible, spread_k, threshold)
    settings["n_distinct"] = int(n_distinct)
    return KChoice(k=choices[rule], rule=rule, space=space, ks=ks, scores=scores, choices=choices,
                   spread=spread, n_points=len(X), n_used=len(used), seconds=seconds, settings=settings,
                   points=used)


def choose_k_with_margin(points, *, k_max: int = 20, random_state=None, **options) -> KChoice:
    """k for a folder of images, with how sure it is: the rule of ``--k auto``.

    Three choices are made on ``points`` (:data:`AGREEMENT`): the silhouette's best k
    and prediction strength's on their UMAP embedding, and prediction strength's on the
    points themselves. Where all three agree, that k is **decided**. Otherwise the data
    do not say: the best guess is the silhouette's k -- or 1 (no cluster structure
    found) when prediction strength supports no k in either space, or when the
    silhouette kept rising to the largest candidate -- and ``plausible`` spans the three
    choices. Chapter 8 measures it on folders of 200-10,000 images
    (:mod:`caeward.experiments.folder_k`). It was frozen on 2026-12-06 at 22:34 UTC
    after the 11 folders of the unequal MNIST-test set, before the other sets were
    computed; on 2026-12-07 at 01:13 UTC one clause was added (the silhouette at the
    largest candidate means no structure), after the stored folders of every set had
    shown it on noise alone (7 of 12 folders; none of 41 with classes), and before the
    folders were computed again on the square-rooted HOG features.

    Parameters
    ----------
    points : array-like, shape (n_samples, n_features)
    k_max : int
        The candidates are 2..k_max.
    random_state : int or None
    **options
        Passed to :func:`choose_k` (``n_resamples``, ``max_points``, ...).

    Returns
    -------
    KChoice
        That of the UMAP embedding (its ``scores`` hold the silhouette and prediction
        strength there, ``choices`` the three choices, as ``"<space> <criterion>"``),
        with ``k`` the best guess, ``plausible`` and ``decided``.
    """
    raw = choose_k(points, k_max=k_max, space="raw", criteria=("prediction_strength",),
                   random_state=random_state, **options)
    embedded = choose_k(points, k_max=k_max, space="umap", rule="silhouette",
                        criteria=("silhouette", "prediction_strength"), random_state=random_state, **options)
    spaces = {"umap": embedded, "raw": raw}
    found = {f"{space} {criterion}": spaces[space].choices[criterion] for space, criterion in AGREEMENT}
    embedded.k, embedded.plausible, embedded.decided = weigh_choices(found, k_max=int(max(embedded.ks)))
    embedded.choices = found
    embedded.rule = "agreement"
    embedded.seconds = {**{f"raw {n}": v for n, v in raw.seconds.items()}, **embedded.seconds}
    return embedded


def weigh_choices(found: dict, k_max: int | None = None) -> tuple:
    """:func:`choose_k_with_margin`'s verdict from its three choices.

    Parameters
    ----------
    found : dict
        ``"umap silhouette"``, ``"umap prediction_strength"`` and
        ``"raw prediction_strength"`` to the k each points at (1: none supported).
    k_max : int or None
        The largest candidate k. A silhouette still rising there found no k among the
        candidates: on points without clusters it grows with k, as ever smaller cells
        of one cloud grow more alike.

    Returns
    -------
    k : int
        The best guess: the silhouette's k; 1 when prediction strength supports no k
        in either space, or when the silhouette points at ``k_max`` and the three do
        not agree.
    plausible : tuple of (int, int)
        The smallest and largest of the three, and 1 when the guess is 1 (the span
        holds the guess).
    decided : bool
        Whether all three agree.

    Notes
    -----
    The clause about ``k_max`` was seen on folders of 200 images and more, where the
    candidates run to 20. On a folder small enough that ``k_max`` is lower, a true k
    equal to ``k_max`` makes the guess 1 (the span still reaches ``k_max``).
    """
    values = [int(found[f"{space} {criterion}"]) for space, criterion in AGREEMENT]
    decided = len(set(values)) == 1
    no_structure = (values[1] == 1 and values[2] == 1) or (values[0] == k_max and not decided)
    guess = 1 if no_structure else values[0]
    return guess, (min(values + [guess]), max(values)), decided


def pick_k(criterion: str, ks, scores, spread=None, threshold: float = THRESHOLD) -> int:
    """The k a criterion points at, from its scores.

    Largest score for ``gap``, ``ratio``, ``silhouette`` and ``calinski_harabasz``;
    for ``stability``, the largest k whose agreement is within one standard deviation
    (over resamples, ``spread``) of the best one's (coarser cuts are often as stable as
    the right one: all agree perfectly on far-apart groups); smallest for
    ``davies_bouldin``; Tibshirani's one-standard-error rule for ``gap_statistic``
    (which needs ``spread``; its scores hold one more k than ``ks``, k_max + 1); the
    largest k whose score reaches ``threshold`` for ``prediction_strength`` (Tibshirani
    & Walther), or 1 when none does.
    """
    ks, scores = np.asarray(ks), np.asarray(scores, dtype=np.float64)
    if criterion in ("gap", "ratio", "silhouette", "calinski_harabasz"):
        return int(ks[np.nanargmax(scores)])
    if criterion == "stability":
        best = np.nanargmax(scores)
        sd = np.zeros_like(scores) if spread is None else np.asarray(spread, dtype=np.float64)
        return int(ks[scores >= scores[best] - sd[best]].max())
    if criterion == "davies_bouldin":
        return int(ks[np.nanargmin(scores)])
    if criterion == "gap_statistic":
        s = np.asarray(spread, dtype=np.float64)
        ok = scores[:-1] >= scores[1:] - s[1:]
        return int(ks[np.argmax(ok)]) if ok.any() else int(ks[-1])
    if criterion == "prediction_strength":
        passed = ks[scores >= threshold]
        return int(passed.max()) if passed.size else 1
    raise ValueError(f"unknown criterion {criterion!r}")


def criterion_scores(X: np.ndarray, Z: np.ndarray, ks: np.ndarray, criteria, rng, *,
                     silhouette_points: int = 3_000, n_resamples: int = 10,
                     subsample_fraction: float = 0.8) -> dict:
    """Each criterion's score per k for the points ``X`` and their Ward tree ``Z``.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    Z : ndarray, shape (n - 1, 4)
        Ward's linkage of ``X``.
    ks : ndarray of int, shape (m,)
    criteria : iterable of str
    rng : numpy.random.Generator

    Returns
    -------
    dict of str to (scores, spread, seconds)
        ``scores`` of shape (m,) (``gap_statistic``: (m + 1,), up to k_max + 1);
        ``spread`` the standard deviation over resamples per k, or None.
    """
    out = {}
    cuts = None
    for name in criteria:
        start = time.perf_counter()
        spread = None
        if name in ("gap", "ratio"):
            steps = cut_steps(Z[:, 2], ks)
            scores = steps["gaps" if name == "gap" else "ratios"]
        elif name in ("silhouette", "calinski_harabasz", "davies_bouldin"):
            if cuts is None:
                cuts = {int(k): cut_linkage(Z, int(k)) for k in ks}
            scores = _internal_scores(name, X, cuts, ks, rng, silhouette_points)
        elif name == "gap_statistic":
            scores, spread = _gap_statistic(X, Z, ks, rng, n_resamples)
        elif name == "stability":
            scores, spread = _stability(X, ks, rng, n_resamples, subsample_fraction)
        elif name == "prediction_strength":
            scores, spread = _prediction_strength(X, ks, rng, n_resamples)
        else:
            raise ValueError(f"unknown criterion {name!r}")
        out[name] = (np.asarray(scores, dtype=np.float64), spread, time.perf_counter() - start)
    return out


def _internal_scores(name, X, cuts, ks, rng, silhouette_points):
    if name == "silhouette":
        keep = np.arange(len(X)) if len(X) <= silhouette_points else \
            np.sort(rng.choice(len(X), silhouette_points, replace=False))
        D = pairwise_distances(X[keep])
        return np.array([silhouette_score(D, cuts[int(k)][keep], metric="precomputed")
                         if np.unique(cuts[int(k)][keep]).size > 1 else np.nan for k in ks])
    score = calinski_harabasz_score if name == "calinski_harabasz" else davies_bouldin_score
    return np.array([score(X, cuts[int(k)]) for k in ks])


def _log_dispersion(X: np.ndarray, labels: np.ndarray, k: int) -> float:
    """log W_k: the pooled within-cluster sum of squares of ``labels`` (0..k-1)."""
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    sums = np.zeros((k, X.shape[1]))
    np.add.at(sums, labels, X)
    within = (X ** 2).sum() - ((sums ** 2).sum(axis=1) / np.maximum(counts, 1)).sum()
    return float(np.log(max(within, np.finfo(float).tiny)))


def _gap_statistic(X, Z, ks, rng, n_references, max_reference: int = 3_000):
    """Gap(k) for k in ks and k_max + 1, and s(k) = sd * sqrt(1 + 1/B). The data and
    each reference set are at most ``max_reference`` points, clustered by Ward."""
    all_ks = np.append(ks, ks[-1] + 1)
    if len(X) > max_reference:
        X = X[np.sort(rng.choice(len(X), max_reference, replace=False))]
        Z = ward_linkage(X)
    observed = np.array([_log_dispersion(X, cut_linkage(Z, int(k)), int(k)) for k in all_ks])
    centred = X - X.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    rotated = centred @ axes.T
    low, high = rotated.min(axis=0), rotated.max(axis=0)
    reference = np.empty((n_references, len(all_ks)))
    for b in range(n_references):
        R = rng.uniform(low, high, size=rotated.shape) @ axes
        Zr = ward_linkage(R)
        reference[b] = [_log_dispersion(R, cut_linkage(Zr, int(k)), int(k)) for k in all_ks]
    gap = reference.mean(axis=0) - observed
    return gap, reference.std(axis=0) * np.sqrt(1 + 1 / n_references)


def _stability(X, ks, rng, n_pairs, fraction):
    """Mean and sd over ``n_pairs`` pairs of subsamples of the ARI between Ward's cuts
    at k of the two subsamples, on the points they share."""
    n, m = len(X), max(int(round(fraction * len(X))), int(ks[-1]) + 1)
    values = np.empty((n_pairs, len(ks)))
    for b in range(n_pairs):
        a, c = (np.sort(rng.choice(n, m, replace=False)) for _ in range(2))
        shared, in_a, in_c = np.intersect1d(a, c, assume_unique=True, return_indices=True)
        Za, Zc = ward_linkage(X[a]), ward_linkage(X[c])
        for j, k in enumerate(ks):
            values[b, j] = adjusted_rand_score(cut_linkage(Za, int(k))[in_a], cut_linkage(Zc, int(k))[in_c])
    return values.mean(axis=0), values.std(axis=0)


def _prediction_strength(X, ks, rng, n_splits):
    """Mean and sd over ``n_splits`` random halvings of Tibshirani & Walther's
    prediction strength of Ward's cut at k."""
    n = len(X)
    values = np.empty((n_splits, len(ks)))
    for b in range(n_splits):
        order = rng.permutation(n)
        train, test = X[order[: n // 2]], X[order[n // 2:]]
        Ztr, Zte = ward_linkage(train), ward_linkage(test)
        for j, k in enumerate(ks):
            k = int(k)
            tr, te = cut_linkage(Ztr, k), cut_linkage(Zte, k)
            centres = np.stack([train[tr == c].mean(axis=0) for c in range(k)])
            predicted = _nearest(test, centres)
            values[b, j] = _co_membership(te, predicted, k)
    return values.mean(axis=0), values.std(axis=0)


def _nearest(X, centres):
    d = (X ** 2).sum(axis=1)[:, None] - 2 * X @ centres.T + (centres ** 2).sum(axis=1)[None, :]
    return np.argmin(d, axis=1)


def _co_membership(clusters, predicted, k) -> float:
    """min over clusters (with 2 or more members) of the share of their pairs that
    ``predicted`` also puts together."""
    table = np.zeros((k, int(predicted.max()) + 1))
    np.add.at(table, (clusters, predicted), 1)
    sizes = table.sum(axis=1)
    ok = sizes >= 2
    together = (table * (table - 1)).sum(axis=1)
    return float((together[ok] / (sizes[ok] * (sizes[ok] - 1))).min())
