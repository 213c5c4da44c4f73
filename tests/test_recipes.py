"""The five recipes and the guide's bookkeeping (chapter 8)."""

import numpy as np
import pandas as pd
import pytest

from caeward import cluster
from caeward.experiments.guide import guide_images, recommend, unequal_sizes
from caeward.recipes import DEFAULT_RECIPE, RECIPES, run_recipe


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
    found = run_recipe(images, "ward-pixels", n_clusters=3)
    Z = cluster.linkage(images.reshape(len(images), -1), "ward")
    np.testing.assert_array_equal(found.labels, cluster.cut_linkage(Z, 3))
    np.testing.assert_allclose(found.linkage, Z)
    assert found.n_clusters == 3 and found.seconds["total"] >= found.seconds["cluster"]


def test_kmeans_has_no_tree_to_cut_at_a_distance():
    with pytest.raises(ValueError, match="no tree"):
        run_recipe(_images(), "kmeans-pixels", n_clusters=None, distance_threshold=1.0)
    assert run_recipe(_images(), "kmeans-pixels", n_clusters=3).linkage is None


@pytest.mark.parametrize("kwargs, match", [({"recipe": "dbscan"}, "unknown recipe"),
                                           ({"n_clusters": "many"}, "auto"),
                                           ({"n_clusters": None}, "exactly one")])
def test_bad_recipes_are_refused_before_any_work(kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_recipe(_images(), **kwargs)


def test_the_default_recipe_is_one_of_the_recipes():
    assert DEFAULT_RECIPE in RECIPES and len(RECIPES) == 5


def test_unequal_sizes_fall_ten_to_one():
    sizes = unequal_sizes(400)
    assert sizes[0] == 400 and sizes[-1] == 40 and sizes == sorted(sizes, reverse=True)


def test_the_unequal_subset_has_those_class_sizes():
    _, labels = guide_images("mnist-test-unequal", "quick")
    assert np.bincount(labels).tolist() == unequal_sizes(100)


def test_the_advice_follows_the_numbers():
    table = pd.DataFrame({
        "set": ["a", "a", "a", "b", "b", "b"],
        "recipe": ["slow-best", "fast-near", "fast-poor"] * 2,
        "acc": [90.0, 87.0, 60.0, 80.0, 78.0, 70.0],
        "seconds": [100.0, 1.0, 0.5, 100.0, 1.0, 0.5],
    })
    advice = recommend(table)
    assert advice["unknown"] == "slow-best"   # highest mean ACC, 85
    assert advice["fast"] == "fast-near"      # quickest within 5 points (82.5)
    assert advice["no_training"] == "slow-best"  # none of these names trains a network
    assert advice["per_set"] == {"a": "slow-best", "b": "slow-best"}
