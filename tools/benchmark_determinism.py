"""Is pretraining on a GPU repeatable? A check, not a test: it needs a CUDA device.

Trains the proposed CAE on MNIST-test from seed 0 for a few epochs, twice with
cuDNN's default algorithm choice and twice with ``torch.backends.cudnn.deterministic``,
and reports whether the per-epoch losses of the two runs agree to the last bit, with
the seconds each took. Writes ``gpu-determinism-<device>.json`` to ``--output``; ``--device cpu`` rehearses it.

    python tools/benchmark_determinism.py --epochs 3
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from caeward import runtime
from caeward.data import load_mnist
from caeward.experiments.registry import AUTOENCODERS
from caeward.experiments.settings import benchmarks_dir
from caeward.files import atomic_path
from caeward.train import pretrain, to_tensor


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def one_run(x, epochs: int, deterministic: bool) -> tuple[list[float], float]:
    runtime.seed_everything(0)
    torch.backends.cudnn.deterministic = deterministic  # after seeding, which turns it on
    model = AUTOENCODERS["proposed"].build(28)
    _sync(str(x.device))
    start = time.perf_counter()
    losses = pretrain(model, x, epochs, seed=0, progress=False)
    _sync(str(x.device))
    return losses, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=benchmarks_dir())
    parser.add_argument("--device", default="cuda", help="cpu rehearses the script")
    parser.add_argument("--samples", type=int, default=10_000)
    args = parser.parse_args()
    runtime.float32_everywhere()
    images, _ = load_mnist("test")
    x = to_tensor(images[:args.samples], args.device)
    one_run(x, 1, False)  # warm-up: CUDA context, kernels
    rows = []
    for deterministic in (False, True):
        (a, ta), (b, tb) = one_run(x, args.epochs, deterministic), one_run(x, args.epochs, deterministic)
        rows.append({"cudnn_deterministic": deterministic, "losses_run1": a, "losses_run2": b,
                     "identical": a == b, "max_abs_difference": max(abs(p - q) for p, q in zip(a, b)),
                     "seconds": [ta, tb]})
        print(f"cudnn.deterministic={deterministic}: identical={a == b}, "
              f"max |diff| {rows[-1]['max_abs_difference']:.3g}, {ta:.1f} s / {tb:.1f} s")
    result = {"check": "repeatability of pretraining on a GPU", "autoencoder": "proposed",
              "data": f"MNIST-test, first {len(x)} images", "epochs": args.epochs, "seed": 0,
              "device": args.device, "device_name": runtime.device_name(args.device), "versions": runtime.versions(),
              **runtime.git_commit(), "rows": rows}
    args.output.mkdir(parents=True, exist_ok=True)
    with atomic_path(args.output / f"gpu-determinism-{args.device}.json") as tmp:
        tmp.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
