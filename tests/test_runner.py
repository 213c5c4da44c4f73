import json

import numpy as np
import pytest

from dataclasses import replace

from caeward import experiments as experiment
from caeward.experiments import runner
from caeward.experiments.cli import main
from caeward.experiments.registry import TABLE1_METHODS
from caeward.experiments.results import result_path
from caeward.experiments.settings import BUDGETS, bf16_twin, current_budget, quick_mode, subsample
from _tools import make_result


@pytest.fixture
def results_root(tmp_path, monkeypatch):
    monkeypatch.setenv("CAEWARD_RESULTS", str(tmp_path))
    return tmp_path


def test_tests_run_in_quick_mode():
    assert quick_mode() and current_budget().name == "quick"


def test_subsample_is_fixed_and_ordered():
    x = np.arange(10000)
    a, _ = subsample(x, x, BUDGETS["quick"])
    b, _ = subsample(x, x, BUDGETS["quick"])
    assert len(a) == BUDGETS["quick"].max_samples and np.array_equal(a, b)
    assert np.all(np.diff(a) > 0)
    assert subsample(x, x, BUDGETS["full"])[0] is x


def test_run_writes_then_skips(results_root, capsys):
    first = experiment.run("pixels-kmeans", "mnist-test", 0, "quick")
    path = results_root / "quick" / "pixels-kmeans" / "mnist-test" / "seed0.json"
    stored = json.loads(path.read_text())
    seal = stored.pop("integrity")  # the file is sealed (results.canonical_sha256)
    assert stored == first.to_dict() and len(seal["sha256"]) == 64
    assert stored["n_samples"] == BUDGETS["quick"].max_samples
    assert 0.3 < stored["metrics"]["acc"] <= 1.0  # far above chance (0.1), as k-means on pixels is
    assert {"commit", "dirty", "versions", "device", "config", "timings"} <= set(stored)
    assert stored["config"]["budget"]["name"] == "quick"
    mtime = path.stat().st_mtime_ns

    def must_not_run(*args):
        raise AssertionError("a stored result was computed again")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(runner, "represent", must_not_run)
    try:
        again = experiment.run("pixels-kmeans", "mnist-test", 0, "quick")
    finally:
        monkeypatch.undo()
    assert again == first and path.stat().st_mtime_ns == mtime
    assert "not run again" in capsys.readouterr().out


def test_same_seed_same_result(results_root):
    a = experiment.run("pixels-kmeans", "mnist-test", 1, "quick")
    b = experiment.run("pixels-kmeans", "mnist-test", 1, "quick", force=True)
    assert a.metrics == b.metrics


def test_table_from_results(results_root):
    for seed in (0, 1):
        experiment.run("pixels-kmeans", "mnist-test", seed, "quick", verbose=False)
    table = experiment.results_table(experiment.load_results("quick"))
    row = table.iloc[0]
    accs = [100 * r.metrics["acc"] for r in experiment.load_results("quick")]
    assert row["n_seeds"] == 2 and row["acc_mean"] == pytest.approx(np.mean(accs))
    assert row["acc_sd"] == pytest.approx(np.std(accs, ddof=1))
    assert row["paper_acc"] == 54.63  # the paper's MNIST-test number, carried beside ours


def test_damaged_result_is_reported(results_root):
    path = result_path("pixels-kmeans", "mnist-test", 0, "quick")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="delete it"):
        experiment.run("pixels-kmeans", "mnist-test", 0, "quick")


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown method"):
        experiment.run("magic", "mnist-test", 0, "quick")
    with pytest.raises(ValueError, match="unknown dataset"):
        experiment.run("pixels-kmeans", "cifar", 0, "quick")


def test_command_line(results_root, capsys):
    assert main(["run", "--method", "pixels-kmeans", "--dataset", "mnist-test",
                 "--seed", "0", "--budget", "quick"]) == 0
    assert (results_root / "quick" / "pixels-kmeans" / "mnist-test" / "seed0.json").exists()
    assert main(["run", "--method", "pixels-kmeans", "--dataset", "mnist-test",
                 "--seed", "0", "--budget", "quick"]) == 0
    assert "nothing to compute" in capsys.readouterr().out
    assert main(["table", "--budget", "quick"]) == 0
    out = capsys.readouterr().out
    assert "pixels-kmeans" in out and "compute recorded" in out and "cpu" in out
    assert main(["run", "--method", "nonsense", "--budget", "quick"]) == 2


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One autoencoder cache for all runner tests, so cae-kmeans and cae-ward share a training."""
    return tmp_path_factory.mktemp("cache")


@pytest.mark.parametrize("method", TABLE1_METHODS + ["cae-skip-ward", "proposed-average", "cae-umap-ward",
                                    "cae-umap-kmeans", "cae-umap-gmm"])
def test_every_table1_method_runs_at_the_quick_budget(method, results_root, shared_cache, monkeypatch):
    monkeypatch.setenv("CAEWARD_CACHE", str(shared_cache))
    result = experiment.run(method, "mnist-test", 0, "quick", verbose=False)
    assert result.n_samples == BUDGETS["quick"].max_samples
    assert result.n_clusters_found <= 10
    assert 0.1 < result.metrics["acc"] <= 1.0
    assert result.config["method"] == experiment.METHODS[method].config
    if "umap" in method:  # the manifold step's cost is recorded like every stage's
        assert result.timings["manifold_s"] > 0
        assert result.config["method"]["manifold"]["n_neighbors"] == 20
    if method != "pixels-kmeans":
        ae = result.details["autoencoder"]
        assert len(ae["losses"]) == BUDGETS["quick"].cae_epochs and ae["reconstruction_mse"] > 0


def test_clusterings_share_one_training(results_root, shared_cache, monkeypatch):
    monkeypatch.setenv("CAEWARD_CACHE", str(shared_cache))
    kmeans = experiment.run("cae-kmeans", "mnist-test", 1, "quick", verbose=False)
    ward = experiment.run("cae-ward", "mnist-test", 1, "quick", verbose=False)
    assert not kmeans.details["autoencoder"]["cached"]
    assert ward.details["autoencoder"]["cached"]
    assert ward.details["autoencoder"]["losses"] == kmeans.details["autoencoder"]["losses"]


def test_ward_results_keep_enough_merge_heights_for_the_largest_gap_rule(results_root, shared_cache, monkeypatch):
    from caeward import cluster, number_of_clusters
    from caeward.experiments.trainings import trained_codes
    monkeypatch.setenv("CAEWARD_CACHE", str(shared_cache))
    ward = experiment.run("cae-ward", "mnist-test", 1, "quick", verbose=False)
    images, _ = experiment.load_dataset("mnist-test", "quick")
    codes, _ = trained_codes("cae", images, BUDGETS["quick"], 1, "cpu", progress=False)
    Z = cluster.ward_linkage(codes)
    stored = ward.details["top_merge_heights"]
    np.testing.assert_allclose(stored, Z[-30:, 2], rtol=1e-12)  # the last 30, in merge order
    steps = number_of_clusters.cut_steps(stored, ks=range(2, 31))
    rule = number_of_clusters.largest_gap_k(Z)
    assert (steps["k_gap"], steps["k_ratio"]) == (rule["k_gap"], rule["k_ratio"])


def test_a_result_knows_its_own_training_and_not_another(results_root, shared_cache, monkeypatch):
    from caeward.experiments.trainings import trained_codes
    monkeypatch.setenv("CAEWARD_CACHE", str(shared_cache))
    ward = experiment.run("cae-ward", "mnist-test", 1, "quick", verbose=False)
    assert ward.cpu_kernels  # the SIMD level the run's CPU kernels used, recorded
    images, _ = experiment.load_dataset("mnist-test", "quick")
    _, info = trained_codes("cae", images, BUDGETS["quick"], 1, "cpu", progress=False)
    assert experiment.trained_as_stored(ward, info)
    _, other = trained_codes("cae", images, BUDGETS["quick"], 2, "cpu", progress=False)
    assert not experiment.trained_as_stored(ward, other)
    with pytest.raises(ValueError, match="no autoencoder"):
        experiment.trained_as_stored(experiment.run("pixels-kmeans", "mnist-test", 0, "quick", verbose=False), info)


def test_a_bf16_twin_trains_apart_and_is_stored_apart(results_root, shared_cache, monkeypatch):
    from dataclasses import replace
    monkeypatch.setenv("CAEWARD_CACHE", str(shared_cache))
    twin = bf16_twin(BUDGETS["quick"])
    assert twin is BUDGETS["quick-bf16"] and replace(twin, name="quick", bf16=False) == BUDGETS["quick"]
    with pytest.raises(ValueError, match="already pretrains in bfloat16"):
        bf16_twin(twin)
    with pytest.raises(ValueError, match="no bfloat16 twin"):
        bf16_twin(replace(BUDGETS["quick"], name="mine"))
    float32 = experiment.run("cae-ward", "mnist-test", 1, "quick", verbose=False)
    bf16 = experiment.run("cae-ward", "mnist-test", 1, "quick-bf16", verbose=False)
    assert (results_root / "quick-bf16" / "cae-ward" / "mnist-test" / "seed1.json").exists()
    assert [r.config["budget"]["bf16"] for r in (float32, bf16)] == [False, True]
    # its own training, not the float32 one found in the cache: bf16 rounds every forward pass
    assert not bf16.details["autoencoder"]["cached"]
    assert bf16.details["autoencoder"]["losses"] != float32.details["autoencoder"]["losses"]
    assert experiment.load_results("quick-bf16") == [bf16]


def test_tampered_codes_are_recomputed(results_root, shared_cache, monkeypatch):
    from caeward.experiments.trainings import trained_codes
    monkeypatch.setenv("CAEWARD_CACHE", str(shared_cache))
    images, _ = experiment.load_dataset("mnist-test", "quick")
    codes, info = trained_codes("cae", images, BUDGETS["quick"], 5, "cpu", progress=False)
    for folder in shared_cache.glob("cae-*"):
        f = folder / "codes.npy"
        if f.exists():
            f.write_bytes(f.read_bytes()[:-8] + b"\0" * 8)  # corrupt every cached code file
    again, info2 = trained_codes("cae", images, BUDGETS["quick"], 5, "cpu", progress=False)
    assert not info2["cached"] and np.array_equal(codes, again)


def test_run_many_can_report_missing_runs_without_computing(results_root, capsys):
    experiment.run("pixels-kmeans", "mnist-test", 0, "quick", verbose=False)
    runs = experiment.run_many(["pixels-kmeans"], ["mnist-test"], [0, 1, 2], "quick", missing="report")
    assert [r.seed for r in runs] == [0]
    out = capsys.readouterr().out
    assert "1 of 3 runs are stored" in out
    assert "python -m caeward run --method pixels-kmeans --dataset mnist-test --seed 1 2 --budget quick" in out
    assert not result_path("pixels-kmeans", "mnist-test", 1, "quick").exists()
    with pytest.raises(ValueError, match="missing must be"):
        experiment.run_many(["pixels-kmeans"], ["mnist-test"], [0], "quick", missing="ignore")


def test_run_many_can_return_the_stored_runs_silently(results_root, capsys):
    experiment.run("pixels-kmeans", "mnist-test", 0, "quick", verbose=False)
    capsys.readouterr()
    runs = experiment.run_many(["pixels-kmeans"], ["mnist-test"], [0, 1], "quick", missing="skip")
    assert [r.seed for r in runs] == [0]
    assert capsys.readouterr().out == ""
    assert not result_path("pixels-kmeans", "mnist-test", 1, "quick").exists()


def test_format_table_marks_a_data_set_not_run_with_a_dash(results_root):
    experiment.run("pixels-kmeans", "mnist-test", 0, "quick", verbose=False)
    results = experiment.load_results("quick")
    shown = experiment.format_table(experiment.results_table(
        results + [replace(results[0], method="cae-kmeans", dataset="mnist-full")]))
    assert shown.loc["k-means", ("mnist-full", "ACC (ours)")] == "–"
    assert shown.loc["k-means", ("mnist-full", "seeds")] == "–"
    assert shown.loc["k-means", ("mnist-test", "seeds")] == "1"


def test_compute_spent_counts_a_shared_training_and_embedding_once(results_root, shared_cache, monkeypatch):
    monkeypatch.setenv("CAEWARD_CACHE", str(shared_cache))
    runs = [experiment.run(m, "mnist-test", 1, "quick", verbose=False)
            for m in ("cae-kmeans", "cae-ward", "cae-umap-ward", "cae-umap-kmeans", "pixels-kmeans")]
    spent = experiment.compute_spent(experiment.load_results("quick")).loc["cpu"]
    assert spent["results"] == 5 and spent["trainings"] == 1
    assert spent["pretrain_h"] * 3600 == pytest.approx(runs[0].timings["pretrain_s"])
    assert spent["manifold_h"] * 3600 == pytest.approx(runs[2].timings["manifold_s"])
    stages = sum(r.timings[k] for r in runs for k in ("load_s", "cluster_s"))
    assert spent["other_h"] * 3600 == pytest.approx(stages)
    assert spent["total_h"] == pytest.approx(spent[["pretrain_h", "manifold_h", "other_h"]].sum())


def _result(method, autoencoder, losses, pretrain_s, device="cpu", started_from=None, seed=0):
    return make_result(method=method, seed=seed, device=device,
                       config={"method": {"autoencoder": autoencoder}},
                       timings={"load_s": 1.0, "cluster_s": 2.0, "pretrain_s": pretrain_s},
                       details={"autoencoder": {"losses": losses, "pretrain_started_from": started_from}})


def test_compute_spent_counts_only_the_epochs_a_continued_training_added():
    short = _result("proposed-50ep-ward", "proposed-50ep", [0.5, 0.4], 100.0)
    long = _result("proposed-ward", "proposed", [0.5, 0.4, 0.3, 0.2], 250.0,
                   started_from={"autoencoder": "proposed-50ep", "epochs": 2})
    gpu = _result("proposed-ward", "proposed", [0.6, 0.5, 0.3, 0.2], 10.0, device="cuda:0", seed=1)
    spent = experiment.compute_spent([short, long, gpu])
    assert spent.loc["cpu", "trainings"] == 2
    assert spent.loc["cpu", "pretrain_h"] * 3600 == pytest.approx(250.0)  # 100 + the 150 s it added
    assert spent.loc["cuda", "pretrain_h"] * 3600 == pytest.approx(10.0)
    # without the sibling's result, the continued training's whole clock is what is known
    alone = experiment.compute_spent([long]).loc["cpu", "pretrain_h"] * 3600
    assert alone == pytest.approx(250.0)
    # a sibling whose losses differ is not the one it continued
    other = _result("proposed-50ep-ward", "proposed-50ep", [0.5, 0.45], 100.0)
    assert experiment.compute_spent([other, long]).loc["cpu", "pretrain_h"] * 3600 == pytest.approx(350.0)
    assert experiment.compute_spent([]).empty


def test_train_caches_the_runners_training_and_writes_no_result(results_root, tmp_path, monkeypatch, capsys):
    from caeward.experiments.training_cache import is_cached
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "cache"))
    images, _ = experiment.load_dataset("mnist-test", "quick")
    assert not is_cached("cae", images, BUDGETS["quick"], seed=3)
    train = ["train", "--autoencoder", "cae", "--dataset", "mnist-test", "--seed", "3", "--budget", "quick"]
    assert main(train) == 0
    assert "trained and cached" in capsys.readouterr().out
    assert is_cached("cae", images, BUDGETS["quick"], seed=3)
    assert not (results_root / "quick").exists()  # no result file
    # the runner finds that very training in the cache instead of training again
    ward = experiment.run("cae-ward", "mnist-test", 3, "quick", verbose=False)
    assert ward.details["autoencoder"]["cached"]
    assert main(train) == 0 and "were already cached" in capsys.readouterr().out
    assert main(["train", "--autoencoder", "nonsense", "--dataset", "mnist-test"]) == 2
    with pytest.raises(ValueError, match="unknown autoencoder"):
        experiment.train_autoencoder("nonsense", "mnist-test", 0, "quick")


def test_train_store_writes_the_codes_to_commit_once(results_root, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "cache"))
    train = ["train", "--autoencoder", "cae", "--dataset", "mnist-test", "--seed", "3", "--budget", "quick", "--store"]
    assert main(train) == 0
    out = capsys.readouterr().out
    stored = sorted((results_root / "codes" / "quick").glob("cae-*/codes.npy"))
    assert len(stored) == 1 and f"stored in {stored[0].parent}" in out
    assert not (results_root / "quick").exists()  # still no result file
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "another-machine"))  # an empty cache
    assert main(train) == 0
    out = capsys.readouterr().out
    assert "are committed under results/codes" in out and "stored in" not in out
    ward = experiment.run("cae-ward", "mnist-test", 3, "quick", verbose=False)
    assert ward.details["autoencoder"]["source"] == "committed"
    assert ward.details["autoencoder"]["trained_on"]["device"] == "cpu"


def test_is_quick_names_the_quick_budgets_and_their_bf16_twins():
    assert {name: b.is_quick for name, b in BUDGETS.items()} == {
        "quick": True, "full": False, "quick-bf16": True, "full-bf16": False}
