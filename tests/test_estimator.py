import numpy as np
import pytest
from scipy.cluster.hierarchy import is_valid_linkage

from caeward import CAEWard, cluster
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


def test_accepts_other_layouts_and_scales(shapes):
    images, _ = shapes
    base = CAEWard(n_clusters=3, architecture="cae", epochs=1, random_state=0)
    a = base.fit_predict(images)
    b = CAEWard(**base.get_params()).fit_predict(images[:, None] * 1000.0 - 7.0)  # (n,1,h,w), any scale
    assert np.array_equal(a, b)  # min-max scaling maps it back to the same [0, 1] images
    c = CAEWard(**base.get_params()).fit_predict((images * 255).round().astype(np.uint8))
    assert c.shape == a.shape


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


@pytest.mark.parametrize("X, kwargs, match", [
    (np.full((10, 16, 16), np.nan), {}, "NaN"),
    (np.zeros((10, 16)), {}, "shape"),
    (np.zeros((10, 3, 16, 16)), {}, "single-channel"),
    (np.zeros((10, 16, 12)), {}, "square"),
    (np.zeros((5, 16, 16)), {"n_clusters": 6}, "at least n_clusters"),
    (np.zeros((10, 16, 16)), {"n_clusters": 0}, "positive integer"),
    (np.zeros((10, 16, 16)), {"architecture": "resnet"}, "architecture"),
    (np.zeros((10, 18, 18)), {}, "multiple of"),
    (np.zeros((30, 16, 16)), {"manifold": "tsne"}, "manifold must be"),
    (np.zeros((15, 16, 16)), {"manifold": "umap"}, "more than 21 samples"),
])
def test_bad_input(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        CAEWard(epochs=1, **kwargs).fit(X)
