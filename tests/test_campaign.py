"""The campaign: its plan as plain data (grouping, skipping, siblings, the time limit),
its command line, and one quick campaign through a local Ray."""

import pytest

from caeward.experiments.campaign import Run, Training, next_job, parse_duration, plan
from caeward.experiments.cli import main
from caeward.experiments.results import read_result, result_path
from caeward.experiments.settings import BUDGETS

QUICK, FULL = BUDGETS["quick"], BUDGETS["full"]


def _nothing_stored(method, dataset, seed):
    return False


def test_one_training_feeds_every_clustering_of_it_and_seeds_are_batched():
    found = plan(["cae-kmeans", "cae-ward", "pixels-kmeans"], ["mnist-test"], [0, 1, 2], QUICK, batch_seeds=2,
                 stored=_nothing_stored)
    assert [(t.autoencoder, t.seeds) for t in found.trainings()] == [("cae", (0, 1)), ("cae", (2,))]
    first, second = (t.name for t in found.trainings())
    for run in found.runs():
        expected = () if run.method == "pixels-kmeans" else (first,) if run.seed < 2 else (second,)
        assert run.after == expected, run
    assert len(found.runs()) == 9 and not found.skipped
    names = [job.name for job in found.jobs]
    for run in found.runs():  # every job after those it waits for
        assert all(names.index(t) < names.index(run.name) for t in run.after)


def test_stored_results_are_skipped_and_their_trainings_left_out():
    def stored(method, dataset, seed):
        return seed == 0 or (method, seed) == ("cae-ward", 1)

    found = plan(["cae-kmeans", "cae-ward"], ["mnist-test"], [0, 1], QUICK, batch_seeds=5, stored=stored)
    assert sorted(found.skipped) == [("cae-kmeans", "mnist-test", 0), ("cae-ward", "mnist-test", 0),
                                     ("cae-ward", "mnist-test", 1)]
    assert [(t.autoencoder, t.seeds) for t in found.trainings()] == [("cae", (1,))]
    assert [r.name for r in found.runs()] == ["cae-kmeans / mnist-test / seed 1"]


def test_headline_rows_first_and_shorter_siblings_before_longer_ones():
    found = plan(["pixels-kmeans", "proposed-100ep-ward", "proposed-ward", "proposed-50ep-ward"], ["mnist-full"],
                 [0], FULL, stored=_nothing_stored)
    trainings = found.trainings()
    assert [t.autoencoder for t in trainings] == ["proposed-50ep", "proposed-100ep", "proposed"]
    assert trainings[2].after == (trainings[0].name, trainings[1].name)
    assert found.jobs[0] == trainings[0]
    # the headline row first, though asked third; the rest in the order asked
    assert [r.method for r in found.runs()] == ["proposed-ward", "pixels-kmeans", "proposed-100ep-ward",
                                                "proposed-50ep-ward"]


def test_a_cached_training_is_estimated_free():
    found = plan(["cae-kmeans"], ["mnist-test"], [0, 1], QUICK, stored=_nothing_stored,
                 cached=lambda autoencoder, dataset, seed: seed == 0)
    estimates = {t.seeds: t.estimate_s for t in found.trainings()}
    assert estimates[(0,)] == 0.0 and estimates[(1,)] != 0.0


def test_the_time_limit_starts_only_jobs_whose_estimate_fits():
    long, short, unknown = (Run("cae-kmeans", "mnist-test", s, estimate_s=e) for s, e in [(0, 100.0), (1, 10.0),
                                                                                        (2, None)])
    assert next_job([long, short, unknown], None) is long
    assert next_job([long, short, unknown], 50.0) is short
    assert next_job([long, short, unknown], 5.0) is unknown  # nothing says it will not finish
    assert next_job([long, short], 5.0) is None
    assert next_job([Training("cae", "mnist-test", (0,), estimate_s=3.0)], 5.0) is not None


@pytest.mark.parametrize("text, seconds", [("90", 90), ("90s", 90), ("30m", 1800), ("2h", 7200),
                                           ("1h30m", 5400), ("1.5h", 5400)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "0", "3x", "-5"])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError, match="time limit"):
        parse_duration(text)


@pytest.fixture
def store_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("CAEWARD_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "cache"))
    return tmp_path


@pytest.mark.parametrize("flags, message", [
    (["--method", "cae-ward", "--time-limit", "soon"], "time limit"),
    (["--method", "cae-ward", "--gpus-per-training", "2"], "fraction of one GPU"),
    (["--method", "cae-ward", "--batch-seeds", "0"], "--batch-seeds"),
    (["--method", "nope"], "unknown method 'nope'"),
    (["--seed", "0"], "name the methods"),
])
def test_campaign_usage_errors_are_one_line(store_in_tmp, capsys, flags, message):
    assert main(["campaign", *flags, "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_dry_run_prints_the_plan(store_in_tmp, capsys):
    assert main(["campaign", "--group", "table1", "--dataset", "mnist-test", "--seed", "0", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "10 runs to compute at the quick budget, 3 trainings" in out
    assert "train proposed / mnist-test / seed 0" in out and "pixels-kmeans / mnist-test / seed 0" in out
    assert not (store_in_tmp / "results" / "quick").exists()


@pytest.fixture
def local_ray(store_in_tmp):
    ray = pytest.importorskip("ray")
    from caeward.experiments.campaign_ray import start_ray

    # started after the store's variables are set: the workers get them
    start_ray(num_cpus=2, object_store_memory=100 * 1024 ** 2)
    yield store_in_tmp
    ray.shutdown()


def test_a_quick_campaign_runs_through_a_local_ray(local_ray, capsys):
    methods, seeds = ["cae-kmeans", "cae-ward"], [0, 1]
    assert main(["campaign", "--method", *methods, "--dataset", "mnist-test", "--seed", "0", "1",
                 "--batch-seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert "done: 5 jobs" in out and "failed: 0 jobs" in out
    for seed in seeds:
        kmeans, ward = (read_result(result_path(m, "mnist-test", seed, QUICK)) for m in methods)
        assert kmeans.n_samples == QUICK.max_samples and 0.1 < kmeans.acc <= 1
        # one training fed both clusterings: the same losses, trained batched with the other seed
        assert kmeans.autoencoder["losses"] == ward.autoencoder["losses"]
        assert kmeans.autoencoder["pretrain_batched"] == [{"from_epoch": 0, "to_epoch": QUICK.cae_epochs,
                                                           "batched": 2}]
    assert main(["campaign", "--method", *methods, "--dataset", "mnist-test", "--seed", "0", "1"]) == 0
    out = capsys.readouterr().out
    assert "0 runs to compute" in out and "skipped (result stored already): 4 runs" in out
