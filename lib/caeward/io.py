"""Atomic file writes: a temporary file in the target's folder, renamed over it.

Every file the library writes (data, results, checkpoints, cached codes) goes through
:func:`atomic_path`, so an interrupted write never leaves a half file that passes for
a whole one.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path"]


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
