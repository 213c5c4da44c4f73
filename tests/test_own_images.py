"""Chapter 8's digits: scikit-learn's 8x8 digits upscaled to 16x16, and their runs,
stored once per budget and reused while their settings stay the same."""

import numpy as np
import pytest
from scipy.cluster import hierarchy
from sklearn.datasets import load_digits

from caeward import metrics
from caeward.experiments import own_images
from caeward.experiments.artefacts import Artefact, read_sealed
from caeward.experiments.settings import budget_named


class FakeCAEWard:
    """Stands in for the estimator (whose training is tested elsewhere): records how it
    was made and labels image i with cluster i mod 10."""

    made = []

    def __init__(self, n_clusters, **settings):
        self.made.append({"n_clusters": n_clusters, **settings})

    def fit(self, images):
        assert images.shape[1:] == (16, 16)
        self.labels_ = np.arange(len(images)) % 10
        return self


class NoCAEWard:
    def __init__(self, *args, **kwargs):
        raise AssertionError("stored runs were computed again")


@pytest.fixture
def fake(monkeypatch, tmp_path):
    monkeypatch.setenv("CAEWARD_RESULTS", str(tmp_path))
    FakeCAEWard.made = []
    monkeypatch.setattr(own_images, "CAEWard", FakeCAEWard)
    return FakeCAEWard


def test_digits_are_upscaled_2x2_and_divided_by_16():
    images, labels = own_images.load_digits16("full")
    digits = load_digits()
    assert images.shape == (1797, 16, 16) and images.dtype == np.float32
    assert labels.dtype == np.int64 and np.array_equal(labels, digits.target)
    # every 2x2 block is one pixel of the 8x8 image, over 16
    for dy in (0, 1):
        for dx in (0, 1):
            assert np.allclose(images[:, dy::2, dx::2], digits.images / 16)
    assert images.min() == 0 and images.max() == 1


def test_the_quick_budget_keeps_a_fixed_subset_of_500_in_order():
    full, full_labels = own_images.load_digits16("full")
    images, labels = own_images.load_digits16("quick")
    again, _ = own_images.load_digits16(budget_named("quick"))
    assert images.shape == (500, 16, 16) and np.array_equal(images, again)
    # a subset of the full set, in the full set's order
    flat = {full[i].tobytes(): i for i in range(len(full))}
    where = [flat[image.tobytes()] for image in images]
    assert where == sorted(where) and len(set(where)) == 500
    assert np.array_equal(labels, full_labels[where])


def test_caeward_settings_train_50_epochs_at_full_budget_and_the_quick_budgets_own():
    full, quick = own_images.caeward_settings("full"), own_images.caeward_settings("quick")
    assert full == {"architecture": "proposed", "epochs": own_images.FULL_EPOCHS, "batch_size": 256,
                    "lr": 1e-3, "linkage": "ward"}
    assert own_images.FULL_EPOCHS == 50
    assert quick == {**full, "epochs": budget_named("quick").cae_epochs}


def test_digits_runs_computes_every_method_and_seed_stores_it_and_reuses_it(fake, monkeypatch):
    path = own_images.digits_runs_path("quick")
    assert path == own_images.results_root() / "own-images" / "digits16-quick.json"
    assert not path.exists()
    found = own_images.digits_runs("quick", device="cpu")

    images, labels = own_images.load_digits16("quick")
    seeds = own_images.SEEDS["quick"]
    assert [(r["method"], r["seed"]) for r in found["rows"]] == [("Ward on pixels", None)] + [
        (method, seed) for seed in seeds
        for method in ("k-means on pixels", "CAEWard (proposed CAE + Ward)")]
    # the estimator is made as the settings say, once per seed, and its labels are scored
    assert fake.made == [{"n_clusters": 10, **own_images.caeward_settings("quick"), "device": "cpu",
                          "random_state": seed} for seed in seeds]
    fake_labels = np.arange(len(images)) % 10
    for r in found["rows"][2::2]:
        assert r["acc"] == pytest.approx(metrics.cluster_acc(labels, fake_labels))
        assert r["nmi"] == pytest.approx(metrics.nmi(labels, fake_labels))
    # Ward on the pixels, cut at ten, as SciPy computes it
    ward = hierarchy.fcluster(hierarchy.ward(images.reshape(len(images), -1).astype(np.float64)),
                              10, criterion="maxclust")
    assert found["rows"][0]["acc"] == pytest.approx(metrics.cluster_acc(labels, ward))
    assert all(0 <= r["acc"] <= 1 and 0 <= r["nmi"] <= 1 and r["seconds"] >= 0 for r in found["rows"])
    assert found["config"]["n_images"] == 500 and {r["device"] for r in found["rows"]} == {"cpu"}
    assert found["config"]["seeds"] == seeds and found["config"]["kmeans"] == {"n_init": 4}
    assert read_sealed(path) == found and found["complete"]

    monkeypatch.setattr(own_images, "CAEWard", NoCAEWard)
    assert own_images.digits_runs("quick") == found  # stored: not computed again


def test_digits_runs_made_with_other_settings_are_computed_again(fake):
    path = own_images.digits_runs_path("quick")
    path.parent.mkdir(parents=True)
    quick = budget_named("quick")
    stale = Artefact(path, {**own_images._config(quick, 500), "seeds": [7]}, "stale")
    stale.add({"method": "Ward on pixels", "seed": None, "acc": 0.0, "nmi": 0.0, "seconds": 0.0})
    found = own_images.digits_runs("quick", device="cpu")
    assert [m["random_state"] for m in fake.made] == own_images.SEEDS["quick"]
    assert len(found["rows"]) == 1 + 2 * len(own_images.SEEDS["quick"])
    assert read_sealed(path)["config"]["seeds"] == own_images.SEEDS["quick"]


def test_the_committed_full_runs_are_the_ones_the_full_budget_asks_for(monkeypatch):
    # conftest's copy of results/: the book's stored runs must be found, not recomputed
    monkeypatch.setattr(own_images, "CAEWard", NoCAEWard)
    found = own_images.digits_runs("full")
    assert found["config"]["seeds"] == own_images.SEEDS["full"] == [0, 1, 2]
    assert found["config"]["caeward"] == own_images.caeward_settings("full")
    assert found["config"]["n_images"] == 1797
    assert len(found["rows"]) == 1 + 2 * 3
