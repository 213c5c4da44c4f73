#!/usr/bin/env bash
# Prepare .gpu/ (git-ignored) for tools/gpu_run.sh on the device machine, which has no
# internet and no copy of our data or .git: fastcluster's wheel for its Python 3.12,
# MNIST (gzipped), MNIST codes for the Ward benchmark at 70,000, and the commit.
# Refuses to run with uncommitted changes to tracked files: results must name a commit.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "commit first: tracked files have changes, and results must name the commit they ran" >&2
  exit 1
fi
rm -rf .gpu && mkdir -p .gpu/mnist
$PY -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .gpu \
  "fastcluster==$($PY -c 'from importlib.metadata import version; print(version("fastcluster"))')"
# umap-learn and pynndescent are pure Python (numba, llvmlite and scikit-learn are on the GPU image)
for pkg in umap-learn pynndescent; do
  $PY -m pip download -q --no-deps --only-binary=:all: -d .gpu \
    "$pkg==$($PY -c "from importlib.metadata import version; print(version('$pkg'))")"
done
RAW=$($PY -c 'from caeward.data import data_root; print(data_root())')/MNIST/raw
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  gzip -c "$RAW/$f" > .gpu/mnist/$f.gz
done
# Real MNIST codes for all 70,000 images, for the Ward benchmark: DCEC's CAE trained on
# MNIST-full (seed 2, full budget), committed under results/codes/ for chapter 6.
$PY - <<'PYEOF'
import numpy as np
from caeward.data import load_mnist
from caeward.experiments.settings import BUDGETS
from caeward.experiments.store import is_cached, trained_codes
full, _ = load_mnist("full")
assert is_cached("cae", full, BUDGETS["full"], 2), \
    "the codes of cae on mnist-full, seed 2, full budget, are neither committed nor cached"
codes, info = trained_codes("cae", full, BUDGETS["full"], 2, "cpu", progress=False)
np.save(".gpu/codes-70k.npy", codes, allow_pickle=False)
open(".gpu/codes-70k.txt", "w").write(f"MNIST-full codes (DCEC's CAE, seed 2, from the {info['source']} codes)")
PYEOF
git rev-parse HEAD > .gpu/source_commit
du -sh .gpu; ls .gpu
