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
# Real MNIST codes for all 70,000 images: DCEC's CAE trained on MNIST-test (seed 0, full budget).
$PY - <<'PYEOF'
import numpy as np
from caeward.budget import BUDGETS
from caeward.data import load_mnist
from caeward.embeddings import is_cached, reload_model
from caeward.train import embed, to_tensor
test, _ = load_mnist("test")
assert is_cached("cae", test, BUDGETS["full"], 0), "train cae on mnist-test, seed 0, at the full budget first"
model = reload_model("cae", test, BUDGETS["full"], 0, "cpu")
full, _ = load_mnist("full")
np.save(".gpu/codes-70k.npy", embed(model, to_tensor(full)), allow_pickle=False)
open(".gpu/codes-70k.txt", "w").write("MNIST-full codes (CAE trained on MNIST-test, seed 0)")
PYEOF
git rev-parse HEAD > .gpu/source_commit
du -sh .gpu; ls .gpu
