import random

import numpy as np
import pytest
import torch
from scipy.cluster.hierarchy import is_valid_linkage
from sklearn.cluster import AgglomerativeClustering
from sklearn.utils.estimator_checks import parametrize_with_checks

from caeward import CAEWard, cluster
from caeward import estimator as estimator_module
from caeward.cluster import cut_linkage
from caeward.manifold import UMAPSettings, umap_embed
from caeward.metrics import cluster_acc


def _shapes(n_per=40, size=16, seed=0):
    """Three kinds of noisy synthetic 16x16 images: horizontal bars, vertical bars,
    squares, each of random length or size."""
    rng = np.random.default_rng(seed)
    imgs = np.zeros((3 * n_per, size, size), np.float32)
    for i in range(n_per):
        r = c = 6
        length = rng.integers(8, 15)
        imgs[i, r:r + 3, 1:1 + length] = 1.0
        imgs[n_per + i, 1:1 + length, c:c + 3] = 1.0
        side = rng.integers(3, 7)
        imgs[2 * n_per + i, r:r + side, c:c + side] = 1.0
    imgs += rng.normal(scale=0.1, size=imgs.shape).astype(np.float32)
    return np.clip(imgs, 0, 1), np.repeat([0, 1, 2], n_per)


@pytest.fixture(scope="module")
def shapes():
    return _shapes()


@pytest.fixture(scope="module")
def fitted(shapes):
    images, _ = shapes
    return CAEWard(n_clusters=3, architecture="cae", code_dim=4, epochs=40, batch_size=32,
                   random_state=0).fit(images)


def test_fit_finds_the_shapes(fitted, shapes):
    _, truth = shapes
    assert cluster_acc(truth, fitted.labels_) >= 0.8  # chance is about 1/3
    assert fitted.embedding_.shape == (len(truth), 4)
    assert is_valid_linkage(fitted.linkage_)
    assert np.array_equal(cut_linkage(fitted.linkage_, 3), fitted.labels_)
    assert fitted.loss_curve_[-1] < fitted.loss_curve_[0]


def test_repeatable_and_fit_predict(shapes, fitted):
    images, _ = shapes
    again = CAEWard(n_clusters=3, architecture="cae", code_dim=4, epochs=40, batch_size=32,
                    random_state=0).fit_predict(images)
    assert np.array_equal(again, fitted.labels_)


def test_accepts_other_layouts_and_explicit_scaling(shapes):
    images, _ = shapes
    images = (images - images.min()) / (images.max() - images.min())  # exactly [0, 1]
    base = CAEWard(n_clusters=3, architecture="cae", epochs=1, random_state=0)
    a = base.fit_predict(images)
    flat = CAEWard(**base.get_params()).fit_predict(images.reshape(len(images), -1))  # (n, s*s)
    assert np.array_equal(a, flat)
    scaled = CAEWard(**base.get_params()).set_params(scaling="dataset")
    assert np.array_equal(a, scaled.fit_predict(images[:, None] * 1000.0 - 7.0))  # (n,1,h,w), asked to scale
    c = CAEWard(**base.get_params()).fit_predict((images * 255).round().astype(np.uint8))
    assert c.shape == a.shape


def test_nothing_is_rescaled_silently(shapes):
    images, _ = shapes
    bright = images.copy()
    bright[0, 0, 0] = 1000.0  # one hot pixel would have dimmed every other image to <= 0.001
    with pytest.raises(ValueError, match="scaling='dataset'"):
        CAEWard(epochs=1).fit(bright)
    dim = (images * 127).astype(np.float32)
    with pytest.raises(ValueError, match="not \\[0, 1\\]"):
        CAEWard(epochs=1).fit(dim)
    per_image = CAEWard(epochs=1, scaling="image")._images(dim, fitting=True)
    assert np.allclose(per_image.max(axis=(1, 2)), 1.0) and np.allclose(per_image.min(axis=(1, 2)), 0.0)


def test_manifold_umap_clusters_the_embedding_of_the_same_codes(shapes, fitted):
    images, truth = shapes
    model = CAEWard(n_clusters=3, architecture="cae", code_dim=4, epochs=40, batch_size=32,
                    random_state=0, manifold="umap").fit(images)
    assert fitted.manifold_embedding_ is None
    assert np.array_equal(model.embedding_, fitted.embedding_)  # the step comes after the same training
    # N2D's settings with one component per cluster, seeded by random_state
    assert np.array_equal(model.manifold_embedding_, umap_embed(model.embedding_, 0, UMAPSettings(n_components=3)))
    assert np.allclose(model.linkage_, cluster.linkage(model.manifold_embedding_, "ward"))
    assert np.array_equal(cut_linkage(model.linkage_, 3), model.labels_)
    assert cluster_acc(truth, model.labels_) > 0.5  # chance is about 1/3; 120 toy images are not UMAP's strength


def test_params_api():
    est = CAEWard(n_clusters=4)
    assert est.get_params()["n_clusters"] == 4
    assert est.set_params(n_clusters=7, linkage="average") is est and est.n_clusters == 7


@pytest.fixture
def no_training(monkeypatch):
    """Bad input must be refused before any training starts."""
    def refuse(*args, **kwargs):
        raise AssertionError("trained before the input was checked")
    monkeypatch.setattr(estimator_module, "pretrain", refuse)


@pytest.mark.parametrize("X, kwargs, match", [
    (np.full((10, 16, 16), np.nan), {}, "NaN"),
    (np.zeros((10, 15)), {}, "not a square number"),
    (np.zeros((10, 3, 16, 16)), {}, "single-channel"),
    (np.zeros((10, 16, 12)), {}, "square"),
    (np.zeros((5, 16, 16)), {"n_clusters": 6}, "at least n_clusters"),
    (np.zeros((10, 16, 16)), {"n_clusters": 0}, "n_clusters"),
    (np.zeros((10, 16, 16)), {"n_clusters": True}, "n_clusters"),
    (np.zeros((10, 16, 16)), {"code_dim": 0}, "code_dim"),
    (np.zeros((10, 16, 16)), {"batch_size": -5}, "batch_size"),
    (np.zeros((10, 16, 16)), {"epochs": 0}, "epochs"),
    (np.zeros((10, 16, 16)), {"lr": 0.0}, "lr"),
    (np.zeros((10, 16, 16)), {"random_state": -1}, "random_state"),
    (np.zeros((10, 16, 16)), {"random_state": "seed"}, "random_state"),
    (np.zeros((10, 16, 16)), {"architecture": "resnet"}, "architecture"),
    (np.zeros((10, 16, 16)), {"architecture": "dcec"}, "architecture"),
    (np.zeros((10, 16, 16)), {"scaling": "minmax"}, "scaling"),
    (np.zeros((10, 18, 18)), {}, "multiple of"),
    (np.zeros((30, 16, 16)), {"manifold": "tsne"}, "manifold"),
    (np.zeros((15, 16, 16)), {"manifold": "umap"}, "more than 21 samples"),
    (np.zeros((10, 16, 16)), {"device": "cuda:7"}, "not available on this machine; it has: cpu"),
    (np.zeros((10, 16, 16)), {"n_clusters": None}, "exactly one of n_clusters and distance_threshold"),
    (np.zeros((10, 16, 16)), {"distance_threshold": 1.0}, "exactly one of"),
    (np.zeros((10, 16, 16)) + 1j, {}, "Complex data not supported"),
    (np.zeros((10, 0, 0)), {}, "0×0|0 feature"),
    (np.zeros((1, 16, 16)), {"n_clusters": 1}, "minimum of 2"),
])
def test_bad_input_is_refused_before_training(no_training, X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        CAEWard(**{"epochs": 1, **kwargs}).fit(X)


def test_divergence_names_the_epoch_and_a_lower_lr(shapes):
    images, _ = shapes
    with pytest.raises(ValueError, match=r"diverged at epoch \d+.*lower the learning rate \(lr=1e\+06"):
        CAEWard(n_clusters=3, architecture="cae", epochs=3, lr=1e6, random_state=0).fit(images)


def test_fit_leaves_the_global_generators_and_flags_as_it_found_them(shapes):
    images, _ = shapes
    random.seed(123)
    np.random.seed(123)
    torch.manual_seed(123)
    torch.backends.cudnn.benchmark = True
    before = (random.random(), np.random.random(), torch.rand(1).item())
    random.seed(123)
    np.random.seed(123)
    torch.manual_seed(123)
    CAEWard(n_clusters=3, architecture="cae", epochs=1, random_state=5).fit(images)
    assert (random.random(), np.random.random(), torch.rand(1).item()) == before
    assert torch.backends.cudnn.benchmark is True
    torch.backends.cudnn.benchmark = False


def test_a_random_state_instance_gives_a_seed(shapes, fitted):
    images, _ = shapes
    rs = np.random.RandomState(0)
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)
    a = CAEWard(n_clusters=3, architecture="cae", code_dim=4, epochs=2, batch_size=32, random_state=rs).fit(images)
    b = CAEWard(n_clusters=3, architecture="cae", code_dim=4, epochs=2, batch_size=32, random_state=seed).fit(images)
    assert np.array_equal(a.embedding_, b.embedding_)


def test_distance_threshold_cuts_as_agglomerative_clustering_does(shapes):
    images, _ = shapes
    # a short training: what is checked is the cut of one tree, whatever its quality
    fitted = CAEWard(n_clusters=3, architecture="cae", code_dim=4, epochs=3, batch_size=32,
                     random_state=0).fit(images)
    params = {**fitted.get_params(), "n_clusters": None}
    heights = fitted.linkage_[:, 2]
    threshold = float((heights[-3] + heights[-2]) / 2)  # between the merges that make 3 and 2 clusters
    model = CAEWard(**{**params, "distance_threshold": threshold}).fit(images)
    assert np.array_equal(model.embedding_, fitted.embedding_)  # the same training, so the same tree
    assert model.n_clusters_ == 3 and np.array_equal(model.labels_, fitted.labels_)
    five = float((heights[-5] + heights[-4]) / 2)  # and between those that make 5 and 4
    assert CAEWard(**{**params, "distance_threshold": five}).fit(images).n_clusters_ == 5
    sklearn = AgglomerativeClustering(n_clusters=None, distance_threshold=threshold).fit(fitted.embedding_)
    assert sklearn.n_clusters_ == model.n_clusters_
    assert cluster_acc(sklearn.labels_, model.labels_) == 1.0  # the same partition, up to names


def test_transform_scales_new_images_by_the_training_range(shapes):
    images, _ = shapes
    model = CAEWard(n_clusters=3, architecture="cae", epochs=1, scaling="dataset", random_state=0)
    model.fit(images * 40.0 + 3.0)
    assert np.allclose(model.transform(images[:5] * 40.0 + 3.0), model.embedding_[:5])


def test_a_failed_fit_leaves_no_fitted_attribute(shapes):
    images, _ = shapes
    model = CAEWard(n_clusters=3, architecture="cae", epochs=2, lr=1e6, random_state=0)
    with pytest.raises(ValueError, match="diverged"):
        model.fit(images)
    assert not hasattr(model, "autoencoder_") and not hasattr(model, "labels_")


def test_transform_embeds_new_images_with_the_fitted_autoencoder(fitted, shapes):
    images, _ = shapes
    assert np.array_equal(fitted.transform(images), fitted.embedding_)
    assert fitted.transform(images[:5]).shape == (5, 4)
    with pytest.raises(ValueError, match="fitted on 16×16"):
        fitted.transform(np.zeros((3, 20, 20), np.float32))
    assert fitted.n_features_in_ == 256 and fitted.n_clusters_ == 3
    assert fitted.predict(images[:5]).shape == (5,)  # the nearest training code's cluster


def test_the_device_reaches_the_linkage(shapes, monkeypatch):
    images, _ = shapes
    seen = {}
    real = cluster.linkage

    def spy(points, method="ward", **kwargs):
        seen.update(kwargs)
        return real(points, method, **kwargs)
    monkeypatch.setattr(cluster, "linkage", spy)
    CAEWard(n_clusters=3, architecture="cae", epochs=1, device="cpu", random_state=0).fit(images)
    assert seen["device"] == "cpu"


def test_tags_say_images_in_all_three_layouts():
    tags = CAEWard().__sklearn_tags__()
    assert tags.input_tags.two_d_array and tags.input_tags.three_d_array and not tags.input_tags.sparse
    assert not tags.input_tags.allow_nan


# scikit-learn's own checks. Its generic data sets are tables with 2, 3 or 5 columns
# and values beyond [0, 1]; the checks that fit on them cannot apply to an estimator
# of square images, and say so below. Every other check must pass.
_TABLES = "fits on a table whose column count is not a square number: not a set of square images"
_RANGE = "fits on values outside [0, 1] (and 1-pixel or 2x2 images): refused instead of rescaled silently"
EXPECTED_FAILURES = {name: _TABLES for name in [
    "check_fit_score_takes_y", "check_estimators_overwrite_params", "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self", "check_readonly_memmap_input", "check_estimators_dtypes",
    "check_dtype_object", "check_pipeline_consistency", "check_estimators_nan_inf", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_transformer_data_not_an_array", "check_transformer_general",
    "check_transformer_preserve_dtypes", "check_clustering", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_dict_unchanged", "check_fit_idempotent",
    "check_fit_check_is_fitted", "check_n_features_in", "check_fit2d_predict1d"]}
EXPECTED_FAILURES.update({"check_n_features_in_after_fitting": _RANGE, "check_fit2d_1feature": _RANGE})


@parametrize_with_checks([CAEWard(n_clusters=3, code_dim=2, epochs=1, batch_size=64, random_state=0)],
                         expected_failed_checks=lambda estimator: EXPECTED_FAILURES, xfail_strict=True)
def test_scikit_learn_checks(estimator, check):
    check(estimator)
