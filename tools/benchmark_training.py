"""Pretraining throughput of every Table 1 autoencoder: float32 and bfloat16 autocast,
or (``--seeds-batched``) one seed per process against several seeds batched in one.

A benchmark, not a test: it trains each autoencoder for a few epochs on MNIST-full
images (the same `caeward.train.pretrain` the runner uses), reports samples/s per
precision and the wall time the full budget would take on this device, and writes a
JSON result (commit, device, versions) to results/benchmarks/.

    .venv/bin/python tools/benchmark_training.py            # 10,000 images, 2 timed epochs
    .venv/bin/python tools/benchmark_training.py --samples 70000 --epochs 1

With ``--seeds-batched`` it measures, per autoencoder, the aggregate samples/s of one
process training one seed, of ``--processes`` processes side by side (each with its
share of the CPU threads), and of one process training S seeds as one batched model
(`caeward.train_batched.pretrain_seeds`, S from ``--batched``), each with its ratio to
the first, and writes ``training-seeds-batched-<device>.json``:

    .venv/bin/python tools/benchmark_training.py --seeds-batched --samples 2000 --epochs 1 --threads 1

(``--threads 1`` on a CPU shared with other work: a process whose threads wait for each
other on busy cores slows down far more than one thread does.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch

from caeward import runtime
from caeward.experiments.settings import BUDGETS
from caeward.data import load_mnist
from caeward.experiments.registry import AUTOENCODERS
from caeward.experiments.settings import benchmarks_dir
from caeward.files import atomic_path
from caeward.train import pretrain, to_tensor
from caeward.train_batched import pretrain_seeds

ROOT = Path(__file__).resolve().parents[1]
WARM_UP = 512  # images of the untimed warm-up epoch (kernels chosen, memory allocated)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs (after one warm-up epoch)")
    parser.add_argument("--autoencoders", nargs="+", default=["sae", "cae", "proposed"])
    parser.add_argument("--device", default=None)
    parser.add_argument("--fp32-only", action="store_true", help="leave out bfloat16 autocast")
    parser.add_argument("--output", type=Path, default=benchmarks_dir())
    parser.add_argument("--seeds-batched", action="store_true",
                        help="one seed per process, side by side, against seeds batched in one process")
    parser.add_argument("--processes", type=int, default=2, help="with --seeds-batched: processes side by side")
    parser.add_argument("--batched", nargs="+", type=int, default=[1, 5, 10],
                        help="with --seeds-batched: the numbers of seeds batched in one process")
    parser.add_argument("--repeats", type=int, default=2,
                        help="with --seeds-batched: measure each row this many times, keep the fastest "
                             "(a shared CPU only ever slows a measurement down)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # one side-by-side process: this autoencoder
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, help="torch CPU threads of this process (default: torch's); "
                        "with --seeds-batched, the side-by-side processes share them out")
    args = parser.parse_args()

    device = runtime.pick_device(args.device)
    runtime.float32_everywhere()
    if args.threads:
        torch.set_num_threads(args.threads)
    images, _ = load_mnist("full")
    x = to_tensor(images[: args.samples], device)
    if args.worker:
        rate, late = _rate(args.worker, x, args.epochs, device, start_at=args.start_at)
        print(json.dumps({"samples_per_s": rate, "late": late}))
        return 0
    if args.seeds_batched:
        return _seeds_batched(args, x, device)
    full = BUDGETS["full"]
    rows = []
    for name in args.autoencoders:
        spec = AUTOENCODERS[name]
        for bf16 in (False,) if args.fp32_only else (False, True):
            runtime.seed_everything(0)
            model = spec.build(28)
            pretrain(model, x, 1, optimizer=spec.optimizer, lr=spec.lr, bf16=bf16, progress=False)
            _sync(device)
            start = time.perf_counter()
            # continue the same model for the timed epochs (a warm start, as in a long run)
            for _ in range(args.epochs):
                pretrain(model, x, 1, optimizer=spec.optimizer, lr=spec.lr, bf16=bf16, progress=False)
            _sync(device)
            rate = args.epochs * len(x) / (time.perf_counter() - start)
            epochs = spec.epochs_for(full)
            rows.append({"autoencoder": name, "bf16": bf16, "samples_per_s": rate,
                         "full_budget_epochs": epochs,
                         "full_budget_hours_mnist_full": epochs * 70_000 / rate / 3600})
            path = _write(args.output, "training-throughput", device,  # after every row: a stopped run keeps it
                          {"benchmark": "pretraining throughput", "samples": len(x), "timed_epochs": args.epochs,
                           "batch_size": 256, "rows": rows})
            print(f"{name:9s} {'bf16' if bf16 else 'fp32'}: {rate:8,.0f} samples/s -> "
                  f"{epochs} epochs of MNIST-full in {rows[-1]['full_budget_hours_mnist_full']:.2f} h")
    print(f"-> {path}")
    return 0


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _rate(name: str, x, epochs: int, device: str, seeds: int = 1, batched: bool = False,
          start_at: float | None = None) -> tuple[float, bool]:
    """Aggregate samples/s of ``seeds`` seeds of ``name`` trained in this process, batched
    (``pretrain_seeds``) or, for one seed, by ``pretrain`` as the runner does; after an
    untimed warm-up epoch, and from ``start_at`` (a ``time.time()``) if given, so that
    side-by-side processes time together; and whether the warm-up ended after ``start_at``."""
    spec = AUTOENCODERS[name]
    models = []
    for seed in range(seeds):
        runtime.seed_everything(seed)
        models.append(spec.build(28))

    def train(data):
        if not batched:
            pretrain(models[0], data, epochs, optimizer=spec.optimizer, lr=spec.lr, progress=False)
        else:
            pretrain_seeds(models, data, epochs, seeds=list(range(seeds)), optimizer=spec.optimizer, lr=spec.lr,
                           progress=False)

    train(x[:WARM_UP])
    late = start_at is not None and time.time() > start_at
    if start_at is not None:
        time.sleep(max(0.0, start_at - time.time()))
    _sync(device)
    start = time.perf_counter()
    train(x)
    _sync(device)
    return seeds * epochs * len(x) / (time.perf_counter() - start), late


def _side_by_side(args, name: str, device: str) -> tuple[float, int, bool]:
    """Aggregate samples/s of ``args.processes`` processes training one seed each, the
    CPU threads shared out; the threads each had; whether one started timing late (its
    warm-up outlasted the common start), so that their timed epochs overlapped only in part."""
    threads = max(1, torch.get_num_threads() // args.processes)
    start_at = time.time() + 30  # after every process has loaded the data and warmed up
    command = [sys.executable, __file__, "--worker", name, "--samples", str(args.samples), "--epochs",
               str(args.epochs), "--start-at", str(start_at), "--threads", str(threads)]
    if args.device:
        command += ["--device", args.device]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(args.processes)]
    rates, late = [], False
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"a side-by-side process of {name} failed (exit {proc.returncode})")
        found = json.loads(out.strip().splitlines()[-1])
        rates.append(found["samples_per_s"])
        late = late or found["late"]
    return sum(rates), threads, late


def _seeds_batched(args, x, device: str) -> int:
    rows = []
    fields = {"benchmark": "pretraining throughput: one seed per process, side by side, and seeds batched in one",
              "samples": len(x), "timed_epochs": args.epochs, "batch_size": 256, "warm_up_images": WARM_UP,
              "repeats": args.repeats, "samples_per_s_is": "the fastest of the repeats",
              "torch_threads": torch.get_num_threads(), "rows": rows}
    for name in args.autoencoders:
        each = [_rate(name, x, args.epochs, device)[0] for _ in range(args.repeats)]
        alone = max(each)
        rows.append({"autoencoder": name, "mode": "one process, one seed", "processes": 1, "seeds": 1,
                     "threads_per_process": torch.get_num_threads(), "samples_per_s": alone,
                     "samples_per_s_each": each, "ratio": 1.0})
        runs = [_side_by_side(args, name, device) for _ in range(args.repeats)]
        together, threads, late = max(runs)
        rows.append({"autoencoder": name, "mode": "processes side by side, one seed each",
                     "processes": args.processes, "seeds": args.processes, "threads_per_process": threads,
                     "samples_per_s": together, "samples_per_s_each": [r[0] for r in runs],
                     "ratio": together / alone, "timed_together": not late})
        for seeds in args.batched:
            each = [_rate(name, x, args.epochs, device, seeds, batched=True)[0] for _ in range(args.repeats)]
            rows.append({"autoencoder": name, "mode": "one process, seeds batched", "processes": 1,
                         "seeds": seeds, "threads_per_process": torch.get_num_threads(),
                         "samples_per_s": max(each), "samples_per_s_each": each, "ratio": max(each) / alone})
        for row in rows[-2 - len(args.batched):]:
            print(f"{name:9s} {row['mode']:40s} x{row['seeds']:<3d}: {row['samples_per_s']:8,.0f} samples/s "
                  f"({row['ratio']:.2f}x one seed)")
        path = _write(args.output, "training-seeds-batched", device, fields)
    print(f"-> {path}")
    return 0


# Other work on the machine when the benchmark started (the 1-minute load average; 0 on a
# quiet machine): recorded so that a reader can tell a measurement made on shared cores.
_LOAD_AT_START = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
# The commit and whether the tree was clean, when the benchmark started: it rewrites its own
# output after every row (a stopped run keeps what it measured), which would otherwise
# count as an uncommitted change.
_SOURCE_AT_START = runtime.git_commit()


def _write(output: Path, stem: str, device: str, fields: dict) -> Path:
    """``fields`` with the device, versions and commit, atomically to ``<stem>-<device kind>.json``."""
    result = {**fields, "device": device, "device_name": runtime.device_name(device),
              "load_average_at_start": _LOAD_AT_START,
              "torch_threads": fields.get("torch_threads", torch.get_num_threads()),
              "cpu_kernels": runtime.cpu_kernels(), "versions": runtime.versions(), **_SOURCE_AT_START,
              "created": runtime.utc_timestamp()}
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"{stem}-{runtime.device_kind(device)}.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
