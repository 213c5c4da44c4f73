"""The label-free choice of k (caeward.number_of_clusters), on small synthetic data."""
import numpy as np
import pytest

from caeward import cluster
from caeward import number_of_clusters
from caeward.number_of_clusters import CRITERIA, RULE, RULE_SPACE, KChoice, choose_k, pick_k


def _groups(sizes, d=6, spread=12.0, seed=0):
    """Gaussian groups of unit variance whose centres are ``spread`` apart on average."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=spread, size=(len(sizes), d))
    X = np.concatenate([c + rng.normal(size=(n, d)) for c, n in zip(centres, sizes)])
    return X, np.repeat(np.arange(len(sizes)), sizes)


def test_the_k_rules_live_in_one_module_and_cluster_reexports_none():
    # cluster is the engine, number_of_clusters the rules: no re-export, so no cycle
    for name in ("choose_k", "cut_steps", "largest_gap_k"):
        assert hasattr(number_of_clusters, name) and not hasattr(cluster, name)


def test_the_frozen_rule():
    assert (RULE, RULE_SPACE, number_of_clusters.THRESHOLD) == ("prediction_strength", "umap", 0.8)


def test_default_rule_on_groups_and_on_noise():
    """The default (prediction strength on the UMAP embedding): four groups of sizes
    10:1 give 4; uniform noise in a cube, which has no groups, gives 1 (no k >= 2
    reaches the threshold). On other draws of noise the UMAP step can make one cut just
    reach it (chapter 7 counts how often); on the raw points, see the test below."""
    X, _ = _groups([300, 300, 30, 30], seed=4)
    found = choose_k(X, k_max=8, criteria=(), random_state=0)
    assert (found.k, found.space, found.rule) == (4, "umap", "prediction_strength")
    noise = choose_k(np.random.default_rng(0).uniform(size=(800, 5)), k_max=8, criteria=(),
                     random_state=0)
    assert noise.k == 1 and np.all(noise.scores[RULE] < noise.settings["threshold"])


def test_umap_space_embeds_the_subsample(monkeypatch):
    """space="umap" computes every criterion on caeward.manifold.umap_embed's output."""
    import caeward.manifold

    seen = []

    def fake_embed(points, seed):
        seen.append(points.shape)
        return points[:, :2]  # only the first two features hold the groups

    rng = np.random.default_rng(7)
    centres = np.array([[0.0, 0.0], [30.0, 0.0], [0.0, 30.0]])
    X = np.concatenate([np.repeat(centres, 100, axis=0) + rng.normal(size=(300, 2)),
                        rng.normal(scale=100.0, size=(300, 2))], axis=1)  # noise elsewhere
    monkeypatch.setattr(caeward.manifold, "umap_embed", fake_embed)
    found = choose_k(X, k_max=6, space="umap", criteria=("silhouette",), max_points=250,
                     random_state=0)
    assert seen == [(250, 4)] and found.space == "umap" and found.n_used == 250
    assert found.choices["silhouette"] == 3 and "umap" in found.seconds


@pytest.mark.parametrize("n_groups", [3, 5, 8])
def test_prediction_strength_finds_well_separated_groups(n_groups):
    X, _ = _groups([150] * n_groups, seed=n_groups)
    found = choose_k(X, k_max=12, space="raw", criteria=(), random_state=0)
    assert isinstance(found, KChoice)
    assert found.k == n_groups
    assert found.rule == RULE and found.choices[RULE] == n_groups
    assert found.ks.tolist() == list(range(2, 13)) and found.scores[RULE].shape == (11,)


def test_prediction_strength_finds_unequal_groups():
    X, _ = _groups([500, 500, 50, 50], seed=4)  # sizes 10:1
    assert choose_k(X, k_max=10, space="raw", criteria=(), random_state=0).k == 4


def test_prediction_strength_answers_one_on_noise():
    """Uniform noise in a cube has no groups: no k >= 2 is supported, the answer is 1."""
    X = np.random.default_rng(0).uniform(size=(800, 5))
    found = choose_k(X, k_max=10, space="raw", criteria=(), random_state=0)
    assert found.k == 1
    assert np.all(found.scores[RULE] < found.settings["threshold"])


def test_every_criterion_on_clear_groups():
    """On five far-apart groups every criterion but the largest gap points at 5; the
    evidence has one score per candidate (the gap statistic one more: k_max + 1)."""
    X, _ = _groups([120] * 5, spread=15.0, seed=1)
    found = choose_k(X, k_max=9, space="raw", random_state=0)
    assert set(found.scores) == set(CRITERIA)
    for name in CRITERIA:
        assert len(found.scores[name]) == 8 + (name == "gap_statistic"), name
        if name != "gap":
            assert found.choices[name] == 5, (name, found.choices)
    json_ready = found.as_dict()
    assert json_ready["k"] == found.k and json_ready["choices"] == found.choices


def test_subsamples_large_inputs():
    X, _ = _groups([400] * 3, seed=2)
    found = choose_k(X, k_max=6, space="raw", criteria=("gap",), max_points=300, random_state=0)
    assert found.n_points == 1200 and found.n_used == 300
    assert found.k == 3


def test_same_seed_same_answer():
    X, _ = _groups([100] * 4, seed=3)
    a = choose_k(X, k_max=8, space="raw", criteria=("stability",), random_state=5)
    b = choose_k(X, k_max=8, space="raw", criteria=("stability",), random_state=5)
    np.testing.assert_array_equal(a.scores["stability"], b.scores["stability"])


def test_pick_k_rules():
    ks = np.arange(2, 7)
    assert pick_k("silhouette", ks, [0.1, 0.5, 0.2, 0.3, 0.0]) == 3
    assert pick_k("davies_bouldin", ks, [2.0, 0.5, 0.4, 0.9, 1.0]) == 4
    assert pick_k("prediction_strength", ks, [0.9, 0.85, 0.3, 0.81, 0.2], threshold=0.8) == 5
    assert pick_k("prediction_strength", ks, [0.5] * 5, threshold=0.8) == 1
    # Tibshirani's rule: the smallest k with Gap(k) >= Gap(k + 1) - s(k + 1)
    gap, s = [0.1, 0.5, 0.9, 0.95, 0.96, 0.97], [0.02] * 6
    assert pick_k("gap_statistic", ks, gap, s) == 5
    # stability: the largest k within one sd of the most stable (ties go to the larger)
    assert pick_k("stability", ks, [1.0, 1.0, 1.0, 0.7, 0.6], [0, 0, 0, 0.1, 0.1]) == 4
    assert pick_k("stability", ks, [0.9, 0.7, 0.85, 0.5, 0.4], [0.06, 0.1, 0.1, 0.1, 0.1]) == 4


@pytest.mark.parametrize("bad", [dict(k_min=1), dict(k_min=5, k_max=4), dict(rule="nope"),
                                 dict(space="pca"), dict(criteria=("nope",))])
def test_refuses_bad_arguments(bad):
    X, _ = _groups([50] * 3)
    with pytest.raises(ValueError):
        choose_k(X, **{"space": "raw", **bad})


def test_refuses_too_few_points():
    with pytest.raises(ValueError, match="too few"):
        choose_k(np.random.default_rng(0).normal(size=(30, 2)), k_max=20)


def test_copies_of_one_point_are_one_cluster():
    # before: the largest candidate (every arbitrary split of copies 'predicts' perfectly)
    same = np.ones((60, 4))
    for space in ("raw", "umap"):
        found = choose_k(same, k_max=5, space=space, random_state=0)
        assert found.k == 1 and found.settings["n_distinct"] == 1


def test_no_more_clusters_than_distinct_points():
    X = np.repeat(np.eye(3) * 10.0, 20, axis=0)  # three distinct points, twenty copies each
    found = choose_k(X, k_max=6, space="raw", criteria=(), random_state=0)
    assert found.k == 3 and found.settings["n_distinct"] == 3


def test_the_folder_rule_guesses_with_its_margin():
    from caeward.number_of_clusters import choose_k_with_margin

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, 5)) * 20
    blobs = np.concatenate([c + rng.normal(size=(100, 5)) for c in centres])
    found = choose_k_with_margin(blobs, k_max=8, random_state=0)
    assert found.k == 4 and found.plausible[0] <= 4 <= found.plausible[1]
    # its span and its verdict are those of its three choices
    assert found.plausible == (min(found.choices.values()), max(found.choices.values()))
    assert found.decided == (len(set(found.choices.values())) == 1)
    assert found.rule == "agreement" and found.as_dict()["plausible"] == list(found.plausible)
    # noise: prediction strength supports no k in either space, so the guess is one cluster
    noise = choose_k_with_margin(rng.uniform(size=(800, 5)), k_max=8, random_state=0)
    assert noise.k == 1 and noise.choices["raw prediction_strength"] == 1
    same = choose_k_with_margin(np.ones((60, 4)), k_max=5, random_state=0)
    assert same.k == 1 and same.decided and same.plausible == (1, 1)
