"""Pretraining throughput of every Table 1 autoencoder, float32 and bfloat16 autocast.

A benchmark, not a test: it trains each autoencoder for a few epochs on MNIST-full
images (the same `caeward.train.pretrain` the runner uses), reports samples/s per
precision and the wall time the full budget would take on this device, and writes a
JSON result (commit, device, versions) to results/benchmarks/.

    .venv/bin/python tools/benchmark_training.py            # 10,000 images, 2 timed epochs
    .venv/bin/python tools/benchmark_training.py --samples 70000 --epochs 1
"""

from __future__ import annotations

import argparse
import json
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

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs (after one warm-up epoch)")
    parser.add_argument("--autoencoders", nargs="+", default=["sae", "cae", "proposed"])
    parser.add_argument("--device", default=None)
    parser.add_argument("--fp32-only", action="store_true", help="leave out bfloat16 autocast")
    parser.add_argument("--output", type=Path, default=benchmarks_dir())
    args = parser.parse_args()

    device = runtime.pick_device(args.device)
    runtime.float32_everywhere()
    images, _ = load_mnist("full")
    x = to_tensor(images[: args.samples], device)
    full = BUDGETS["full"]
    rows = []
    for name in args.autoencoders:
        spec = AUTOENCODERS[name]
        for bf16 in (False,) if args.fp32_only else (False, True):
            runtime.seed_everything(0)
            model = spec.build(28)
            pretrain(model, x, 1, optimizer=spec.optimizer, lr=spec.lr, bf16=bf16, progress=False)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            start = time.perf_counter()
            # continue the same model for the timed epochs (a warm start, as in a long run)
            for _ in range(args.epochs):
                pretrain(model, x, 1, optimizer=spec.optimizer, lr=spec.lr, bf16=bf16, progress=False)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            rate = args.epochs * len(x) / (time.perf_counter() - start)
            epochs = spec.epochs_for(full)
            rows.append({"autoencoder": name, "bf16": bf16, "samples_per_s": rate,
                         "full_budget_epochs": epochs,
                         "full_budget_hours_mnist_full": epochs * 70_000 / rate / 3600})
            _write(args, x, rows, device)  # after every row: a stopped run keeps what it measured
            print(f"{name:9s} {'bf16' if bf16 else 'fp32'}: {rate:8,.0f} samples/s -> "
                  f"{epochs} epochs of MNIST-full in {rows[-1]['full_budget_hours_mnist_full']:.2f} h")

    path = _write(args, x, rows, device)
    print(f"-> {path}")
    return 0


def _write(args, x, rows, device: str) -> Path:
    result = {"benchmark": "pretraining throughput", "samples": len(x), "timed_epochs": args.epochs,
              "batch_size": 256, "rows": rows, "device": device,
              "device_name": runtime.device_name(device), "torch_threads": torch.get_num_threads(),
              "versions": runtime.versions(), **runtime.git_commit(),
              "created": runtime.utc_timestamp()}
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / f"training-throughput-{runtime.device_kind(device)}.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
