"""scikit-learn's fitting checks, shaped as images, with a real training of a few epochs.

scikit-learn's own suite (tests/test_estimator.py) fits on tables that are not
square images, so every check that trains is an expected failure there; these are
the same checks on small images, where ``CAEWard`` must pass them. Also the doctest
of its Examples section, and the attributes ``AgglomerativeClustering`` users read.
"""

import doctest
import pickle
import warnings

import numpy as np
import pytest
from scipy.cluster.hierarchy import is_valid_linkage
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from caeward import CAEWard
from caeward import estimator as estimator_module


def _digits(n=96):
    """scikit-learn's digits, upscaled to 16x16 and divided by 16: float64 in [0, 1]."""
    from sklearn.datasets import load_digits

    return np.kron(load_digits().images[:n], np.ones((2, 2))) / 16.0


def _model(**changes):
    return CAEWard(**{"n_clusters": 4, "architecture": "cae", "code_dim": 3, "epochs": 2,
                      "batch_size": 32, "device": "cpu", "random_state": 0, **changes})


@pytest.fixture(scope="module")
def images():
    return _digits()


@pytest.fixture(scope="module")
def fitted(images):
    return _model().fit(images)


def test_the_examples_section_runs_as_written():
    failed, attempted = doctest.testmod(estimator_module, optionflags=doctest.ELLIPSIS)[:2]
    assert attempted >= 5 and failed == 0


def test_the_tree_reads_as_agglomerative_clusterings(fitted, images):
    n = len(images)
    assert fitted.n_leaves_ == n
    assert fitted.children_.shape == (n - 1, 2) and fitted.children_.dtype == np.int64
    np.testing.assert_array_equal(fitted.children_, fitted.linkage_[:, :2])
    np.testing.assert_array_equal(fitted.distances_, fitted.linkage_[:, 2])
    assert np.all(np.diff(fitted.distances_) >= 0) and is_valid_linkage(fitted.linkage_)
    # every merge joins two nodes that exist already, and each node is merged once
    made = set(range(n))
    for i, (a, b) in enumerate(fitted.children_):
        assert a in made and b in made
        made -= {a, b}
        made.add(n + i)
    assert made == {2 * n - 2}


def test_fit_twice_gives_the_same_result(images):
    model = _model()
    first = model.fit(images).labels_.copy(), model.embedding_.copy()
    second = model.fit(images).labels_, model.embedding_
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


def test_transform_does_not_depend_on_sample_order_or_batches(fitted, images):
    order = np.random.default_rng(0).permutation(len(images))
    np.testing.assert_allclose(fitted.transform(images[order]), fitted.transform(images)[order], atol=1e-6)
    halves = np.concatenate([fitted.transform(images[:40]), fitted.transform(images[40:])])
    np.testing.assert_allclose(halves, fitted.transform(images), atol=1e-6)


def test_a_pickled_model_embeds_as_the_original(fitted, images):
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.labels_, fitted.labels_)
    np.testing.assert_array_equal(again.transform(images[:10]), fitted.transform(images[:10]))


def test_float32_float64_and_uint8_give_the_same_clusters(fitted, images):
    as32 = _model().fit(images.astype(np.float32))
    np.testing.assert_array_equal(as32.labels_, fitted.labels_)
    as8 = np.round(images * 255).astype(np.uint8)
    np.testing.assert_array_equal(_model().fit(as8).labels_, _model().fit(as8 / 255.0).labels_)
    assert fitted.transform(images[:3]).dtype == np.float32


def test_read_only_memmaps_fit_as_arrays(fitted, images, tmp_path):
    path = tmp_path / "images.npy"
    np.save(path, images)
    mapped = np.load(path, mmap_mode="r")
    assert not mapped.flags.writeable
    np.testing.assert_array_equal(_model().fit(mapped).labels_, fitted.labels_)


def test_in_a_pipeline_after_scaling(fitted, images):
    flat = np.round(images * 16).reshape(len(images), -1)  # the digits' own 0..16 values
    pipe = Pipeline([("scale", FunctionTransformer(lambda x: x / 16.0)), ("cluster", _model())])
    np.testing.assert_array_equal(pipe.fit_predict(flat), fitted.labels_)
    assert pipe.transform(flat[:2]).shape == (2, 3)


def test_clone_is_unfitted_and_fits_the_same(fitted, images):
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    with pytest.raises(NotFittedError):
        copy.transform(images[:2])
    np.testing.assert_array_equal(copy.fit(images).labels_, fitted.labels_)


@pytest.mark.parametrize("name", ["epochs", "batch_size", "code_dim", "n_clusters"])
def test_true_is_not_a_number_of_anything(name, images, monkeypatch):
    monkeypatch.setattr(estimator_module, "pretrain", lambda *a, **k: pytest.fail("trained"))
    with pytest.raises(ValueError, match=name):
        _model(**{name: True}).fit(images)


@pytest.mark.parametrize("side", [8, 10, 14])
def test_the_size_rule_is_the_one_the_docstring_states(side, monkeypatch):
    monkeypatch.setattr(estimator_module, "pretrain", lambda *a, **k: pytest.fail("trained"))
    with pytest.raises(ValueError, match="multiple of 4 and at least 12"):
        _model().fit(np.zeros((10, side, side)))
    assert "multiple of 4 and at least 12" in " ".join(CAEWard.__doc__.split())


def test_fewer_distinct_images_than_clusters_is_said(images):
    same = np.repeat(images[:1], 50, axis=0)
    with pytest.warns(ConvergenceWarning, match="1 distinct images, fewer than n_clusters=4"):
        _model(epochs=1).fit(same)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _model(epochs=1).fit(images)  # distinct images: no warning


def test_auto_chooses_k_from_the_data_and_says_how(images, monkeypatch):
    import caeward.cut as cut_module

    seen, real = {}, cut_module.choose_k_with_margin

    def choose(points, **kwargs):
        seen.update(kwargs, n=len(points))
        return real(points, **kwargs)
    monkeypatch.setattr(cut_module, "choose_k_with_margin", choose)
    model = _model(n_clusters="auto").fit(images)
    assert model.n_clusters_ == model.k_choice_.k == len(np.unique(model.labels_))
    assert model.k_choice_.plausible[0] <= model.k_choice_.k <= model.k_choice_.plausible[1] or \
        model.k_choice_.k == 1
    assert seen["n"] == len(images) and seen["k_max"] == 20 and seen["random_state"] == 0
    assert cut_module.auto_k_max(30) == 14  # choose_k needs 2 (k + 1) points
    # the true minimum: choose_k embeds the points with UMAP's 20 neighbours first
    assert cut_module.auto_min_samples() == 22 and cut_module.auto_min_samples("raw") == 6
    monkeypatch.setattr(estimator_module, "pretrain", lambda *a, **k: pytest.fail("trained"))
    with pytest.raises(ValueError, match="at least 22 images, got 21"):
        _model(n_clusters="auto").fit(images[:21])
    with pytest.raises(ValueError, match="n_clusters"):
        _model(n_clusters="many").fit(images)


def test_predict_gives_training_images_their_own_clusters(fitted, images):
    np.testing.assert_array_equal(fitted.predict(images), fitted.labels_)
    shifted = np.roll(images[:5], 1, axis=-1)  # new images still land in a fitted cluster
    assert set(fitted.predict(shifted)) <= set(fitted.labels_)


def test_a_saved_model_loads_back_and_predicts_the_same(fitted, images, tmp_path):
    fitted.save(tmp_path / "model")
    loaded = CAEWard.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.predict(images), fitted.predict(images))
    np.testing.assert_allclose(loaded.transform(images[:3]), fitted.transform(images[:3]), rtol=1e-6)
    np.testing.assert_array_equal(loaded.linkage_, fitted.linkage_)
    assert loaded.get_params()["architecture"] == fitted.get_params()["architecture"]


def test_a_changed_saved_model_is_refused(fitted, tmp_path):
    from caeward.files import VerificationError

    folder = fitted.save(tmp_path / "model")
    weights = folder / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    with pytest.raises(VerificationError, match="SHA-256"):
        CAEWard.load(folder)
    with pytest.raises(FileNotFoundError, match="no saved model"):
        CAEWard.load(tmp_path / "nothing")
