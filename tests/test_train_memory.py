"""keep_freed_memory: a training step reuses the memory the step before it freed,
and the numbers a training gives stay the same bit for bit."""

import json
import platform
import subprocess
import sys

import pytest

# One fresh process per run: glibc's thresholds are set once per process for good.
RUN = r"""
import json, resource, sys
import numpy as np, torch
import caeward.train as train
from caeward.models import ConvAutoencoder
if sys.argv[1] == "off":
    train.keep_freed_memory = lambda: False  # what pretrain did before it existed
torch.set_num_threads(1)
x = train.to_tensor(np.random.default_rng(0).integers(0, 256, (512, 28, 28), dtype=np.uint8))
torch.manual_seed(0)
model = ConvAutoencoder()
losses = train.pretrain(model, x, 1, batch_size=128, progress=False)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
losses += train.pretrain(model, x, 2, batch_size=128, seed=1, progress=False)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps({"losses": losses, "faults_per_batch": faults / 8,
                  "weights": float(sum(p.double().sum() for p in model.parameters()))}))
"""

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
glibc = pytest.mark.skipif(not GLIBC, reason="the thresholds are glibc's")


def _run(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN, mode], capture_output=True, text=True,
                          env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@glibc
def test_training_reuses_freed_memory_and_computes_the_same():
    on, off = _run("on"), _run("off")
    # the same losses and weights, bit for bit
    assert on["losses"] == off["losses"] and on["weights"] == off["weights"]
    # a batch of 128 allocates megabytes of activations and gradients: without the
    # thresholds their pages are faulted in again at every step, with them hardly any
    assert off["faults_per_batch"] > 1000
    assert on["faults_per_batch"] < off["faults_per_batch"] / 10


def test_keep_freed_memory_says_what_it_did():
    from caeward.train import keep_freed_memory

    assert keep_freed_memory() is GLIBC
    assert keep_freed_memory() is GLIBC  # once per process: a second call changes nothing
