"""Run the full-budget experiment on a GPU: as many runs as fit before a deadline.

Used by ``tools/gpu_run.sh`` on the GPU machine. Each job is one ``python -m caeward run`` process --
the same runner as on a laptop -- for one autoencoder's methods on one dataset and
seed, so the k-means and Ward rows of a seed share one pretraining. ``--workers``
jobs run side by side on the one GPU: these small networks leave it mostly idle,
waiting for kernel launches from Python.

Jobs start in the priority order of :data:`JOBS` (the headline rows first). How many
run side by side is planned first: each process trains slower the more share the GPU
(``--slowdown``, measured with ``--measured-workers`` processes, taken as linear in
between), so the planner tries 1 to ``--workers`` processes and keeps the number that
finishes the highest-priority jobs before ``--deadline``. A job then starts if its
estimated time -- epochs x images / samples/s per process, plus allowances for
start-up, clustering, UMAP and self-training -- ends before the deadline; when no
whole job fits any more, one whose *first* result fits (the 50-epoch rows) may still
start. At the deadline any job still running is stopped. Every finished method has
already written its result file, so a stopped job loses only its unfinished methods.

    python tools/gpu_jobs.py --deadline 420 --workers 8 --slowdown 5.3 --measured-workers 8 --throughput out/training-throughput-cuda.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (autoencoder, methods, dataset, seeds); the autoencoder names the pretraining the job
# pays for. Order = priority.
_UMAP = ["umap-ward", "umap-kmeans", "umap-gmm"]  # chapter 6: one UMAP per training, three clusterings
_CAE_ROWS = ["cae-kmeans", "cae-ward"] + [f"cae-{m}" for m in _UMAP]
# The 50- and 100-epoch trainings are the first epochs of the 200-epoch one (caeward.experiments.store
# continues the furthest sibling), so one job runs them first and pays for 200 epochs in all.
_PROPOSED_ROWS = ([f"proposed-{n}ep-{c}" for n in (50, 100) for c in ("kmeans", "ward")]
                  + ["proposed-kmeans", "proposed-ward"] + [f"proposed-{m}" for m in _UMAP])
_SELFTRAIN_CAE = ["cae-dec", "cae-idec"]


def _ablation_rows(ae: str) -> list[str]:
    """An ablation variant's methods; a variant with a 50-epoch twin
    (caeward.experiments.registry.PROPOSED_VARIANTS) runs the twin first, for the same reason as above."""
    from caeward.experiments.registry import PROPOSED_VARIANTS

    twins = [f"{ae}-50ep-{c}" for c in ("kmeans", "ward")] if ae in PROPOSED_VARIANTS else []
    return twins + [f"{ae}-kmeans", f"{ae}-ward"]


JOBS = (
    [("proposed", _PROPOSED_ROWS, "mnist-full", s) for s in range(5)]
    + [("cae", _CAE_ROWS + (_SELFTRAIN_CAE if s < 3 else []), "mnist-full", s) for s in (0, 2, 3, 4, 1)]
    + [("sae", ["sae-kmeans", "sae-dec", "sae-idec"], "mnist-full", s) for s in range(3)]
    + [(ae, _ablation_rows(ae), "mnist-full", s) for s in range(2)
       for ae in ("proposed-skip", "cae-skip", "proposed-deeper", "proposed-code5", "proposed-code20")]
    + [("proposed", _PROPOSED_ROWS, "mnist-test", s) for s in range(5)]
    + [("cae", _CAE_ROWS + (_SELFTRAIN_CAE if s < 3 else []), "mnist-test", s) for s in range(5)]
    + [("sae", ["sae-kmeans", "sae-dec", "sae-idec"], "mnist-test", s) for s in range(3)]
)


def unfinished(jobs, budget: str):
    """The jobs with their methods that have no result file yet (a rerun skips those anyway,
    but a job with nothing left must not hold a worker or its estimated time). The methods
    come back as a tuple, so a job can key a dict."""
    from caeward.experiments.results import result_path

    for ae, methods, dataset, seed in jobs:
        left = tuple(m for m in methods if not result_path(m, dataset, seed, budget).exists())
        if left:
            yield ae, left, dataset, seed


def _autoencoder_of(method: str, default: str) -> str:
    """The autoencoder a method's codes come from (the registry says)."""
    from caeward.experiments.registry import METHODS

    return METHODS[method].representation.autoencoder or default


def estimate_s(job, rates: dict, slowdown: float, quick: bool, whole: bool = True) -> float:
    """Seconds a job should take on one of the side-by-side workers: all of it, or
    (``whole=False``) until its first result, after the shortest training among its
    methods (a job whose 50-epoch rows come first is worth starting when those fit).
    Training time is :func:`caeward.experiments.cost.training_seconds` at ``rates``."""
    from caeward.experiments.cost import training_seconds
    from caeward.experiments.registry import METHODS
    from caeward.experiments.settings import BUDGETS, n_images

    ae, methods, dataset, _ = job
    budget = BUDGETS["quick" if quick else "full"]
    n = n_images(dataset, budget)
    slowest = {family: min(rates.values()) for family in ("sae", "cae", "proposed")}
    trainings = [training_seconds(_autoencoder_of(m, ae), n, budget, {**slowest, **rates}) for m in methods]
    train = (max(trainings) if whole else min(trainings)) * slowdown
    extra = 30  # start-up and the first clustering (k-means with n_init=20, or Ward)
    if whole:  # UMAP on the CPU; self-training (DEC-conv took ~1/10 of its pretraining on a CPU)
        extra += (120 * n / 70_000 if any(METHODS[m].representation.manifold for m in methods) else 0)
        extra += sum(0.25 * train for m in methods if METHODS[m].clustering.selftraining)
    return train + extra


def slowdown_at(workers: int, measured: float, measured_workers: int) -> float:
    """Per-process slowdown with ``workers`` side by side: 1 alone, ``measured`` at
    ``measured_workers``, linear in between (and beyond)."""
    return 1.0 + (measured - 1.0) * (workers - 1) / max(measured_workers - 1, 1)


def plan_workers(jobs, rates: dict, deadline: float, max_workers: int, measured: float,
                 measured_workers: int, quick: bool) -> tuple[int, list[int]]:
    """The number of side-by-side processes that finishes the highest-priority jobs
    before the deadline (ties: fewer), with the indices of the jobs it should finish."""
    best = None
    for w in range(1, max_workers + 1):
        slow, free, finished = slowdown_at(w, measured, measured_workers), [0.0] * w, []
        for i, job in enumerate(jobs):
            k = min(range(w), key=free.__getitem__)
            end = free[k] + estimate_s(job, rates, slow, quick)
            if end <= deadline:
                free[k] = end
                finished.append(i)
        key = tuple(i in finished for i in range(len(jobs)))
        if best is None or key > best[0]:
            best = (key, w, finished)
    return best[1], best[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deadline", type=float, required=True, help="seconds from now")
    parser.add_argument("--workers", type=int, default=8, help="at most this many jobs side by side")
    parser.add_argument("--throughput", type=Path, required=True,
                        help="training-throughput JSON (tools/benchmark_training.py) of this device")
    parser.add_argument("--slowdown", type=float, default=1.0,
                        help="how much slower each process trains with --measured-workers side by side")
    parser.add_argument("--measured-workers", type=int, default=None,
                        help="how many processes --slowdown was measured with (default: --workers)")
    parser.add_argument("--logs", type=Path, default=Path("job-logs"))
    parser.add_argument("--quick", action="store_true", help="quick budget (a rehearsal on a CPU)")
    args = parser.parse_args()

    start = time.monotonic()
    rates = {}
    if args.throughput.exists():
        rates = {r["autoencoder"]: r["samples_per_s"]
                 for r in json.loads(args.throughput.read_text())["rows"] if not r["bf16"]}
    if not rates:  # the throughput step failed: schedule on a cautious guess rather than not at all
        rates = {"sae": 5_000.0, "cae": 2_000.0, "proposed": 700.0}
        print(f"no throughput measured in {args.throughput}; scheduling with guessed rates {rates}")
    args.logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "PYTHONUNBUFFERED": "1"}
    budget = "quick" if args.quick else "full"

    pending = list(unfinished(JOBS, budget))
    print(f"{len(pending)} of {len(JOBS)} jobs have methods without a result", flush=True)
    measured_workers = args.measured_workers or args.workers
    workers, planned = plan_workers(pending, rates, args.deadline, args.workers, args.slowdown,
                                    measured_workers, args.quick)
    slowdown = slowdown_at(workers, args.slowdown, measured_workers)
    print(f"plan: {workers} side by side (each ~{slowdown:.2f}x slower than alone) should finish "
          + (", ".join(f"{pending[i][0]} {pending[i][2]} s{pending[i][3]}" for i in planned) or "no whole job"),
          flush=True)
    # a job's estimates, whole and to its first result, are fixed once the plan is: work them out once
    needs = {(job, whole): estimate_s(job, rates, slowdown, args.quick, whole=whole)
             for job in pending for whole in (True, False)}

    def need_s(job, whole: bool = True) -> float:
        return needs[job, whole]

    running: list[tuple[subprocess.Popen, tuple, float, object]] = []
    done = []
    while pending or running:
        for proc, job, began, log in list(running):
            if proc.poll() is not None:
                log.close()
                running.remove((proc, job, began, log))
                done.append((job, proc.returncode, time.monotonic() - began))
                print(f"[{time.monotonic() - start:6.0f} s] done  {job[0]:16s} {job[2]} seed {job[3]}"
                      f" rc={proc.returncode} in {time.monotonic() - began:.0f} s", flush=True)
        left = args.deadline - (time.monotonic() - start)
        if left <= 0:
            for proc, job, began, log in running:
                proc.kill()
                proc.wait()
                log.close()
                print(f"[deadline] stopped {job[0]} {job[2]} seed {job[3]} after {time.monotonic() - began:.0f} s")
                done.append((job, "stopped", time.monotonic() - began))
            running = []
            break
        while pending and len(running) < workers:
            # the first job that fits whole; failing that, the first whose first result fits
            fits = [j for j in pending if need_s(j) <= left]
            partly = [j for j in pending if need_s(j, whole=False) <= left]
            if not (fits or partly):
                break
            job = (fits or partly)[0]
            pending.remove(job)
            need = need_s(job, whole=bool(fits))
            ae, methods, dataset, seed = job
            log = open(args.logs / f"{ae}-{dataset}-seed{seed}.log", "w")
            cmd = [sys.executable, "-m", "caeward", "run", "--method", *methods, "--dataset", dataset,
                   "--seed", str(seed), "--budget", budget]
            running.append((subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT),
                            job, time.monotonic(), log))
            print(f"[{time.monotonic() - start:6.0f} s] start {ae:16s} {dataset} seed {seed}"
                  f" ({'whole' if fits else 'first result'}: estimate {need:.0f} s, {left:.0f} s left)", flush=True)
        if not running and not [j for j in pending if need_s(j, whole=False) <= left]:
            break
        time.sleep(1)
    print(f"{len(done)} jobs ended, {len(pending)} not started (would not fit): "
          + ", ".join(f"{a} {d} s{s}" for a, _, d, s in pending))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
