"""caeward.manifold: UMAP as N2D runs it, deterministic for a seed, with clear errors."""

import numpy as np
import pytest

from caeward import cluster, metrics
from caeward.manifold import UMAPSettings, umap_embed


def _blobs(n=600, d=10, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6.0, size=(4, d))
    y = rng.integers(0, 4, n)
    return (centres[y] + rng.normal(size=(n, d))).astype(np.float32), y


def test_same_seed_same_embedding_and_other_seed_another():
    x, _ = _blobs()
    settings = UMAPSettings(n_components=3, n_neighbors=15)
    a, b = umap_embed(x, 0, settings), umap_embed(x, 0, settings)
    assert a.shape == (600, 3) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert not np.array_equal(a, umap_embed(x, 1, settings))


def test_embedding_keeps_well_separated_groups_apart():
    x, y = _blobs()
    z = umap_embed(x, 0, UMAPSettings(n_components=4, n_neighbors=15))
    labels = cluster.cut_linkage(cluster.linkage(z, "ward"), 4)
    assert metrics.cluster_acc(y, labels) > 0.99
    assert metrics.cluster_acc(y, cluster.gaussian_mixture(z, 4, random_state=0)) > 0.99


@pytest.mark.parametrize("bad, match", [(np.zeros(30), "2-d"), (np.full((50, 3), np.nan), "NaN"),
                                        (np.zeros((15, 3)), "more than 21 samples")])
def test_bad_input_is_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        umap_embed(bad, 0)


def test_cached_embedding_is_reused_and_verified(tmp_path, monkeypatch):
    from caeward.experiments.embedding_cache import umap_embedding as cached_umap_embed
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path))
    x, _ = _blobs(n=300)
    settings = UMAPSettings(n_components=2, n_neighbors=10)
    first, info = cached_umap_embed(x, 0, settings)
    again, info2 = cached_umap_embed(x, 0, settings)
    assert not info["cached"] and info2["cached"] and np.array_equal(first, again)
    assert info2["umap_s"] == info["umap_s"] > 0
    assert np.array_equal(first, umap_embed(x, 0, settings))  # the cache holds what UMAP computes
    (npy,) = (tmp_path / "umap").glob("*.npy")
    npy.write_bytes(npy.read_bytes()[:-4] + b"\0" * 4)  # damage it: recomputed, not used
    third, info3 = cached_umap_embed(x, 0, settings)
    assert not info3["cached"] and np.array_equal(third, first)
    other, info4 = cached_umap_embed(x, 1, settings)  # another seed is another entry
    assert not info4["cached"]
