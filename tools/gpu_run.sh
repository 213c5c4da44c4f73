#!/usr/bin/env bash
# The GPU checks, as one command for the device tool (see DEVELOPERS.md), e.g.:
#   run(command="bash tools/gpu_run.sh", carry=[".whl"], timeout_s=540)
# with fastcluster's cp312 manylinux wheel in .whl/ (the GPU image lacks it):
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_17_x86_64 -d .whl fastcluster
# It runs the PyTorch Ward engine's correctness tests on CUDA, the Ward benchmark up to
# 1,000,000 points and the training-throughput benchmark, and writes everything to $OUT
# (or ./gpu-out when OUT is unset). Without a GPU it runs the same on the CPU, smaller.
set -uo pipefail
OUT=${OUT:-gpu-out}
mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:${PYTHONPATH:-}
fi
export PYTHONPATH=$PWD/lib:${PYTHONPATH:-} PYTHONUNBUFFERED=1
if python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  DEV=cuda; SIZES="5000 10000 20000 70000 200000 1000000"
else
  DEV=cpu; SIZES="5000 10000"
fi
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || true
CAEWARD_TEST_DEVICE=$DEV python3 -m pytest -q -p no:cacheprovider -o addopts="" \
  tests/test_ward_torch.py 2>&1 | tee "$OUT/test_ward_torch.txt"
python3 tools/benchmark_ward.py --device $DEV --sizes $SIZES --max-seconds 20 \
  --skip "scipy ward" "sklearn ward" "torch engine (cpu)" --output "$OUT" 2>&1 | tee "$OUT/benchmark_ward.txt"
python3 tools/benchmark_training.py --device $DEV --samples 70000 --epochs 2 --output "$OUT" \
  2>&1 | tee "$OUT/benchmark_training.txt"
