"""Dendrogram purity and leaf purity, against a brute-force enumeration of the pairs."""

import subprocess
import sys
from itertools import combinations

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage as scipy_linkage

from caeward.cluster import cut_linkage, linkage
from caeward.metrics import dendrogram_purity, leaf_purity


def brute_force_purity(Z, labels) -> float:
    """Every same-class pair, the smallest subtree holding both found by walking the
    merges (the first merge after which both are in one cluster)."""
    labels = np.asarray(labels)
    n = len(labels)
    members = {i: {i} for i in range(n)}
    lca = {}
    for i, (a, b) in enumerate(Z[:, :2].astype(int)):
        A, B = members.pop(a), members.pop(b)
        for p in A:
            for q in B:
                lca[min(p, q), max(p, q)] = A | B
        members[n + i] = A | B
    scores = [np.mean(labels[list(lca[i, j])] == labels[i])
              for i, j in combinations(range(n), 2) if labels[i] == labels[j]]
    return float(np.mean(scores))


def brute_force_leaf_purity(Z, labels, k) -> float:
    cut = cut_linkage(Z, k)
    return sum(np.bincount(labels[cut == c]).max() for c in np.unique(cut)) / len(labels)


def random_tree(n, rng, ties=False):
    """A random valid linkage of n points: random pairs of live clusters merged."""
    live, rows, sizes = list(range(n)), [], {i: 1 for i in range(n)}
    height = 0.0
    for i in range(n - 1):
        a, b = sorted(rng.choice(len(live), 2, replace=False))
        ca, cb = live[a], live[b]
        live = [c for j, c in enumerate(live) if j not in (a, b)] + [n + i]
        if not ties or rng.random() < 0.5:
            height += float(rng.random())
        sizes[n + i] = sizes[ca] + sizes[cb]
        rows.append([ca, cb, height, sizes[n + i]])
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


def labels_of(kind, n, rng):
    if kind == "one class":
        return np.full(n, 3)
    if kind == "unequal":
        return rng.choice(4, n, p=[0.7, 0.2, 0.07, 0.03])
    if kind == "with singletons":  # classes of one point mixed with larger ones
        y = rng.integers(0, 2, n)
        y[: max(1, n // 4)] = 100 + np.arange(max(1, n // 4))
        if len(np.unique(y)) == n:  # n = 2..3 can leave only singletons: make one pair
            y[-1] = y[-2]
        return y
    return rng.integers(0, 5, n)


@pytest.mark.parametrize("kind", ["uniform", "one class", "unequal", "with singletons"])
@pytest.mark.parametrize("n", [2, 3, 5, 17, 60])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_purity_equals_the_pair_enumeration_on_random_trees(kind, n, seed):
    rng = np.random.default_rng(1000 * seed + n)
    y = labels_of(kind, n, rng)
    if len(np.unique(y)) == n:
        y[-1] = y[0]
    Z = random_tree(n, rng, ties=seed == 2)
    assert dendrogram_purity(Z, y) == pytest.approx(brute_force_purity(Z, y), rel=1e-12)
    for k in sorted({1, min(2, n), min(10, n), n}):
        assert leaf_purity(Z, y, k) == pytest.approx(brute_force_leaf_purity(Z, y, k), rel=1e-12)


@pytest.mark.parametrize("method", ["ward", "average", "complete", "single"])
@pytest.mark.parametrize("seed", [0, 1])
def test_purity_equals_the_pair_enumeration_on_linkages_with_tied_heights(method, seed):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 3, size=(40, 2)).astype(float)  # a grid: many equal distances
    y = rng.integers(0, 3, 40)
    for Z in (linkage(X, method), scipy_linkage(X, method)):
        assert np.any(np.diff(Z[:, 2]) == 0)
        assert dendrogram_purity(Z, y) == pytest.approx(brute_force_purity(Z, y), rel=1e-12)


def test_one_class_and_a_perfect_tree_are_pure():
    rng = np.random.default_rng(0)
    assert dendrogram_purity(random_tree(30, rng), np.zeros(30, int)) == 1.0
    # each class merged into a subtree first, then the classes in any order
    y = np.repeat(np.arange(4), [5, 1, 7, 3])
    X = y[:, None] * 100.0 + rng.normal(size=(16, 2))
    Z = linkage(X, "average")
    assert dendrogram_purity(Z, y) == 1.0
    assert leaf_purity(Z, y, 4) == 1.0
    assert leaf_purity(Z, y, 1) == 7 / 16


def test_purity_is_of_the_tree_it_is_given():
    """On clustered data the right tree is nearly pure; the same tree scored against
    shuffled leaves, or a random tree, is not (so a purity of the wrong tree fails)."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(5), 40)
    X = rng.normal(size=(200, 5)) + 8 * np.eye(5)[y]
    Z = linkage(X, "ward")
    right = dendrogram_purity(Z, y)
    assert right > 0.95
    shuffled = dendrogram_purity(Z, rng.permutation(y))
    assert shuffled < 0.4 and abs(shuffled - brute_force_purity(Z, rng.permutation(y))) < 0.1
    assert dendrogram_purity(random_tree(200, rng), y) < 0.5
    assert leaf_purity(Z, y, 5) == 1.0 and leaf_purity(Z, rng.permutation(y), 5) < 0.5


def test_a_random_tree_scores_about_the_share_of_same_class_pairs():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 10, 3000)
    Z = linkage(rng.normal(size=(3000, 4)), "single")
    assert dendrogram_purity(Z, y) == pytest.approx(0.1, abs=0.01)


def test_labels_may_be_any_integers_and_the_order_of_children_does_not_matter():
    rng = np.random.default_rng(5)
    Z = random_tree(25, rng)
    y = rng.integers(0, 3, 25)
    flipped = Z.copy()
    flipped[:, [0, 1]] = Z[:, [1, 0]]
    value = dendrogram_purity(Z, y)
    assert dendrogram_purity(flipped, y) == pytest.approx(value, rel=1e-12)
    assert dendrogram_purity(Z, 7 * y - 40) == pytest.approx(value, rel=1e-12)
    assert dendrogram_purity(Z, y.astype(float)) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("Z, labels, message", [
    (np.zeros((3, 3)), np.zeros(4, int), r"shape \(n - 1, 4\)"),
    (np.zeros((3, 4)), np.zeros(5, int), "merges 4 points but labels has 5"),
    (np.array([[0, 0, 1.0, 2], [1, 2, 2.0, 3]]), np.zeros(3, int), "not a valid linkage"),  # 0 used twice
    (np.array([[0, 4, 1.0, 2], [1, 2, 2.0, 3]]), np.zeros(3, int), "not a valid linkage"),  # not formed yet
    (np.array([[0, 1, -1.0, 2], [2, 3, 2.0, 3]]), np.zeros(3, int), "not a valid linkage"),  # negative height
    (np.array([[0, 1, np.nan, 2], [2, 3, 2.0, 3]]), np.zeros(3, int), "not a valid linkage"),
    (np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 5]]), np.zeros(3, int), "not a valid linkage"),  # too many counted
    (np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2]]), np.zeros(3, int),  # too few: SciPy lets it pass
     "not a valid linkage matrix: row 1 says it makes a cluster of 2 points, but its children hold 3"),
    (np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 3]]), np.zeros((3, 1), int), "labels must be 1-d"),
    (np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 3]]), np.array([0.5, 1, 2]), "integer labels"),
    (np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 3]]), np.array([0, 1, 2]), "no two of the 3 points share a class"),
    (np.array([["a", "b", "c", "d"]]), np.zeros(2, int), "numeric linkage"),
])
def test_bad_input_is_refused_in_one_line(Z, labels, message):
    with pytest.raises(ValueError, match=message) as info:
        dendrogram_purity(Z, labels)
    assert "\n" not in str(info.value)
    if "share a class" not in message:
        with pytest.raises(ValueError, match=message) as info:
            leaf_purity(Z, labels, 1)
        assert "\n" not in str(info.value)


@pytest.mark.parametrize("n_leaves", [0, 4, -1, 2.0, True, None])
def test_leaf_counts_out_of_range_are_refused(n_leaves):
    Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 3]])
    with pytest.raises(ValueError, match="n_leaves must be a whole number from 1 to the 3 points"):
        leaf_purity(Z, [0, 0, 1], n_leaves)


def test_one_point_has_a_leaf_purity_but_no_dendrogram_purity():
    assert leaf_purity(np.empty((0, 4)), [2], 1) == 1.0
    with pytest.raises(ValueError, match="no two of the 1 points"):
        dendrogram_purity(np.empty((0, 4)), [2])


def test_metrics_still_imports_without_torch():
    code = ("import sys, numpy as np, caeward.metrics as m; "
            "m.leaf_purity(np.array([[0, 1, 1.0, 2]]), [0, 0], 1); "
            "m.dendrogram_purity(np.array([[0, 1, 1.0, 2]]), [0, 0]); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
