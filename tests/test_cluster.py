import numpy as np
import pytest
from scipy.cluster import hierarchy as sch

from caeward import cluster
from caeward.cluster import cut_linkage, kmeans, linkage, ward_linkage
from caeward.metrics import ari


def _same_partition(a, b):
    """True when two labelings group the samples identically (up to renaming)."""
    a, b = np.asarray(a), np.asarray(b)
    pairs = np.unique(np.stack([a, b]), axis=1)
    return pairs.shape[1] == np.unique(a).size == np.unique(b).size


def _blobs(n, d, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=5.0, size=(6, d))
    return centres[rng.integers(0, 6, n)] + rng.normal(size=(n, d))


@pytest.mark.parametrize("n, d, seed", [(300, 5, 0), (500, 10, 1), (120, 2, 2), (257, 30, 3)])
def test_ward_matches_scipy(n, d, seed):
    X = _blobs(n, d, seed)
    ours, ref = ward_linkage(X), sch.ward(X)
    assert sch.is_valid_linkage(ours)
    np.testing.assert_allclose(ours[:, 2], ref[:, 2], rtol=1e-9)
    np.testing.assert_array_equal(ours[:, 3], ref[:, 3])
    for k in (2, 3, 5, 6, 10, 25, 50):
        assert _same_partition(cut_linkage(ours, k), sch.cut_tree(ref, n_clusters=k).ravel()), k


@pytest.mark.parametrize("method", ["single", "complete", "average"])
def test_other_linkages_match_scipy(method):
    X = _blobs(200, 4, 5)
    ours, ref = linkage(X, method), sch.linkage(X, method)
    np.testing.assert_allclose(ours[:, 2], ref[:, 2], rtol=1e-9)
    for k in (2, 6, 20):
        assert _same_partition(cut_linkage(ours, k), sch.fcluster(ref, k, "maxclust"))


def test_cut_gives_exactly_k_with_ties():
    # a lattice: many merges at exactly equal heights, where fcluster's maxclust
    # cannot always hit k
    X = np.array([[i, j] for i in range(6) for j in range(6)], dtype=float)
    Z = ward_linkage(X)
    for k in range(1, len(X) + 1):
        labels = cut_linkage(Z, k)
        assert np.unique(labels).size == k
        assert labels[0] == 0 and set(labels) == set(range(k))


def test_cut_extremes():
    X = _blobs(40, 3, 7)
    Z = ward_linkage(X)
    assert np.all(cut_linkage(Z, 1) == 0)
    assert np.array_equal(cut_linkage(Z, 40), np.arange(40))


def test_cut_accepts_scipy_linkage():
    X = _blobs(100, 3, 8)
    Z = sch.ward(X)
    assert _same_partition(cut_linkage(Z, 6), sch.cut_tree(Z, 6).ravel())


def test_tiny_inputs():
    assert linkage(np.zeros((1, 3))).shape == (0, 4)
    assert cut_linkage(linkage(np.zeros((1, 3))), 1).tolist() == [0]
    Z = ward_linkage([[0.0], [1.0]])
    assert Z.shape == (1, 4) and Z[0, 3] == 2


def test_kmeans_finds_separated_blobs():
    rng = np.random.default_rng(0)
    truth = np.repeat(np.arange(4), 50)
    X = np.eye(4)[truth] * 20 + rng.normal(size=(200, 4))
    assert ari(truth, kmeans(X, 4, random_state=0)) == pytest.approx(1.0)
    assert np.array_equal(kmeans(X, 4, random_state=3), kmeans(X, 4, random_state=3))


def test_matrix_linkage_refuses_when_too_big():
    with pytest.raises(ValueError, match="distance matrix"):
        linkage(_blobs(100, 2, 0), "complete", max_matrix_bytes=1000)


@pytest.mark.parametrize("X, match", [
    (np.zeros(5), "2-d"),
    (np.zeros((0, 3)), "empty"),
    (np.array([[0.0, np.nan]]), "NaN"),
    (np.array([["a", "b"]]), "numeric"),
])
def test_bad_points(X, match):
    with pytest.raises(ValueError, match=match):
        linkage(X)


def test_bad_method_and_k():
    X = _blobs(10, 2, 0)
    with pytest.raises(ValueError, match="method"):
        linkage(X, "median-ish")
    Z = ward_linkage(X)
    for k in (0, 11, 2.5):
        with pytest.raises(ValueError, match="n_clusters"):
            cut_linkage(Z, k)
    with pytest.raises(ValueError, match="linkage matrix"):
        cut_linkage(np.zeros((3, 3)), 2)
    with pytest.raises(ValueError, match="n_clusters"):
        kmeans(X, 20)


def test_largest_gap_k_finds_well_separated_groups():
    from caeward.cluster import linkage
    from caeward.number_of_clusters import largest_gap_k
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [50, 0], [0, 50]], dtype=float)
    X = np.concatenate([c + rng.normal(size=(40, 2)) for c in centres])
    rule = largest_gap_k(linkage(X, "ward"), ks=range(2, 11))
    assert rule["k_gap"] == 3 and rule["k_ratio"] == 3
    assert rule["gaps"].shape == (9,) and (rule["gaps"] >= 0).all()
    with pytest.raises(ValueError, match="every k"):
        largest_gap_k(linkage(X, "ward"), ks=[1, 2])
    with pytest.raises(ValueError, match="not a valid linkage"):
        largest_gap_k(np.ones((3, 4)))


def test_cut_steps_reads_the_same_from_a_tail_of_heights():
    from caeward.cluster import linkage
    from caeward.number_of_clusters import cut_steps, largest_gap_k
    # hand example: merges at 1, 2, 4, 8; a cut into 2 keeps the merge at 4 and undoes 8
    steps = cut_steps([1.0, 2.0, 4.0, 8.0], ks=[2, 3, 4])
    np.testing.assert_array_equal(steps["gaps"], [4.0, 2.0, 1.0])
    np.testing.assert_array_equal(steps["ratios"], [2.0, 2.0, 2.0])
    assert steps["k_gap"] == 2  # the largest gap (8 - 4) falls at the cut into 2
    # a result stores only the last 11 heights: they must give what the whole linkage gives
    rng = np.random.default_rng(1)
    Z = linkage(rng.normal(size=(60, 3)), "ward")
    whole = largest_gap_k(Z, ks=range(2, 12))
    tail = cut_steps(Z[-11:, 2], ks=range(2, 12))
    np.testing.assert_array_equal(tail["ratios"], whole["ratios"])
    np.testing.assert_array_equal(tail["gaps"], whole["gaps"])
    assert (tail["k_gap"], tail["k_ratio"]) == (whole["k_gap"], whole["k_ratio"])
    with pytest.raises(ValueError, match=r"got \[12\].*11 were given"):
        cut_steps(Z[-11:, 2], ks=[12])
    with pytest.raises(ValueError, match="one-dimensional"):
        cut_steps(Z[-11:, 2:4], ks=[2])


def test_ward_heights_match_scipy_on_points_far_from_the_origin():
    # an offset of 1e8 leaves the distances intact only if the points are centred first
    from scipy.cluster.hierarchy import ward as scipy_ward

    X = np.random.default_rng(0).normal(size=(200, 5)) + 1e8
    ours, theirs = cluster.linkage(X, "ward")[:, 2], scipy_ward(X)[:, 2]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_an_absent_device_is_one_clear_value_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    with pytest.raises(ValueError, match="not available on this machine; it has: cpu"):
        cluster.linkage(np.zeros((4, 2)), "ward", device="cuda")


@pytest.mark.parametrize("X, match", [
    (np.array([[0.0, np.nan], [1.0, 2.0], [3.0, 4.0]]), "NaN"),
    (np.zeros((3, 2), dtype=bool), "numeric"),
    (np.zeros((3, 2), dtype=object), "numeric"),
    (np.zeros(3), "2-d"),
    (np.zeros((0, 2)), "empty"),
])
def test_the_torch_engine_validates_its_input_as_linkage_does(X, match):
    from caeward.ward_torch import ward_linkage_torch

    with pytest.raises(ValueError, match=match):
        ward_linkage_torch(X)
    with pytest.raises(ValueError, match=match):
        cluster.linkage(X, "ward")
