"""The recipes, the "auto" policy and the folder guide's bookkeeping (chapter 8)."""

import numpy as np
import pandas as pd
import pytest

from caeward import cluster
from caeward import recipes
from caeward.experiments.folder_guide import best_by_size, guide_table, policy_check, subset, unequal_sizes
from caeward.recipes import DEFAULT_RECIPE, RECIPES, RENAMED, run_recipe


def _images(n=60, side=16, seed=0):
    rng = np.random.default_rng(seed)
    images = np.zeros((n, side, side), np.float32)
    for i in range(n):  # three kinds: a bar across, a bar down, a block
        kind = i % 3
        if kind == 0:
            images[i, 7:9, 2:14] = 1
        elif kind == 1:
            images[i, 2:14, 7:9] = 1
        else:
            images[i, 5:11, 5:11] = 1
    return np.clip(images + rng.normal(scale=0.05, size=images.shape), 0, 1).astype(np.float32)


def test_ward_on_pixels_is_the_linkage_of_the_flattened_images():
    images = _images()
    found = run_recipe(images, "pixels-ward", n_clusters=3)
    Z = cluster.linkage(images.reshape(len(images), -1), "ward")
    np.testing.assert_array_equal(found.labels, cluster.cut_linkage(Z, 3))
    np.testing.assert_allclose(found.linkage, Z)
    assert found.n_clusters == 3 and found.seconds["total"] >= found.seconds["cluster"]


def test_kmeans_has_no_tree_to_cut_at_a_distance():
    with pytest.raises(ValueError, match="no tree"):
        run_recipe(_images(), "pixels-kmeans", n_clusters=None, distance_threshold=1.0)
    assert run_recipe(_images(), "pixels-kmeans", n_clusters=3).linkage is None


@pytest.mark.parametrize("kwargs, match", [({"recipe": "dbscan"}, "unknown recipe"),
                                           ({"n_clusters": "many"}, "auto"),
                                           ({"n_clusters": None}, "exactly one")])
def test_bad_recipes_are_refused_before_any_work(kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_recipe(_images(), **kwargs)


def test_the_default_is_the_policy_and_it_picks_a_recipe():
    assert DEFAULT_RECIPE == "auto"
    for n in (2, 200, 1000, 10_000, 10**6):
        assert recipes.choose_recipe(n) in RECIPES
    limits = [limit for limit, _ in recipes.POLICY]
    assert limits == sorted(limits) and limits[-1] == float("inf")


@pytest.mark.parametrize("old", sorted(RENAMED))
def test_old_recipe_names_are_refused_with_their_new_name(old):
    with pytest.raises(ValueError, match=f"now called '{RENAMED[old]}'"):
        run_recipe(_images(), old, n_clusters=3)
    assert RENAMED[old] in RECIPES


def test_every_recipe_name_is_representation_then_clustering():
    for name in RECIPES:
        representation, clustering = name.split("-", 1)
        assert representation in ("pixels", "hog", "proposed")
        assert clustering in ("kmeans", "ward", "umap-ward")


def test_the_step_budget_sets_the_epochs():
    assert recipes.epochs_for_steps(1000, 500, 64) == 32   # 16 steps an epoch
    assert recipes.epochs_for_steps(200, 500, 64) == 125   # 4 steps an epoch
    assert recipes.epochs_for_steps(100_000, 500, 64) == 1


def test_hog_features_separate_bars_across_from_bars_down():
    images = _images()
    features = recipes.hog_features(images)
    assert features.shape == (60, 50) and features.dtype == np.float32
    found = run_recipe(images, "hog-ward", n_clusters=3)
    assert len(set(zip(found.labels, np.arange(60) % 3))) == 3  # each kind its own cluster


@pytest.mark.parametrize("recipe, n, match", [
    ("pixels-umap-ward", 21, "more than 21 samples"),
    ("auto", 1, "nothing to cluster"),
    ("hog-umap-ward", 21, "more than 21 samples"),
    ("pixels-ward", 12, "n_clusters='auto' needs at least 22 images, got 12")])
def test_what_would_fail_later_is_refused_first(recipe, n, match, monkeypatch):
    monkeypatch.setattr(recipes.manifold, "umap_embed", lambda *a, **k: pytest.fail("embedded"))
    monkeypatch.setattr(recipes.cluster, "linkage", lambda *a, **k: pytest.fail("clustered"))
    k = "auto" if recipe == "pixels-ward" else 1 if n == 1 else 2
    with pytest.raises(ValueError, match=match):
        run_recipe(_images(n=n), recipe, n_clusters=k)


def test_auto_resolves_to_the_policy_recipe():
    found = run_recipe(_images(n=60), "auto", n_clusters=3, steps=2)
    assert found.recipe == recipes.choose_recipe(60)


def test_unequal_sizes_fall_ten_to_one():
    sizes = unequal_sizes(400)
    assert sizes[0] == 400 and sizes[-1] == 40 and sizes == sorted(sizes, reverse=True)


def test_a_folder_subset_is_fixed_by_its_seed():
    a, b = subset(1000, 200, 0), subset(1000, 200, 1)
    np.testing.assert_array_equal(a, subset(1000, 200, 0))
    assert len(a) == 200 and not np.array_equal(a, b) and np.all(np.diff(a) > 0)
    np.testing.assert_array_equal(subset(150, 200, 0), np.arange(150))


def _rows():
    rows = []
    for name, base, mine in (("a", 0.8, 0.9), ("b", 0.5, 0.45)):
        for seed in (0, 1):
            for recipe, acc in (("pixels-ward", base), ("pixels-kmeans", base - 0.1), ("hog-umap-ward", mine)):
                rows.append({"set": name, "size": 200, "seed": seed, "recipe": recipe, "acc": acc, "nmi": acc,
                             "wall_seconds": 1.0, "k": 10, "k_prediction_strength": 10, "k_silhouette": 3})
    return pd.DataFrame(rows)


def test_the_guide_table_and_the_policy_check_follow_the_numbers(monkeypatch):
    table = guide_table(_rows())
    assert set(table["runs"]) == {2} and table["ps_right"].max() == 2 and table["sil_right"].max() == 0
    ranked = best_by_size(table).set_index("recipe")
    assert ranked.loc["hog-umap-ward", "mean_acc"] == pytest.approx(67.5)
    assert ranked.loc["hog-umap-ward", "worst_margin"] == pytest.approx(-5.0)  # set b: 45 against 50
    monkeypatch.setattr(recipes, "POLICY", ((float("inf"), "pixels-ward"),))
    check = policy_check(table).iloc[0]
    assert check["policy"] == "pixels-ward" and check["best"] == "hog-umap-ward"  # 67.5 against 65
    assert check["worst_margin_to_pixels"] == pytest.approx(0.0)


def test_the_policy_is_derived_from_the_measurements():
    from caeward.experiments.folder_guide import derive_policy

    rows = []
    cheap = [r for r in RECIPES if not r.startswith("proposed-")]
    for size, best in ((200, "hog-ward"), (500, "hog-ward"), (2000, "pixels-ward")):
        for name in ("a", "b"):
            for recipe in cheap + ["proposed-ward"]:
                rows.append({"set": name, "size": size, "seed": 0, "recipe": recipe, "wall_seconds": 1.0,
                             "acc": 0.9 if recipe == best else 0.5})
    # a recipe measured on fewer seeds still competes, by the mean over its own seeds
    for recipe in cheap:
        rows.append({"set": "a", "size": 200, "seed": 1, "recipe": recipe, "wall_seconds": 1.0,
                     "acc": 0.9 if recipe == "hog-ward" else 0.5})
    # a size where a recipe that trains nothing is not yet measured does not count
    rows.append({"set": "a", "size": 5000, "seed": 0, "recipe": "pixels-kmeans", "wall_seconds": 1.0, "acc": 1.0})
    assert derive_policy(pd.DataFrame(rows)) == ((1000, "hog-ward"), (float("inf"), "pixels-ward"))


def test_the_library_policy_is_what_the_stored_guide_gives():
    from caeward.experiments.folder_guide import derive_policy, load_guide

    assert recipes.POLICY == derive_policy(load_guide("full"))
