"""``python -m caeward cluster`` beside clustimage on the same folders of image files.

A benchmark, not a test. For each image set of chapter 8's folder guide
(:mod:`caeward.experiments.folder_guide`) at two folder sizes, it writes the images as
PNG files (named ``<index>-<class>.png``, so the truth travels with the file) and
clusters the folder with

- ``caeward cluster`` at its defaults (the ``auto`` recipe), given the true k and with
  ``--k auto``;
- clustimage (https://github.com/erdogant/clustimage), at its defaults as a user would
  install it (``Clustimage()``, method ``pca``) and with ``method="hog"``, each with its
  own k (silhouette over 3..25, its default) and given the true k.

Each run is a fresh process; its peak memory is its address space's high-water mark
(``VmHWM``), which starts anew at ``execve`` (``ru_maxrss``, which an earlier run read,
keeps the forking script's peak). Wall time is that process's. The folders are drawn
with ``--seed`` 3 by default, a seed chapter 8's guide does not use (other folders of
the same image sets). clustimage lives in its own virtualenv (``.bench-venv/clustimage``,
made here on first use with ``pip install clustimage==1.7.1``), never in the book's
requirements. The rows go to ``results/benchmarks/clustimage-folders.json`` (a sealed
artefact that resumes).

    .venv/bin/python tools/benchmark_clustimage.py             # every set, sizes 200 and 1000
    .venv/bin/python tools/benchmark_clustimage.py --sets lfw --sizes 200
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import numpy as np

from caeward import metrics
from caeward.experiments.artefacts import Artefact
from caeward.experiments.folder_guide import GUIDE_SETS, guide_set, subset
from caeward.experiments.settings import benchmarks_dir

ROOT = Path(__file__).resolve().parents[1]
PEER, PEER_VERSION = "clustimage", "1.7.1"
PEER_VENV = ROOT / ".bench-venv" / PEER

#: Both workers' measure of their own peak memory, in MB.
PEAK_MB = r"""
def peak_mb():
    # VmHWM is this address space's own peak: execve starts a new one, whereas
    # ru_maxrss keeps the peak of the process that forked this one
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""
#: One run in a fresh process: prints {"labels": {file: cluster}, "k": int, "seconds": s, "peak_mb": m}.
CAEWARD_WORKER = PEAK_MB + r"""
import json, sys, time

from pathlib import Path
from caeward.folder_cli import cluster_folder
folder, out, k = sys.argv[1], sys.argv[2], sys.argv[3]
start = time.perf_counter()
done = cluster_folder(folder, out, k="auto" if k == "auto" else int(k), progress=False)
print(json.dumps({"labels": dict(zip(done.paths, done.labels.tolist())), "k": int(done.result.n_clusters),
                  "recipe": done.result.recipe, "seconds": time.perf_counter() - start,
                  "peak_mb": peak_mb()}))
"""
PEER_WORKER = PEAK_MB + r"""
import json, os, sys, time

import numpy as np
from clustimage import Clustimage
folder, method, k = sys.argv[1], sys.argv[2], sys.argv[3]
start = time.perf_counter()
cl = Clustimage(method=method, verbose="error")
files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
if k == "own":
    results = cl.fit_transform(files)
else:
    results = cl.fit_transform(files, min_clust=int(k), max_clust=int(k) + 1)
names = [os.path.basename(p) for p in results["pathnames"]]
labels = np.asarray(results["labels"]).tolist()
print(json.dumps({"labels": dict(zip(names, labels)), "k": int(len(set(labels))),
                  "seconds": time.perf_counter() - start,
                  "peak_mb": peak_mb()}))
"""


def peer_python() -> Path:
    """The peer's interpreter, its virtualenv made on first use."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"making {PEER_VENV} with {PEER}=={PEER_VERSION} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(PEER_VENV)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"{PEER}=={PEER_VERSION}"], check=True)
    return python


def _write_folder(images: np.ndarray, labels: np.ndarray, folder: Path) -> None:
    from PIL import Image

    folder.mkdir(parents=True)
    for i, (image, label) in enumerate(zip(images, labels)):
        Image.fromarray(np.clip(np.rint(255 * image), 0, 255).astype(np.uint8)).save(folder / f"{i:05d}-{label}.png")


def _run(python, worker: str, *args) -> dict:
    env = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
           "MPLBACKEND": "Agg"}
    for name in ("PYTHONPATH", "CAEWARD_RESULTS", "CAEWARD_CACHE"):  # run the same caeward as this script
        if name in os.environ and python == sys.executable:
            env[name] = os.environ[name]
    done = subprocess.run([str(python), "-c", worker, *map(str, args)], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{worker[:40]!r} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _scored(found: dict, tool: str, setting: str, name: str, size: int, k: int) -> dict:
    files = sorted(found["labels"])
    truth = np.array([int(Path(f).stem.split("-")[1]) for f in files])
    predicted = np.array([found["labels"][f] for f in files])
    return {"set": name, "size": size, "tool": tool, "setting": setting, "k_true": k, "k": found["k"],
            "recipe": found.get("recipe"), "n_images": len(files),
            "acc": metrics.cluster_acc(truth, predicted), "nmi": metrics.nmi(truth, predicted),
            "seconds": found["seconds"], "peak_mb": found["peak_mb"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(GUIDE_SETS), choices=list(GUIDE_SETS))
    parser.add_argument("--sizes", nargs="+", type=int, default=[200, 1000])
    # 3: a seed the guide does not draw (0-2), so that these are other folders than the
    # ones the policy and the HOG features were chosen on, drawn from the same image sets
    # (they share images with the guide's; LFW at 200 is the whole set, whatever the seed)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    peer = peer_python()
    versions = subprocess.run([str(peer), "-c", f"import {PEER}; print({PEER}.__version__)"],
                              capture_output=True, text=True).stdout.strip()
    config = {"sets": args.sets, "sizes": args.sizes, "seed": args.seed, "peer": f"{PEER} {versions}",
              "caeward": "python -m caeward cluster defaults (--k TRUE and --k auto)",
              "clustimage": "Clustimage(method=...) defaults; own k (silhouette 3..25) and min_clust=k",
              "threads": "OMP_NUM_THREADS=1 for every process"}
    store = Artefact(benchmarks_dir() / "clustimage-folders.json", config,
                     "caeward cluster beside clustimage on the same folders of PNG files")
    for name in args.sets:
        images, labels = guide_set(name)
        for size in args.sizes:
            if size > len(images) and size != args.sizes[0]:
                continue
            keep = subset(len(images), size, args.seed)
            k = int(len(np.unique(labels[keep])))
            with tempfile.TemporaryDirectory() as work:
                folder = Path(work) / "images"
                _write_folder(images[keep], labels[keep], folder)
                runs = [("caeward", f"k={k}", sys.executable, CAEWARD_WORKER, folder, Path(work) / "a", k),
                        ("caeward", "k=auto", sys.executable, CAEWARD_WORKER, folder, Path(work) / "b", "auto")]
                for method in ("pca", "hog"):
                    runs += [(PEER, f"{method}, k={k}", peer, PEER_WORKER, folder, method, k),
                             (PEER, f"{method}, own k", peer, PEER_WORKER, folder, method, "own")]
                for tool, setting, python, worker, *rest in runs:
                    if store.has(set=name, size=len(keep), tool=tool, setting=setting):
                        continue
                    row = _scored(_run(python, worker, *rest), tool, setting, name, len(keep), k)
                    store.add(row)
                    print(f"{name} {len(keep)} {tool} {setting}: ACC {100 * row['acc']:.1f}, k {row['k']}, "
                          f"{row['seconds']:.0f} s, {row['peak_mb']:.0f} MB", flush=True)
    store.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
