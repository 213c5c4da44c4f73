"""The purity table of the committed codes: on a tiny fake store of committed codes."""

import json

import numpy as np
import pytest

from caeward import cluster, metrics
from caeward.experiments import embedding_cache, training_cache, tree_purity
from caeward.experiments.artefacts import read_sealed
from caeward.experiments.settings import BUDGETS
from caeward.experiments.verdicts import t_interval
from caeward.files import save_verified_array

QUICK = BUDGETS["quick"]
N = 48  # more than UMAP's 20 neighbours + 1


def _fake_dataset(dataset):
    """Tiny stand-ins for the two data sets: images, and three classes."""
    rng = np.random.default_rng(0 if dataset == "mnist-test" else 1)
    return rng.integers(0, 256, (N, 28, 28), dtype=np.uint8), np.repeat(np.arange(3), N // 3)


def _codes(seed):
    rng = np.random.default_rng(seed)
    _, labels = _fake_dataset("mnist-test")
    return (rng.normal(size=(N, 10)) + 6 * np.eye(10)[labels]).astype(np.float32)


def _commit(name, seed, dataset="mnist-test", codes=None):
    images, _ = _fake_dataset(dataset)
    key = training_cache.training_key(name, images, QUICK, seed)
    folder = training_cache.committed_folder(key, QUICK)
    codes = _codes(seed) if codes is None else codes
    save_verified_array(folder / "codes.npy", folder / "codes.json", codes, {"key": key, "losses": [0.1]})
    return folder, codes


def _fake_umap(codes, seed, settings):
    """A cheap, deterministic stand-in for the UMAP step (the real one is tested below)."""
    assert settings == tree_purity.UMAP
    return np.ascontiguousarray(codes[:, :settings.n_components] * 2 + seed), {"umap_s": 0.0, "cached": False}


@pytest.fixture
def fake_store(tmp_path, monkeypatch):
    monkeypatch.setenv("CAEWARD_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(tree_purity, "load_dataset", lambda dataset, budget: _fake_dataset(dataset))
    monkeypatch.setattr(tree_purity, "umap_embedding", _fake_umap)
    return {("cae", 0): _commit("cae", 0), ("cae", 1): _commit("cae", 1), ("proposed", 3): _commit("proposed", 3)}


def _key(row):
    return row["autoencoder"], row["dataset"], row["seed"], row["linkage"]


def test_rows_hold_the_purity_of_each_linkage_of_those_codes(fake_store):
    found = tree_purity.tree_purity_runs(QUICK)
    assert found.complete and found.path == tree_purity.tree_purity_path(QUICK)
    assert found.path.as_posix().endswith("results/tree-purity/quick.json")
    assert sorted(map(_key, found.rows)) == sorted(
        (ae, "mnist-test", seed, tree) for ae, seed in fake_store for tree in tree_purity.TREES)
    _, labels = _fake_dataset("mnist-test")
    for row in found.rows:
        folder, codes = fake_store[row["autoencoder"], row["seed"]]
        if row["linkage"] == "umap-ward":
            Z = cluster.linkage(_fake_umap(codes, row["seed"], tree_purity.UMAP)[0], "ward")
        else:
            Z = cluster.linkage(codes, row["linkage"])
        assert row["dendrogram_purity"] == metrics.dendrogram_purity(Z, labels)
        assert row["leaf_purity"] == metrics.leaf_purity(Z, labels, 10)
        assert row["skipped"] is None and row["n_points"] == N and row["n_classes"] == 3
        record = json.loads((folder / "codes.json").read_text())
        assert row["codes"] == {"path": f"codes/quick/{folder.name}/codes.npy", "sha256": record["data_sha256"]}
    # well separated classes: Ward's tree is nearly pure, and purer than a shuffled one
    ward = [r for r in found.rows if r["linkage"] == "ward"]
    assert min(r["dendrogram_purity"] for r in ward) > 0.9
    shuffled = np.random.default_rng(0).permutation(labels)
    assert max(metrics.dendrogram_purity(cluster.linkage(fake_store[r["autoencoder"], r["seed"]][1], "ward"),
                                         shuffled) for r in ward) < 0.6
    # the stored file is sealed, and its config names the codes it is of
    stored = read_sealed(found.path)
    assert sorted(c["path"] for c in stored["config"]["codes"]) == sorted(r["codes"]["path"] for r in ward)


def test_a_rerun_resumes_and_computes_nothing_stored(fake_store, monkeypatch):
    real, calls = cluster.linkage, []

    def killed_after_seven(points, method, **kwargs):
        calls.append(method)
        if len(calls) > 7:
            raise KeyboardInterrupt  # as a killed run
        return real(points, method, **kwargs)

    monkeypatch.setattr(cluster, "linkage", killed_after_seven)
    with pytest.raises(KeyboardInterrupt):
        tree_purity.tree_purity_runs(QUICK)
    path = tree_purity.tree_purity_path(QUICK)
    first = read_sealed(path)
    assert len(first["rows"]) == 7 and not first["complete"]

    calls.clear()
    monkeypatch.setattr(cluster, "linkage", lambda points, method, **kwargs: (calls.append(method),
                                                                              real(points, method, **kwargs))[1])
    again = tree_purity.tree_purity_runs(QUICK)
    assert len(calls) == 3 * len(tree_purity.TREES) - 7  # only the missing rows
    assert again.complete and again.rows[:7] == first["rows"]

    calls.clear()
    done = tree_purity.tree_purity_runs(QUICK)  # complete: nothing at all is computed
    assert calls == [] and done.rows == again.rows


def test_new_codes_make_a_new_table(fake_store):
    first = tree_purity.tree_purity_runs(QUICK)
    _commit("cae", 2)
    second = tree_purity.tree_purity_runs(QUICK)
    assert second.complete and len(second.rows) == len(first.rows) + len(tree_purity.TREES)


def test_distance_matrices_over_the_limit_are_skipped_and_said_so(fake_store, monkeypatch):
    monkeypatch.setattr(tree_purity, "MATRIX_LIMIT_BYTES", 1000)
    found = tree_purity.tree_purity_runs(QUICK)
    skipped = [r for r in found.rows if r["skipped"]]
    assert {r["linkage"] for r in skipped} == {"average", "complete"} and len(skipped) == 6
    assert all(r["dendrogram_purity"] is None and r["skipped"].startswith("memory: average linkage of 48 points")
               for r in skipped if r["linkage"] == "average")
    table = tree_purity.tree_purity_table(found.rows)
    cae = table[(table["autoencoder"] == "cae") & (table["linkage"] == "average")].iloc[0]
    assert cae["n"] == 0 and cae["skipped"] == 2 and np.isnan(cae["mean"])


def test_the_table_gives_mean_sd_and_t_interval_over_seeds(fake_store):
    found = tree_purity.tree_purity_runs(QUICK)
    table = tree_purity.tree_purity_table(budget=QUICK)  # the stored rows
    assert list(table.columns) == ["autoencoder", "dataset", "linkage", "n", "mean", "sd", "low", "high",
                                   "leaf_mean", "skipped"]
    assert list(table["linkage"][:5]) == list(tree_purity.TREES)
    assert len(table) == 2 * len(tree_purity.TREES)
    for tree in tree_purity.TREES:
        values = [r["dendrogram_purity"] for r in found.rows if r["autoencoder"] == "cae" and r["linkage"] == tree]
        row = table[(table["autoencoder"] == "cae") & (table["linkage"] == tree)].iloc[0]
        assert row["n"] == 2 and row["sd"] == pytest.approx(np.std(values, ddof=1))
        assert (row["mean"], row["low"], row["high"]) == pytest.approx(t_interval(values))
        one = table[(table["autoencoder"] == "proposed") & (table["linkage"] == tree)].iloc[0]
        assert one["n"] == 1 and np.isnan(one["low"]) and np.isnan(one["sd"])


def test_codes_that_fail_their_check_or_fit_no_data_set_are_left_out(fake_store):
    folder, _ = fake_store["cae", 1]
    data = bytearray((folder / "codes.npy").read_bytes())
    data[-1] ^= 0xFF
    (folder / "codes.npy").write_bytes(bytes(data))
    other = training_cache.committed_folder({"autoencoder": "cae", "seed": 9}, QUICK)
    save_verified_array(other / "codes.npy", other / "codes.json", _codes(9), {"key": {"autoencoder": "cae"}})
    with pytest.warns(UserWarning) as caught:
        found = tree_purity.committed_trainings(QUICK)
    assert [(c.autoencoder, c.seed) for c in found] == [("cae", 0), ("proposed", 3)]
    messages = " ".join(str(w.message) for w in caught)
    assert "SHA-256" in messages and "not the key of a training" in messages


def test_codes_of_the_other_data_set_get_its_labels(fake_store):
    _commit("cae", 0, dataset="mnist-full")
    found = tree_purity.committed_trainings(QUICK)
    assert [(c.dataset, c.autoencoder, c.seed) for c in found][0] == ("mnist-full", "cae", 0)
    np.testing.assert_array_equal(found[0].labels, _fake_dataset("mnist-full")[1])


def test_unknown_trees_are_refused(fake_store):
    with pytest.raises(ValueError, match="unknown tree.*'median'"):
        tree_purity.tree_purity_runs(QUICK, trees=["ward", "median"])


def test_the_real_umap_step_is_the_stores(tmp_path, monkeypatch):
    monkeypatch.setenv("CAEWARD_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(tree_purity, "load_dataset", lambda dataset, budget: _fake_dataset(dataset))
    _, codes = _commit("cae", 0)
    found = tree_purity.tree_purity_runs(QUICK, trees=["umap-ward"])
    assert not found.complete and [r["linkage"] for r in found.rows] == ["umap-ward"]
    embedding, info = embedding_cache.umap_embedding(codes, 0, tree_purity.UMAP)  # the cached one, reused
    assert info["cached"] and embedding.shape == (N, 10)
    _, labels = _fake_dataset("mnist-test")
    assert found.rows[0]["dendrogram_purity"] == metrics.dendrogram_purity(cluster.linkage(embedding, "ward"),
                                                                           labels)


def test_the_tool_runs_the_quick_budget(fake_store, capsys):
    from _tools import load_tool

    load_tool("tree_purity").main([])
    out = capsys.readouterr().out
    assert "15 rows" in out and "umap-ward" in out
    assert read_sealed(tree_purity.tree_purity_path(QUICK))["complete"]
