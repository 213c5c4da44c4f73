import math

import numpy as np
import pytest

from caeward.metrics import best_mapping, cluster_acc, contingency, evaluate, nmi, ari


def test_acc_hand_computed():
    # cluster 1 holds two 0s, cluster 0 holds one 0 and three 1s: best map 1->0, 0->1
    y_true = [0, 0, 0, 1, 1, 1]
    y_pred = [1, 1, 0, 0, 0, 0]
    assert cluster_acc(y_true, y_pred) == pytest.approx(5 / 6)
    assert best_mapping(y_true, y_pred) == {0: 1, 1: 0}


def test_acc_ignores_cluster_numbering():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 500)
    pred = np.where(rng.random(500) < 0.7, y, rng.integers(0, 10, 500))
    perm = rng.permutation(10)
    assert cluster_acc(y, perm[pred]) == cluster_acc(y, pred)
    assert nmi(y, perm[pred]) == pytest.approx(nmi(y, pred))
    assert ari(y, perm[pred]) == pytest.approx(ari(y, pred))


def test_acc_more_clusters_than_classes():
    # four singleton clusters, two classes: only two clusters can be matched
    assert cluster_acc([0, 0, 1, 1], [0, 1, 2, 3]) == 0.5
    assert cluster_acc([0, 0, 0, 1, 1], [0, 0, 2, 1, 1]) == pytest.approx(4 / 5)


def test_acc_fewer_clusters_than_classes():
    assert cluster_acc([0, 0, 1, 1, 2, 2], [0, 0, 0, 0, 0, 0]) == pytest.approx(1 / 3)
    assert cluster_acc([0, 0, 1, 1, 2, 2], [5, 5, 7, 7, 7, 7]) == pytest.approx(4 / 6)


def test_acc_not_plain_agreement():
    # the labels never agree literally, yet the clustering is perfect
    assert cluster_acc([0, 1, 2], [2, 0, 1]) == 1.0


def test_nmi_hand_computed():
    assert nmi([0, 0, 1, 1], [0, 0, 1, 1]) == pytest.approx(1.0)
    assert nmi([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(0.0, abs=1e-12)
    # H(Y) = ln 2, H(C) = ln 4, MI = ln 2
    assert nmi([0, 0, 1, 1], [0, 1, 2, 3]) == pytest.approx(2 / 3)
    assert nmi([0, 0, 1, 1], [0, 1, 2, 3], "geometric") == pytest.approx(1 / math.sqrt(2))
    assert nmi([0, 0, 1, 1], [0, 1, 2, 3], "max") == pytest.approx(1 / 2)


def test_contingency_counts():
    table, clusters, classes = contingency([0, 0, 1, 2], [9, 9, 9, 4])
    assert clusters.tolist() == [4, 9] and classes.tolist() == [0, 1, 2]
    assert table.tolist() == [[0, 0, 1], [2, 1, 0]]


def test_evaluate_keys():
    out = evaluate([0, 1, 1], [1, 0, 0])
    assert out["acc"] == 1.0 and out["ari"] == pytest.approx(1.0)
    assert set(out) == {"acc", "nmi", "nmi_geometric", "ari"}


def test_whole_valued_float_labels_are_accepted():
    assert cluster_acc(np.array([0.0, 1.0]), [1, 0]) == 1.0


@pytest.mark.parametrize("fn", [cluster_acc, nmi, ari])
@pytest.mark.parametrize("y_true, y_pred, match", [
    ([0, 1, 2], [0, 1], "differ in length"),
    ([], [], "empty"),
    ([0.5, 1.0], [0, 1], "integer labels"),
    (["a", "b"], [0, 1], "integer labels"),
    ([[0, 1]], [[0, 1]], "1-d"),
])
def test_bad_input(fn, y_true, y_pred, match):
    with pytest.raises(ValueError, match=match):
        fn(y_true, y_pred)


def test_bad_nmi_average():
    with pytest.raises(ValueError, match="average"):
        nmi([0, 1], [0, 1], average="harmonic")


def test_rename_clusters_and_largest_confusions_hand_computed():
    from caeward.metrics import largest_confusions, rename_clusters
    # cluster 7 is mostly class 0, cluster 3 mostly class 1, cluster 5 mostly class 2;
    # two 2s fall in the 1s' cluster, one 1 in the 0s' cluster
    y_true = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    y_pred = np.array([7, 7, 7, 7, 3, 3, 3, 3, 3, 5, 5, 5])
    np.testing.assert_array_equal(rename_clusters(y_true, y_pred), [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2])
    assert largest_confusions(y_true, y_pred) == [(2, 1, 2), (1, 0, 1)]
    assert largest_confusions(y_true, y_pred, top=1) == [(2, 1, 2)]
    # a surplus cluster maps to no class: -1, and its samples are not counted as confusions
    y_pred_extra = np.array([7, 7, 7, 7, 3, 3, 3, 3, 3, 5, 5, 9])
    assert rename_clusters(y_true, y_pred_extra)[-1] == -1
    assert largest_confusions(y_true, y_pred_extra) == [(2, 1, 2), (1, 0, 1)]
    assert largest_confusions(y_true, y_true) == []
    with pytest.raises(ValueError, match="top"):
        largest_confusions(y_true, y_pred, top=0)
