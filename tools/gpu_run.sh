#!/usr/bin/env bash
# The book's GPU work as one command on a machine with a GPU, no internet and no .git:
#
#   bash tools/gpu_prepare.sh            # where the repository is: wheels, MNIST, codes, commit -> .gpu/
#   bash tools/gpu_run.sh                # on the GPU machine, with .gpu/ copied beside the working tree
#
# 1. Ward benchmark: the PyTorch engine on CUDA beside fastcluster, up to 1,000,000 points.
# 2. Training throughput of each autoencoder, alone and with $GPU_WORKERS processes side by side.
# 3. The PyTorch Ward engine's correctness tests on CUDA (beside step 4).
# 4. Full-budget runs of the runner (tools/gpu_jobs.py), as many as fit before the deadline.
# Results are written to $OUT as a few archives.
# Without a GPU it rehearses the same steps on the CPU, small and at the quick budget.
set -uo pipefail
T0=$(date +%s)
OUT=${OUT:-gpu-out}
SECONDS_TOTAL=${GPU_SECONDS:-3600}  # the time limit of the whole script, archives included (GPU_SECONDS)
WORKERS=${GPU_WORKERS:-8}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
elapsed() { echo $(( $(date +%s) - T0 )); }

if ls .gpu/*.whl >/dev/null 2>&1 && ! python3 -c "import fastcluster, umap" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/*.whl
  export PYTHONPATH=/tmp/site:${PYTHONPATH:-}
fi
export PYTHONPATH=$PWD/lib:${PYTHONPATH:-} PYTHONUNBUFFERED=1
# A copy of the working tree may hold a .git at an older commit that would
# call our committed changes uncommitted: hide it, so the named commit is what results record.
if [ -f .gpu/source_commit ]; then
  export CAEWARD_SOURCE_COMMIT=$(cat .gpu/source_commit) GIT_DIR=/nonexistent
fi
if ls .gpu/mnist/*.gz >/dev/null 2>&1; then
  export CAEWARD_DATA=/tmp/caeward-data
  mkdir -p $CAEWARD_DATA/MNIST/raw
  for f in .gpu/mnist/*.gz; do gunzip -c "$f" > $CAEWARD_DATA/MNIST/raw/$(basename "$f" .gz); done
fi
export CAEWARD_CACHE=${CAEWARD_CACHE:-/tmp/caeward-runs}
mkdir -p "$CAEWARD_CACHE"

if python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  DEV=cuda; SIZES="5000 10000 20000 70000 200000 1000000"; SAMPLES=70000; QUICK=""
else
  DEV=cpu; SIZES="2000 5000"; SAMPLES=2000; QUICK="--quick"; WORKERS=2
fi
CODES=(); [ -f .gpu/codes-70k.npy ] && CODES=(--codes .gpu/codes-70k.npy --codes-label "$(cat .gpu/codes-70k.txt)")
BENCH=$OUT/bench; mkdir -p "$BENCH"
echo "== $(elapsed) s: device $DEV"; nvidia-smi > "$BENCH/nvidia-smi.txt" 2>&1 || true
python3 -c "from caeward import runtime; print(runtime.versions(), runtime.git_commit())"

# A measurement already committed for this very device is not repeated (GPU_MEASURE=1 does):
# on an H200 the benchmarks took ~220 s of the call, time the training runs can use instead.
COMMITTED=results/benchmarks
GPU_NAME=$(python3 -c "from caeward import runtime; print(runtime.device_name('$DEV'))" 2>/dev/null)
committed_for_this_device() {  # $1: a committed benchmark JSON
  [ "${GPU_MEASURE:-0}" != 1 ] && [ "$DEV" = cuda ] && [ -f "$1" ] &&
    python3 -c "import json, sys; sys.exit(json.load(open('$1'))['device_name'] != '$GPU_NAME')"
}

if committed_for_this_device $COMMITTED/ward-$DEV.json; then
  echo "== $(elapsed) s: Ward benchmark: committed for $GPU_NAME in $COMMITTED/ward-$DEV.json"
else
  echo "== $(elapsed) s: Ward benchmark"
  timeout 200 python3 tools/benchmark_ward.py --device $DEV --sizes $SIZES "${CODES[@]}" --max-seconds 120 \
    --skip "scipy ward" "sklearn ward" "torch engine (cpu)" --output "$BENCH"
fi

if committed_for_this_device $COMMITTED/training-throughput-$DEV.json \
   && committed_for_this_device $COMMITTED/training-side-by-side-$DEV.json; then
  THROUGHPUT=$COMMITTED/training-throughput-$DEV.json SIDE=$COMMITTED/training-side-by-side-$DEV.json
  echo "== $(elapsed) s: training throughput: committed for $GPU_NAME ($THROUGHPUT, $SIDE)"
else
  THROUGHPUT=$BENCH/training-throughput-$DEV.json SIDE=$BENCH/training-side-by-side-$DEV.json
  echo "== $(elapsed) s: training throughput, one process"
  timeout 60 python3 tools/benchmark_training.py --device $DEV --samples $SAMPLES --epochs 2 --fp32-only --output "$BENCH"

  echo "== $(elapsed) s: training throughput, $WORKERS processes side by side"
  PIDS=()
  for i in $(seq $WORKERS); do
    timeout 60 python3 tools/benchmark_training.py --device $DEV --samples $SAMPLES --epochs 1 --fp32-only \
      --autoencoders cae proposed --output "$BENCH/side-by-side-$i" > "$BENCH/side-by-side-$i.log" 2>&1 &
    PIDS+=($!)
  done
  wait "${PIDS[@]}"   # not a bare wait: that would also wait for the tee above
  # One file, the format results/benchmarks/ keeps: each process's rate beside the lone one's.
  python3 - "$BENCH" "$DEV" "$WORKERS" <<'EOF'
import json, sys
from pathlib import Path
from caeward import runtime
bench, dev, workers = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
alone = json.loads((bench / f"training-throughput-{dev}.json").read_text())
one = {r["autoencoder"]: r["samples_per_s"] for r in alone["rows"] if not r["bf16"]}
rows = [{"process": i, "autoencoder": r["autoencoder"], "samples_per_s": r["samples_per_s"],
         "slowdown_vs_alone": one[r["autoencoder"]] / r["samples_per_s"]}
        for i in range(1, workers + 1) for f in [bench / f"side-by-side-{i}" / f"training-throughput-{dev}.json"]
        if f.exists() for r in json.loads(f.read_text())["rows"]]
if rows:  # the median, not the worst: a process that met the others' start-up is not the typical job
    ratios = sorted(r["slowdown_vs_alone"] for r in rows)
    result = {k: alone[k] for k in ("batch_size", "created", "device", "device_name", "samples", "timed_epochs", "versions")}
    result.update({"benchmark": "pretraining throughput, processes side by side on one device",
                   "processes": workers, "rows": rows, "alone_from": f"training-throughput-{dev}.json",
                   "median_slowdown": ratios[len(ratios) // 2], "worst_slowdown": ratios[-1],
                   **runtime.git_commit()})
    (bench / f"training-side-by-side-{dev}.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(f"{len({r['process'] for r in rows})} side-by-side processes trained a median "
          f"{result['median_slowdown']:.2f}x (worst {ratios[-1]:.2f}x) slower than one alone")
EOF
fi
if [ -f "$SIDE" ]; then
  read SLOWDOWN MEASURED_WORKERS < <(python3 -c "import json; d = json.load(open('$SIDE')); print(d['median_slowdown'], d['processes'])")
else
  SLOWDOWN=3.0 MEASURED_WORKERS=$WORKERS   # nothing measured: a cautious guess
fi
echo "slowdown per process: $SLOWDOWN with $MEASURED_WORKERS processes side by side"

echo "== $(elapsed) s: Ward engine correctness on $DEV (beside the runs)"
CAEWARD_TEST_DEVICE=$DEV timeout 240 python3 -m pytest -q -p no:cacheprovider -o addopts="" \
  tests/test_ward_torch.py > "$BENCH/test_ward_torch.txt" 2>&1 &
TESTS=$!

echo "== $(elapsed) s: full-budget runs"
DEADLINE=$(( SECONDS_TOTAL - $(elapsed) - 30 ))
python3 tools/gpu_jobs.py --deadline $DEADLINE --workers $WORKERS --slowdown $SLOWDOWN \
  --measured-workers $MEASURED_WORKERS $QUICK --throughput "$THROUGHPUT" --logs "$BENCH/job-logs"
kill $TESTS 2>/dev/null; wait $TESTS 2>/dev/null
tail -3 "$BENCH/test_ward_torch.txt"

echo "== $(elapsed) s: archives"
tar czf "$OUT/bench.tar.gz" -C "$BENCH" . && rm -rf "$BENCH"
tar czf "$OUT/results.tar.gz" results
# The trained codes (not the checkpoints: the SAE's alone is 40 MB) for the chapters and the
# UMAP runs, MNIST-test first, then the Table 1 autoencoders, within 5 parts of 15 MB.
python3 tools/gpu_codes_list.py "$CAEWARD_CACHE" 72000000 > /tmp/codes-list
tar cf - -C "$CAEWARD_CACHE" -T /tmp/codes-list | gzip -1 | split -b 15m -d -a 1 - "$OUT/codes.tar.gz.part"
ls -la "$OUT"
echo "== $(elapsed) s: done"
