"""Peak memory and wall time of ``python -m caeward cluster`` on large folders.

A measurement, not a test. For each folder size it writes that many MNIST-full
images (a seeded subset of the 70,000) as PNG files into a temporary folder, then runs
the command at its defaults (the ``auto`` recipe, ``--k 10``) in a fresh process under
``/usr/bin/time -v``, whose "Maximum resident set size" is that process's peak
(``/usr/bin/time`` is a small C program, so little of its own memory is carried into
the peak). Rows go to ``results/benchmarks/folder-memory.json`` (a sealed artefact that
resumes), with the ACC of the clusters against the digits.

    .venv/bin/python tools/folder_memory.py                  # 10,000 and 50,000 images
    .venv/bin/python tools/folder_memory.py --sizes 2000     # a quick look
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from caeward import metrics
from caeward.experiments.artefacts import Artefact
from caeward.experiments.runner import load_dataset
from caeward.experiments.settings import benchmarks_dir
from caeward.recipes import HOG, POLICY, choose_recipe

ROOT = Path(__file__).resolve().parents[1]


def measure(size: int, seed: int = 0) -> dict:
    images, labels = load_dataset("mnist-full", "full")
    keep = np.sort(np.random.default_rng(seed).choice(len(images), size, replace=False))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        for i in keep:
            Image.fromarray(images[i]).save(folder / f"{i:05d}-{labels[i]}.png")
        command = ["/usr/bin/time", "-v", sys.executable, "-m", "caeward", "cluster", str(folder),
                   "--out", str(Path(tmp) / "out"), "--k", "10", "--seed", str(seed)]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "lib"), "OMP_NUM_THREADS": "1"}
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"cluster failed on {size} images: {done.stderr[-2000:]}")
        peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
        with open(Path(tmp) / "out" / "labels.csv") as handle:
            found = {row["path"]: int(row["cluster"]) for row in csv.DictReader(handle)}
        truth = np.array([int(Path(p).stem.split("-")[1]) for p in found])
        predicted = np.array(list(found.values()))
        recipe = choose_recipe(size)  # what auto runs; the report must name it as the recipe
        if f"<b>Recipe:</b> {recipe} (" not in (Path(tmp) / "out" / "report.html").read_text(encoding="utf-8"):
            raise RuntimeError(f"the report of {size} images does not name {recipe}, the policy's recipe")
    return {"size": size, "seed": seed, "recipe": recipe,
            "peak_mb": peak_kb / 1024, "wall_seconds": wall, "acc": metrics.cluster_acc(truth, predicted),
            "nmi": metrics.nmi(truth, predicted)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 50_000])
    args = parser.parse_args()
    config = {"command": "python -m caeward cluster FOLDER --out OUT --k 10 --seed 0", "images": "MNIST-full PNGs",
              "peak": "/usr/bin/time -v maximum resident set size", "threads": "OMP_NUM_THREADS=1",
              # what auto runs: another policy or other HOG features are another measurement
              "policy": [[a if math.isfinite(a) else None, r] for a, r in POLICY], "hog": HOG}
    store = Artefact(benchmarks_dir() / "folder-memory.json", config,
                     "peak memory and wall time of the folder command on large folders")
    for size in args.sizes:
        if not store.has(size=size, seed=0):
            row = measure(size)
            store.add(row)
            print(f"{size} images: {row['recipe']}, peak {row['peak_mb']:.0f} MB, {row['wall_seconds']:.0f} s, "
                  f"ACC {row['acc']:.3f}", flush=True)
    if all(store.has(size=s, seed=0) for s in (10_000, 50_000)):
        store.finish()


if __name__ == "__main__":
    main()
