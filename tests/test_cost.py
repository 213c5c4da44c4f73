import pytest

from caeward.experiments.cost import format_duration, missing_runs_seconds
from caeward.experiments.settings import BUDGETS
from _tools import make_result

FULL = BUDGETS["full"]  # 200 epochs for a CAE without its own epoch count


def _result(method, autoencoder, epochs, pretrain_s, seed=0, device="cpu", untimed=0, manifold_s=None):
    timings = {"load_s": 1.0, "cluster_s": 2.0, "pretrain_s": pretrain_s, "total_s": pretrain_s + 3.0}
    if manifold_s is not None:
        timings["manifold_s"] = manifold_s
    return make_result(method=method, dataset="mnist-full", seed=seed, device=device,
                       config={"method": {"autoencoder": autoencoder}}, timings=timings,
                       details={"autoencoder": {"losses": [0.1] * epochs, "pretrain_untimed_epochs": untimed}})


def test_a_200_epoch_variant_is_timed_from_its_50_epoch_twin_and_trained_once():
    stored = [_result("proposed-deeper-50ep-ward", "proposed-deeper-50ep", 50, 500.0),   # 10 s per epoch
              _result("proposed-deeper-50ep-kmeans", "proposed-deeper-50ep", 50, 500.0)]
    todo = [("proposed-deeper-kmeans", "mnist-full", 0), ("proposed-deeper-ward", "mnist-full", 0)]
    seconds, unknown = missing_runs_seconds(todo, stored, FULL, "cpu")
    # one training of 200 epochs, then each run's own 3 s (the 50-epoch twins' clustering)
    assert unknown == 0 and seconds == pytest.approx(200 * 10.0 + 2 * 3.0)
    # another seed is another training
    seconds2, _ = missing_runs_seconds(todo + [("proposed-deeper-ward", "mnist-full", 1)], stored, FULL, "cpu")
    assert seconds2 == pytest.approx(seconds + 200 * 10.0 + 3.0)


def test_only_the_same_architecture_device_and_fully_timed_trainings_count():
    todo = [("proposed-deeper-ward", "mnist-full", 0)]
    for other in (_result("proposed-code5-50ep-ward", "proposed-code5-50ep", 50, 500.0),   # other code size
                  _result("proposed-deeper-50ep-ward", "proposed-deeper-50ep", 50, 5.0, device="cuda:0"),
                  _result("proposed-deeper-50ep-ward", "proposed-deeper-50ep", 50, 500.0, untimed=None)):
        assert missing_runs_seconds(todo, [other], FULL, "cpu") == (0.0, 1)
    gpu = _result("proposed-deeper-50ep-ward", "proposed-deeper-50ep", 50, 5.0, device="cuda:0")
    assert missing_runs_seconds(todo, [gpu], FULL, "cuda")[0] == pytest.approx(200 * 0.1 + 3.0)


def test_the_manifold_step_is_counted_once_per_embedding():
    stored = [_result("proposed-umap-ward", "proposed", 200, 2000.0, manifold_s=90.0),
              _result("proposed-umap-kmeans", "proposed", 200, 2000.0, manifold_s=90.0)]
    todo = [("proposed-umap-ward", "mnist-full", 1), ("proposed-umap-kmeans", "mnist-full", 1)]
    seconds, unknown = missing_runs_seconds(todo, stored, FULL, "cpu")
    assert unknown == 0 and seconds == pytest.approx(2000.0 + 90.0 + 2 * 3.0)


def test_a_method_without_autoencoder_takes_its_stored_median_and_format_duration():
    stored = [_result("pixels-kmeans", None, 0, 0.0, seed=s) for s in range(3)]
    for r in stored:
        del r.details["autoencoder"]
    assert missing_runs_seconds([("pixels-kmeans", "mnist-full", 4)], stored, FULL, "cpu") == (3.0, 0)
    assert missing_runs_seconds([("pixels-kmeans", "mnist-full", 4)], [], FULL, "cpu") == (0.0, 1)
    assert format_duration(600) == "10 min" and format_duration(5 * 3600) == "5.0 h"
