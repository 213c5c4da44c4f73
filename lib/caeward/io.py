"""Atomic file writes: a temporary file in the target's folder, renamed over it.

Every file the library writes (data, results, checkpoints, cached codes) goes through
:func:`atomic_path`, so an interrupted write never leaves a half file that passes for
a whole one. Cached arrays are ``.npy`` files with a JSON beside them holding their
SHA-256 (:func:`save_verified_array`); :func:`load_verified_array` returns nothing
for a file that fails the check, so a damaged cache is recomputed, never used.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "save_verified_array", "load_verified_array"]


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".part", mode: int = 0o644):
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    Parameters
    ----------
    path : path
        The final file. Its folder is created if needed.
    suffix : str
        Ending of the temporary name (some writers, e.g. ``np.save``, insist on one).
    mode : int
        Permissions of the final file (``mkstemp`` makes 0600).

    On any exception, the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_verified_array(npy_path: Path, meta_path: Path, array, info: dict) -> None:
    """Write ``array`` as ``.npy`` and a JSON of its SHA-256 (``codes_sha256``) and ``info``."""
    import numpy as np
    with atomic_path(npy_path, suffix=".npy") as tmp:
        np.save(tmp, array, allow_pickle=False)
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    with atomic_path(meta_path) as tmp:
        tmp.write_text(json.dumps({"codes_sha256": digest, "info": info}, indent=2, sort_keys=True))


def load_verified_array(npy_path: Path, meta_path: Path):
    """``(array, info)`` written by :func:`save_verified_array`, or ``None`` when either
    file is missing, unreadable, or the array's bytes fail the SHA-256 check."""
    import numpy as np
    if not (npy_path.exists() and meta_path.exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text())
        data = npy_path.read_bytes()
        if hashlib.sha256(data).hexdigest() != meta["codes_sha256"]:
            return None
        return np.load(npy_path, allow_pickle=False), meta["info"]
    except (OSError, ValueError, KeyError):
        return None
