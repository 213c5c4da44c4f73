"""The PyTorch Ward engine against SciPy's ward.

On CPU in CI; on a GPU with ``CAEWARD_TEST_DEVICE=cuda pytest tests/test_ward_torch.py``.
"""

import functools
import os

import numpy as np
import pytest
from scipy.cluster import hierarchy as sch

from caeward.cluster import cut_linkage, linkage, ward_linkage
from caeward.ward_torch import ward_linkage_torch as _engine

DEVICE = os.environ.get("CAEWARD_TEST_DEVICE", "cpu")
ward_linkage_torch = functools.partial(_engine, device=DEVICE)


def _same_partition(a, b):
    pairs = np.unique(np.stack([a, b]), axis=1)
    return pairs.shape[1] == np.unique(a).size == np.unique(b).size


def _assert_identical_to_scipy(X, Z=None):
    Z = ward_linkage_torch(X) if Z is None else Z
    R = sch.ward(X)
    assert sch.is_valid_linkage(Z)
    np.testing.assert_allclose(Z[:, 2], R[:, 2], rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(Z[:, 3], R[:, 3])
    for k in range(2, min(50, len(X)) + 1):
        assert _same_partition(cut_linkage(Z, k), cut_linkage(R, k)), f"partitions differ at k={k}"


def _blobs(n, d, seed, spread=5.0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=spread, size=(8, d))
    return centres[rng.integers(0, 8, n)] + rng.normal(size=(n, d))


@pytest.mark.parametrize("n, d, seed", [(200, 2, 0), (600, 10, 1), (333, 3, 2), (150, 50, 3), (1000, 10, 4)])
def test_identical_to_scipy_on_random_data(n, d, seed):
    _assert_identical_to_scipy(_blobs(n, d, seed))


def test_identical_with_tiny_blocks():
    # one query row at a time: the blocking must not change anything
    X = _blobs(300, 5, 7)
    _assert_identical_to_scipy(X, ward_linkage_torch(X, block_bytes=1))


def test_far_from_the_origin():
    # large offsets make ||a||^2 + ||b||^2 - 2ab lose digits; centring keeps them
    _assert_identical_to_scipy(_blobs(300, 4, 8) + 1e6)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_tiny_inputs(n):
    X = np.arange(n * 2, dtype=float).reshape(n, 2) ** 1.5
    Z = ward_linkage_torch(X)
    assert Z.shape == (n - 1, 4)
    if n > 1:
        _assert_identical_to_scipy(X, Z)


def _clusters_as_points(X, labels):
    """A partition described by the points it groups, so that identical points are
    interchangeable."""
    return sorted(tuple(sorted(map(tuple, X[labels == c]))) for c in np.unique(labels))


def test_duplicated_points():
    # 40 distinct points, each three times: 80 merges at height exactly 0, in an
    # order no algorithm fixes. Heights must agree; partitions, up to swapping
    # identical points, at every k whose cut does not fall inside a tie (k > 40
    # leaves an arbitrary one of the zero-height merges undone).
    rng = np.random.default_rng(0)
    X = np.repeat(rng.normal(size=(40, 3)), 3, axis=0)[rng.permutation(120)]
    Z, R = ward_linkage_torch(X), sch.ward(X)
    assert sch.is_valid_linkage(Z)
    np.testing.assert_allclose(Z[:, 2], R[:, 2], rtol=1e-9, atol=1e-12)
    assert np.all(Z[:80, 2] == 0.0) and np.all(Z[80:, 2] > 0.0)
    n = len(X)
    untied = [k for k in range(2, 51) if R[n - k - 1, 2] < R[n - k, 2]]
    assert untied == list(range(2, 41))
    for k in untied:
        assert _clusters_as_points(X, cut_linkage(Z, k)) == _clusters_as_points(X, cut_linkage(R, k)), k


def _greedy_ward_violations(X, Z, rtol=1e-9):
    """Replay a linkage: every merge must join two current clusters at the smallest
    Ward distance among all current pairs, at SciPy's height sqrt(2 * distance)."""
    n = len(X)
    members = {i: [i] for i in range(n)}
    bad = []
    for row, (a, b, h, size) in enumerate(Z):
        a, b = int(a), int(b)
        ids = list(members)
        cent = np.array([X[members[i]].mean(0) for i in ids])
        sz = np.array([len(members[i]) for i in ids], float)
        d2 = ((cent[:, None] - cent[None]) ** 2).sum(-1)
        ward = sz[:, None] * sz[None] / (sz[:, None] + sz[None]) * d2
        np.fill_diagonal(ward, np.inf)
        ia, ib = ids.index(a), ids.index(b)
        if ward[ia, ib] > ward.min() * (1 + rtol) + 1e-12 or not np.isclose(h, np.sqrt(2 * ward[ia, ib]), rtol=rtol):
            bad.append(row)
        members[n + row] = members.pop(a) + members.pop(b)
        assert len(members[n + row]) == size
    return bad


def test_lattice_ties_give_a_valid_ward_hierarchy():
    # On a lattice most merges tie, and the greedy order among ties decides the
    # tree: SciPy's nearest-neighbour chain and fastcluster already disagree there
    # (tests/test_cluster.py shows fastcluster matching SciPy on untied data only).
    # What every correct Ward algorithm owes is a hierarchy in which each merge was
    # a closest pair at its time; we check that for ours, and the checker on SciPy's.
    X = np.array([[i, j] for i in range(7) for j in range(7)], dtype=float)
    Z = ward_linkage_torch(X)
    assert sch.is_valid_linkage(Z)
    assert _greedy_ward_violations(X, Z) == []
    assert _greedy_ward_violations(X, sch.ward(X)) == []
    # the checker must catch a valid tree that is not Ward's: a chain that adds the
    # points one by one in index order (its second merge, {0, 1} + 2, costs 1.5 while
    # two lattice neighbours cost 0.5)
    n = len(X)
    chain = np.array([[0 if i == 0 else n + i - 1, i + 1, float(i + 1), i + 2] for i in range(n - 1)])
    assert sch.is_valid_linkage(chain)
    violations = _greedy_ward_violations(X, chain)
    assert 1 in violations and len(violations) > n // 2


def test_on_mnist_codes(tmp_path, monkeypatch):
    from caeward.experiments.settings import BUDGETS
    from caeward.experiments.trainings import trained_codes
    from caeward.experiments.runner import load_dataset

    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path))
    images, _ = load_dataset("mnist-test", "quick")
    codes, _ = trained_codes("cae", images, BUDGETS["quick"], 0, "cpu", progress=False)
    _assert_identical_to_scipy(codes.astype(np.float64))


def test_engine_dispatch():
    X = _blobs(100, 3, 9)
    np.testing.assert_allclose(ward_linkage(X, engine="torch", device=DEVICE),
                               ward_linkage(X, engine="fastcluster"), rtol=1e-9)
    np.testing.assert_allclose(linkage(X, "ward", engine="torch", device=DEVICE)[:, 2],
                               sch.ward(X)[:, 2], rtol=1e-9)
    with pytest.raises(ValueError, match="Ward linkage only"):
        linkage(X, "single", engine="torch")
    with pytest.raises(ValueError, match="engine"):
        linkage(X, "ward", engine="gpu")
