"""Exact Ward linkage at scale: SciPy, scikit-learn, fastcluster and the PyTorch engine.

A benchmark, not a test. In one process, on the same data, it times every engine
that fits in memory at each size and reports wall time, peak host memory (and peak
device memory on a GPU), and the ratio to fastcluster; it checks on the way that
every engine's merge heights agree with fastcluster's. Results go to
results/benchmarks/ward-<device>.json and a plot beside it.

Data: codes of MNIST images when --codes names a .npy file of codes (e.g. from
`caeward.experiments.trainings.trained_codes`), up to its size; beyond it, or without it,
well-clustered synthetic 10-d data (10 Gaussian blobs).

    .venv/bin/python tools/benchmark_ward.py --sizes 5000 10000 20000
    .venv/bin/python tools/benchmark_ward.py --sizes 70000 1000000 --device cuda
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path

import numpy as np
import psutil

from caeward import runtime
from caeward.experiments.settings import benchmarks_dir
from caeward.files import atomic_path

ROOT = Path(__file__).resolve().parents[1]


def synthetic(n: int, d: int = 10, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(10, d))
    return centres[rng.integers(0, 10, n)] + rng.normal(size=(n, d))


class PeakRSS:
    """Peak resident memory of this process while the block runs (sampled)."""

    def __enter__(self):
        self.proc, self.peak, self.stop = psutil.Process(), 0, False
        self.base = self.proc.memory_info().rss

        def watch():
            while not self.stop:
                self.peak = max(self.peak, self.proc.memory_info().rss)
                time.sleep(0.005)
        self.thread = threading.Thread(target=watch, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop = True
        self.thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)

    @property
    def extra_gb(self) -> float:
        return (self.peak - self.base) / 1e9


def engines(device: str):
    import fastcluster
    from scipy.cluster.hierarchy import ward
    from sklearn.cluster import AgglomerativeClustering

    from caeward.ward_torch import ward_linkage_torch

    def sklearn_ward(X):
        model = AgglomerativeClustering(n_clusters=1, linkage="ward", compute_distances=True).fit(X)
        return np.sort(model.distances_)

    # SciPy (and scikit-learn, which calls it) holds the condensed distance matrix and a
    # copy of it: measured here, 3.2 GB extra for the 1.6 GB matrix of 20,000 points.
    out = {
        "scipy ward": (lambda X: ward(X)[:, 2], lambda n: 8 * n * (n - 1) / 2 * 2),
        "sklearn ward": (sklearn_ward, lambda n: 8 * n * (n - 1) / 2 * 2),
        "fastcluster linkage_vector": (lambda X: fastcluster.linkage_vector(X, "ward")[:, 2], lambda n: 0),
        "torch engine (cpu)": (lambda X: ward_linkage_torch(X, "cpu")[:, 2], lambda n: 0),
    }
    if device.startswith("cuda"):
        out["torch engine (cuda)"] = (lambda X: ward_linkage_torch(X, device)[:, 2], lambda n: 0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[5000, 10000, 20000])
    parser.add_argument("--codes", type=Path, help=".npy file of codes (MNIST codes where n allows)")
    parser.add_argument("--codes-label", default="MNIST codes", help="what the codes are, for the table")
    parser.add_argument("--device", default=None)
    parser.add_argument("--skip", nargs="*", default=[], help="engines to leave out")
    parser.add_argument("--max-seconds", type=float, default=600,
                        help="leave an engine out at a size where its time, extrapolated as n^2 "
                             "from its previous size, would pass this")
    parser.add_argument("--output", type=Path, default=benchmarks_dir())
    args = parser.parse_args()

    import torch

    device = runtime.pick_device(args.device)
    codes = np.load(args.codes, allow_pickle=False).astype(np.float64) if args.codes else None
    ram = psutil.virtual_memory().available
    if device.startswith("cuda"):
        # Warm-up, untimed: CUDA context, kernels' first launch and allocator pools
        # must not count in the first size's time.
        engines(device)["torch engine (cuda)"][0](synthetic(2000))
        torch.cuda.synchronize()
    rows, last = [], {}
    for n in args.sizes:
        X = codes[:n] if codes is not None and n <= len(codes) else synthetic(n)
        data = args.codes_label if codes is not None and n <= len(codes) else "synthetic blobs"
        reference = None
        for name, (fn, matrix_bytes) in engines(device).items():
            if name in args.skip:
                continue
            if name in last:
                predicted = last[name][1] * (n / last[name][0]) ** 2
                if predicted > args.max_seconds:
                    rows.append({"n": n, "engine": name, "data": data, "seconds": None,
                                 "note": f"left out: about {predicted:.0f} s expected (n^2 from n={last[name][0]:,})"})
                    print(f"n={n:>8,} {name:28s} left out: ~{predicted:.0f} s expected")
                    continue
            if matrix_bytes(n) > 0.8 * ram:
                rows.append({"n": n, "engine": name, "data": data, "seconds": None,
                             "note": f"needs about {matrix_bytes(n) / 1e9:.1f} GB, over the free memory"})
                print(f"n={n:>8,} {name:28s} skipped: would need ~{matrix_bytes(n) / 1e9:.1f} GB")
                continue
            if name.endswith("(cuda)"):
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
            with PeakRSS() as mem:
                start = time.perf_counter()
                heights = np.sort(fn(X))
                if name.endswith("(cuda)"):
                    torch.cuda.synchronize()
                seconds = time.perf_counter() - start
            row = {"n": n, "engine": name, "data": data, "seconds": seconds,
                   "peak_host_extra_gb": mem.extra_gb}
            if name.endswith("(cuda)"):
                row["peak_device_gb"] = torch.cuda.max_memory_allocated() / 1e9
            if name.startswith("fastcluster"):
                reference = (heights, seconds)
            if reference is not None:
                row["max_rel_height_diff_vs_fastcluster"] = float(
                    np.max(np.abs(heights - reference[0]) / np.maximum(reference[0], 1e-300)))
            rows.append(row)
            last[name] = (n, seconds)
            print(f"n={n:>8,} {name:28s} {seconds:9.2f} s  host +{mem.extra_gb:6.2f} GB"
                  + (f"  device {row['peak_device_gb']:.2f} GB" if "peak_device_gb" in row else ""))
        fast = next((r["seconds"] for r in rows if r["n"] == n and r["engine"].startswith("fastcluster")
                     and r["seconds"]), None)
        for r in rows:
            if r["n"] == n and fast and r.get("seconds"):
                r["ratio_to_fastcluster"] = r["seconds"] / fast
        _write(args, rows, device)

    path = _write(args, rows, device)
    _plot(rows, path.with_suffix(".png"), runtime.device_name(device))
    print(f"-> {path}")
    return 0


def _write(args, rows, device: str) -> Path:
    """The JSON result so far (written after every size, so a stopped run keeps its rows)."""
    result = {"benchmark": "exact Ward linkage", "sizes": args.sizes, "rows": rows, "device": device,
              "device_name": runtime.device_name(device), "versions": runtime.versions(),
              **runtime.git_commit(), "created": runtime.utc_timestamp()}
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / f"ward-{runtime.device_kind(device)}.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return path


def _plot(rows, path: Path, device_name: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for engine in dict.fromkeys(r["engine"] for r in rows):
        pts = [(r["n"], r["seconds"]) for r in rows if r["engine"] == engine and r.get("seconds")]
        if pts:
            ax.plot(*zip(*pts), marker="o", label=engine)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("points (10-d)")
    ax.set_ylabel("seconds")
    ax.set_title(f"Exact Ward linkage ({device_name})", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    raise SystemExit(main())
