"""Run the full-budget experiment on a lent GPU: as many runs as fit before a deadline.

Used by ``tools/gpu_run.sh`` on the device machine (DEVELOPERS.md: 15 minutes of a
GPU per session, in one call). Each job is one ``python -m caeward run`` process --
the same runner as on a laptop -- for one autoencoder's methods on one dataset and
seed, so the k-means and Ward rows of a seed share one pretraining. ``--workers``
jobs run side by side on the one GPU: these small networks leave it mostly idle,
waiting for kernel launches from Python.

Jobs start in the priority order of :data:`JOBS` (the headline rows first). A job
starts only if its estimated time -- epochs x images / measured samples/s per
process, plus a fixed allowance -- ends before ``--deadline``; at the deadline any
job still running is stopped. Every finished method has already written its result
file, so a stopped job loses only its unfinished methods.

    python tools/gpu_jobs.py --deadline 420 --workers 6 --throughput out/training-throughput-cuda.json
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
# The 50- and 100-epoch trainings are the first epochs of the 200-epoch one (caeward.embeddings
# continues the furthest sibling), so one job runs them first and pays for 200 epochs in all.
_PROPOSED_ROWS = ([f"proposed-{n}ep-{c}" for n in (50, 100) for c in ("kmeans", "ward")]
                  + ["proposed-cae-kmeans", "proposed-cae-ward"] + [f"proposed-{m}" for m in _UMAP])
_SELFTRAIN_CAE = ["dec-conv", "dcec"]
JOBS = (
    [("proposed", _PROPOSED_ROWS, "mnist-full", s) for s in range(5)]
    + [("cae", _CAE_ROWS + (_SELFTRAIN_CAE if s < 3 else []), "mnist-full", s) for s in (0, 2, 3, 4, 1)]
    + [("sae", ["sae-kmeans", "dec", "idec"], "mnist-full", s) for s in range(3)]
    + [(ae, [f"{ae}-kmeans", f"{ae}-ward"], "mnist-full", s) for s in range(2)
       for ae in ("proposed-skip", "cae-skip", "proposed-deeper", "proposed-code5", "proposed-code20")]
    + [("proposed", _PROPOSED_ROWS, "mnist-test", s) for s in range(5)]
    + [("cae", _CAE_ROWS + (_SELFTRAIN_CAE if s < 3 else []), "mnist-test", s) for s in range(5)]
    + [("sae", ["sae-kmeans", "dec", "idec"], "mnist-test", s) for s in range(3)]
)


def unfinished(jobs, budget: str):
    """The jobs with their methods that have no result file yet (a rerun skips those anyway,
    but a job with nothing left must not hold a worker or its estimated time)."""
    from caeward.experiment import result_path

    for ae, methods, dataset, seed in jobs:
        left = [m for m in methods if not result_path(m, dataset, seed, budget).exists()]
        if left:
            yield ae, left, dataset, seed


_IMAGES = {"mnist-full": 70_000, "mnist-test": 10_000}


def _autoencoder_of(method: str, default: str) -> str:
    """The autoencoder a method's codes come from: the longest name it starts with
    (``proposed-50ep-ward`` -> ``proposed-50ep``); the job's for DEC, IDEC, DCEC."""
    from caeward.embeddings import AUTOENCODERS

    names = [a for a in AUTOENCODERS if method == a or method.startswith(a + "-")]
    return max(names, key=len) if names else default


def estimate_s(job, rates: dict, slowdown: float, quick: bool) -> float:
    """Seconds until a job's first result, on one of the side-by-side workers.

    That is the shortest training among its methods: a job whose 50-epoch rows come
    first (the epochs ablation) is worth starting when those fit, even if its
    200-epoch rows then meet the deadline -- every finished method is already saved."""
    from caeward.budget import BUDGETS
    from caeward.embeddings import AUTOENCODERS

    ae, methods, dataset, _ = job
    budget = BUDGETS["quick" if quick else "full"]
    n = min(_IMAGES[dataset], budget.max_samples or _IMAGES[dataset])
    rate = rates.get(ae.split("-")[0], min(rates.values()))
    epochs = min(AUTOENCODERS[_autoencoder_of(m, ae)].epochs_for(budget) for m in methods)
    # + start-up and the first clustering (k-means with n_init=20, or Ward): an allowance
    return epochs * n / rate * slowdown + 30


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deadline", type=float, required=True, help="seconds from now")
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--throughput", type=Path, required=True,
                        help="training-throughput JSON (tools/benchmark_training.py) of this device")
    parser.add_argument("--slowdown", type=float, default=1.0,
                        help="how much slower each process trains with --workers side by side")
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
    running: list[tuple[subprocess.Popen, tuple, float, object]] = []
    done, skipped = [], []
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
        while pending and len(running) < args.workers:
            job = pending.pop(0)
            need = estimate_s(job, rates, args.slowdown, args.quick)
            if need > left:
                skipped.append(job)
                continue
            ae, methods, dataset, seed = job
            log = open(args.logs / f"{ae}-{dataset}-seed{seed}.log", "w")
            cmd = [sys.executable, "-m", "caeward", "run", "--method", *methods, "--dataset", dataset,
                   "--seed", str(seed), "--budget", budget]
            running.append((subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT),
                            job, time.monotonic(), log))
            print(f"[{time.monotonic() - start:6.0f} s] start {ae:16s} {dataset} seed {seed}"
                  f" (estimate {need:.0f} s, {left:.0f} s left)", flush=True)
        if not pending and not running:
            break
        time.sleep(1)
    print(f"{len(done)} jobs ended, {len(skipped) + len(pending)} not started (would not fit): "
          + ", ".join(f"{a} {d} s{s}" for a, _, d, s in skipped + pending))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
