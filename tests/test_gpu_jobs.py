"""The GPU job planner (tools/gpu_jobs.py): its arithmetic, checked without a GPU."""

import pytest

from _tools import load_tool

gpu_jobs = load_tool("gpu_jobs")

RATES = {"sae": 100_000.0, "cae": 80_000.0, "proposed": 60_000.0}


def test_slowdown_is_one_alone_and_the_measured_value_at_the_measured_count():
    assert gpu_jobs.slowdown_at(1, 5.3, 8) == 1.0
    assert gpu_jobs.slowdown_at(8, 5.3, 8) == pytest.approx(5.3)
    assert 1.0 < gpu_jobs.slowdown_at(4, 5.3, 8) < 5.3


def test_a_jobs_first_result_comes_before_the_whole_job():
    job = ("proposed", gpu_jobs._PROPOSED_ROWS, "mnist-full", 0)
    whole = gpu_jobs.estimate_s(job, RATES, slowdown=1.0, quick=False)
    first = gpu_jobs.estimate_s(job, RATES, slowdown=1.0, quick=False, whole=False)
    # 50 of the 200 epochs, and no UMAP: a quarter of the training and less besides
    assert first < whole / 3
    assert gpu_jobs.estimate_s(job, RATES, slowdown=2.0, quick=False) > whole


def test_the_plan_finishes_the_first_jobs_first_and_no_more_than_fits():
    jobs = [("cae", ["cae-kmeans"], "mnist-test", s) for s in range(4)]
    one = gpu_jobs.estimate_s(jobs[0], RATES, slowdown=1.0, quick=False)
    # side by side costs nothing here (slowdown 1), so one job per worker fits
    workers, finished = gpu_jobs.plan_workers(jobs, RATES, deadline=1.5 * one, max_workers=8,
                                              measured=1.0, measured_workers=8, quick=False)
    assert (workers, finished) == (4, [0, 1, 2, 3])
    # a steep slowdown: one process alone finishes the first job, and only that one
    workers, finished = gpu_jobs.plan_workers(jobs, RATES, deadline=1.5 * one, max_workers=8,
                                              measured=50.0, measured_workers=8, quick=False)
    assert (workers, finished) == (1, [0])


def test_every_job_names_registered_methods_shortest_training_first():
    from caeward.experiments.registry import AUTOENCODERS
    from caeward.experiments.registry import METHODS

    for ae, methods, _, _ in gpu_jobs.JOBS:
        assert set(methods) <= set(METHODS), (ae, set(methods) - set(METHODS))
        epochs = [AUTOENCODERS[gpu_jobs._autoencoder_of(m, ae)].epochs or 200 for m in methods]
        assert epochs == sorted(epochs), (ae, methods)  # so a longer training continues a shorter one
    assert ("proposed-skip", ["proposed-skip-50ep-kmeans", "proposed-skip-50ep-ward", "proposed-skip-kmeans",
                              "proposed-skip-ward"], "mnist-full", 0) in gpu_jobs.JOBS
