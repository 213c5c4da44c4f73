"""Seeding, device choice, versions and provenance: what every result records.

Introduced in chapter 1 (*The problem*).
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import random
import subprocess
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import numpy as np

__all__ = ["seed_everything", "seeded", "float32_everywhere", "pick_device", "available_devices", "check_device",
           "device_kind", "versions", "git_commit", "utc_timestamp", "progress_bar"]

_PACKAGES = ("numpy", "scipy", "scikit-learn", "fastcluster", "torch", "torchvision")


def progress_bar(*args, **kwargs):
    """A tqdm progress bar: Jupyter's widget in a notebook, plain text in a terminal,
    and plain text everywhere when ``CAEWARD_PLAIN_PROGRESS`` is set (the book's
    executor sets it, so that stored outputs render without widget scripts)."""
    if os.environ.get("CAEWARD_PLAIN_PROGRESS"):
        from tqdm.std import tqdm
        kwargs.setdefault("mininterval", 10.0)  # a few lines in a stored output, not thousands
    else:
        from tqdm.auto import tqdm
    return tqdm(*args, **kwargs)


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's generators, and make cuDNN choose
    deterministic algorithms.

    Without the latter a seed does not fix a training on a GPU: on an H200 two
    10-epoch runs of the same seed already differed in their losses, and with it they
    agreed to the last bit at no measurable cost
    (``results/benchmarks/gpu-determinism-cuda.json``, ``tools/benchmark_determinism.py``).

    On a CPU a seed fixes a training on one machine (reruns agree to the last bit), but
    not across processors: the CAE's seed 0 on MNIST-test, retrained here with the
    stored run's code and versions, parted from its loss curve in the first epoch.
    :func:`caeward.experiments.trained_as_stored` tells the two apart.
    """
    random.seed(seed)
    np.random.seed(seed)
    import torch
    torch.manual_seed(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


@contextmanager
def seeded(seed: int):
    """:func:`seed_everything` for the block only: on leaving it, Python's, NumPy's and
    PyTorch's generators and cuDNN's flags are as they were (an estimator's ``fit``
    must not change the caller's global state)."""
    import torch
    saved = (random.getstate(), np.random.get_state(), torch.backends.cudnn.deterministic,
             torch.backends.cudnn.benchmark)
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        try:
            seed_everything(seed)
            yield
        finally:
            random.setstate(saved[0])
            np.random.set_state(saved[1])
            torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = saved[2:]


@contextmanager
def torch_threads(n: int):
    """Run the block with ``n`` intra-op threads in PyTorch's CPU kernels, then restore
    the count. The count changes how sums are split, and so their last bits: a training
    that must give the same numbers in every process pins it."""
    import torch
    saved = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


def float32_everywhere() -> None:
    """Keep float32 work in float32 on GPUs too.

    PyTorch lets cuDNN run float32 convolutions in TF32 (10-bit mantissa) on
    NVIDIA GPUs by default; the runner and the chapters turn that off so that a
    result means the same arithmetic on a laptop's CPU and on a GPU. Reduced
    precision is asked for explicitly (the budget's ``bf16``) and recorded.
    """
    import torch
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False


def pick_device(prefer: str | None = None) -> str:
    """``prefer`` if given, else ``"cuda"``, ``"mps"`` or ``"cpu"``, whichever is there first."""
    if prefer:
        return prefer
    import torch
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def available_devices() -> list[str]:
    """The torch devices this machine has: ``"cpu"``, and ``"cuda:0"``... and ``"mps"`` where present."""
    import torch
    found = ["cpu"]
    if torch.cuda.is_available():
        found += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.append("mps")
    return found


def check_device(device: str) -> str:
    """``device`` if this machine has it, else a ``ValueError`` naming those it has."""
    import torch
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device {device!r} is not a torch device; this machine has: "
                         f"{', '.join(available_devices())}") from exc
    have = available_devices()
    name = f"{parsed.type}:{parsed.index or 0}" if parsed.type == "cuda" else parsed.type
    if name not in have or (parsed.type != "cuda" and parsed.index not in (None, 0)):
        raise ValueError(f"device {device!r} is not available on this machine; it has: {', '.join(have)}")
    return device


def device_kind(device: str) -> str:
    """The kind of a torch device string, without its index: ``"cuda:1"`` -> ``"cuda"``."""
    return device.split(":")[0]


def device_name(device: str) -> str:
    """A human name for the device, e.g. the GPU's model or the CPU's."""
    import torch
    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    return f"{platform.processor() or platform.machine()} ({torch.get_num_threads()} threads)"


def cpu_kernels() -> str:
    """The SIMD level PyTorch's CPU kernels use here (e.g. ``"AVX512"``): float results
    of a training can differ in the last bits between levels, and so between machines."""
    import torch
    return torch.backends.cpu.get_cpu_capability()


def versions() -> dict[str, str]:
    """Python's version and the installed versions of the packages results depend on."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def utc_timestamp() -> str:
    """Now, in UTC, to the second, as ISO 8601 (``2026-12-02T01:02:03+00:00``): the
    ``created`` of every result, benchmark and stored set of codes."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def git_commit(path: str | Path | None = None) -> dict[str, object]:
    """The commit of the git checkout holding ``path`` (default: this package), and
    whether its tracked files have uncommitted changes.

    A copy of a checkout without its ``.git`` (say, the working tree sent to a
    remote GPU machine) cannot say this itself: there ``CAEWARD_SOURCE_COMMIT``
    may name the commit the copy was made from, as ``<sha>`` or ``<sha>-dirty``,
    written by the tool that made the copy; the result then
    says ``"commit_source": "environment"``.
    """
    where = Path(path) if path else Path(__file__).resolve().parent
    def git(*args):
        return subprocess.run(["git", *args], cwd=where, capture_output=True, text=True, timeout=30)
    try:
        head = git("rev-parse", "HEAD")
        if head.returncode == 0:
            dirty = git("status", "--porcelain", "--untracked-files=no")
            return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        pass
    named = os.environ.get("CAEWARD_SOURCE_COMMIT", "").strip()
    if named:
        sha, _, flag = named.partition("-")
        return {"commit": sha, "dirty": flag == "dirty", "commit_source": "environment"}
    return {"commit": None, "dirty": None}
