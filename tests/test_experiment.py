import json

import numpy as np
import pytest

from caeward import experiment
from caeward.__main__ import main
from caeward.budget import BUDGETS, current_budget, quick_mode, subsample


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
    first = experiment.run("kmeans-pixels", "mnist-test", 0, "quick")
    path = results_root / "quick" / "kmeans-pixels" / "mnist-test" / "seed0.json"
    stored = json.loads(path.read_text())
    assert stored == first
    assert stored["n_samples"] == BUDGETS["quick"].max_samples
    assert 0.3 < stored["metrics"]["acc"] <= 1.0  # far above chance (0.1), as k-means on pixels is
    assert {"commit", "dirty", "versions", "device", "config", "timings"} <= set(stored)
    assert stored["config"]["budget"]["name"] == "quick"
    mtime = path.stat().st_mtime_ns

    def must_not_run(*args):
        raise AssertionError("a stored result was computed again")
    monkeypatch = pytest.MonkeyPatch()
    spec = experiment.METHODS["kmeans-pixels"]
    monkeypatch.setitem(experiment.METHODS, "kmeans-pixels",
                        experiment.Method(spec.name, spec.label, must_not_run, spec.config))
    try:
        again = experiment.run("kmeans-pixels", "mnist-test", 0, "quick")
    finally:
        monkeypatch.undo()
    assert again == first and path.stat().st_mtime_ns == mtime
    assert "not run again" in capsys.readouterr().out


def test_same_seed_same_result(results_root):
    a = experiment.run("kmeans-pixels", "mnist-test", 1, "quick")
    b = experiment.run("kmeans-pixels", "mnist-test", 1, "quick", force=True)
    assert a["metrics"] == b["metrics"]


def test_table_from_results(results_root):
    for seed in (0, 1):
        experiment.run("kmeans-pixels", "mnist-test", seed, "quick", verbose=False)
    table = experiment.results_table(experiment.load_results("quick"))
    row = table.iloc[0]
    accs = [100 * r["metrics"]["acc"] for r in experiment.load_results("quick")]
    assert row["n_seeds"] == 2 and row["acc_mean"] == pytest.approx(np.mean(accs))
    assert row["acc_sd"] == pytest.approx(np.std(accs, ddof=1))
    assert row["paper_acc"] == 54.63  # the paper's MNIST-test number, carried beside ours


def test_damaged_result_is_reported(results_root):
    path = experiment.result_path("kmeans-pixels", "mnist-test", 0, "quick")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="delete it"):
        experiment.run("kmeans-pixels", "mnist-test", 0, "quick")


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown method"):
        experiment.run("magic", "mnist-test", 0, "quick")
    with pytest.raises(ValueError, match="unknown dataset"):
        experiment.run("kmeans-pixels", "cifar", 0, "quick")


def test_command_line(results_root, capsys):
    assert main(["run", "--method", "kmeans-pixels", "--dataset", "mnist-test",
                 "--seed", "0", "--budget", "quick"]) == 0
    assert (results_root / "quick" / "kmeans-pixels" / "mnist-test" / "seed0.json").exists()
    assert main(["run", "--method", "kmeans-pixels", "--dataset", "mnist-test",
                 "--seed", "0", "--budget", "quick"]) == 0
    assert "not run again" in capsys.readouterr().out
    assert main(["table", "--budget", "quick"]) == 0
    assert "kmeans-pixels" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["run", "--method", "nonsense", "--budget", "quick"])
