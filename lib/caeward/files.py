"""Files that are whole or absent, and records that prove what they hold.

Every file the library writes (data, checkpoints, codes, results) goes through
:func:`atomic_path`: a temporary file in the target's folder, flushed to disk and
renamed over the target, so an interrupted write never leaves a half file that passes
for a whole one. Temporary names carry the host and process that made them, so
:func:`remove_stale_temporaries` can delete the ones a killed process left behind
without touching a write still under way.

Verified files (:func:`save_verified`, :func:`load_verified`) keep a JSON record
beside the data: the data's SHA-256, the metadata, and a SHA-256 over both. Loading
checks all of it, so neither a flipped bit in the data nor an edited field in the
record goes unnoticed; a file that fails is reported as :class:`VerificationError`,
never returned.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import socket
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["VerificationError", "usable_folder", "write_failure", "atomic_path", "create_exclusive", "process_alive",
           "remove_stale_temporaries", "sha256_file", "save_verified", "load_verified",
           "save_verified_array", "load_verified_array"]

_TMP_MARK = ".tmp-"


class VerificationError(ValueError):
    """A stored file is missing a part, unreadable, or fails its SHA-256 check."""


def usable_folder(folder, write: bool = True) -> Path:
    """``folder`` if this process can use it: a folder it can write into, or one it can
    create (the nearest existing folder on its way takes a new file); with ``write``
    false, an existing folder need not take new files.

    Raises
    ------
    ValueError
        A part of the path is a file, or a link that leads nowhere, or the folder cannot
        be written; the message says which (callers add what to do).
    """
    folder = Path(folder)
    existing = folder
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if os.path.islink(existing) and not existing.exists():
        raise ValueError(f"{existing} is a link to nothing ({os.readlink(existing)})")
    if not existing.is_dir():
        raise ValueError(f"{existing} is a file, not a folder, so {folder} cannot be used")
    if not write and existing == folder:
        return folder
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise ValueError(f"cannot write into {folder} ({exc.strerror or exc})") from exc
    return folder


def write_failure(error: OSError) -> str:
    """Why a write failed, in words: a full disk named as such."""
    return "no space left on the device" if error.errno == errno.ENOSPC else (error.strerror or str(error))


def _temporary_prefix(path: Path) -> str:
    host = socket.gethostname().replace("-", "_")
    return f".{path.name}{_TMP_MARK}{host}-{os.getpid()}-"


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some systems cannot open a folder; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def _written_beside(path, suffix: str, mode: int, publish):
    """Yield a temporary path beside ``path``; once written, flush it to disk and
    ``publish(tmp, path)``. The temporary file never outlives the block."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temporary_prefix(path), suffix=suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        publish(tmp, path)
        _fsync_folder(path.parent)
    finally:
        Path(tmp).unlink(missing_ok=True)


def atomic_path(path: str | os.PathLike, suffix: str = ".part", mode: int = 0o644):
    """Context manager: a temporary path beside ``path``, renamed over ``path`` on success.

    Parameters
    ----------
    path : path
        The final file. Its folder is created if needed.
    suffix : str
        Ending of the temporary name (some writers, e.g. ``np.save``, insist on one).
    mode : int
        Permissions of the final file (``mkstemp`` makes 0600).

    The temporary file is flushed to disk before the rename. On any exception it is
    removed and ``path`` is left as it was.
    """
    return _written_beside(path, suffix, mode, os.replace)


def create_exclusive(path: str | os.PathLike, suffix: str = ".part", mode: int = 0o644):
    """As :func:`atomic_path`, but the final file must not exist yet.

    The complete temporary file is hard-linked to ``path``, which fails if another
    writer got there first: then :class:`FileExistsError` is raised and the other
    writer's file is left as it is.
    """
    return _written_beside(path, suffix, mode, _link_or_create)


def _link_or_create(tmp, path) -> None:
    """Publish ``tmp`` at ``path`` only if nothing is there: a hard link, or on a file
    system without them an exclusive create and copy (``FileExistsError`` either way)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:
        with open(path, "xb") as out, open(tmp, "rb") as src:
            out.write(src.read())
            out.flush()
            os.fsync(out.fileno())


def remove_stale_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporary files in ``folder`` whose writer, a process on this host,
    is gone (killed during a write); return what was deleted. Others' are kept."""
    folder, host, removed = Path(folder), socket.gethostname().replace("-", "_"), []
    if not folder.is_dir():
        return removed
    for tmp in folder.iterdir():
        name = tmp.name
        if not name.startswith(".") or _TMP_MARK not in name:
            continue
        try:
            owner_host, pid, _ = name.split(_TMP_MARK, 1)[1].split("-", 2)
            pid = int(pid)
        except ValueError:
            continue
        if owner_host == host and not process_alive(pid):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def process_alive(pid: int) -> bool:
    """Whether a process of this host with id ``pid`` is running (a stale lock's or
    temporary folder's owner is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _record_sha256(data_sha256: str, info: dict) -> str:
    text = json.dumps({"data_sha256": data_sha256, "info": info}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def save_verified(data_path: Path, record_path: Path, write, info: dict) -> None:
    """Write a data file with ``write(tmp_path)``, then its record beside it.

    The record (JSON) holds ``data_sha256``, ``info`` and ``sha256``, a digest of
    both, so that :func:`load_verified` notices a change to either.
    """
    with atomic_path(data_path, suffix=Path(data_path).suffix or ".part") as tmp:
        write(tmp)
        digest = sha256_file(tmp)
    record = {"data_sha256": digest, "info": info, "sha256": _record_sha256(digest, info)}
    with atomic_path(record_path) as tmp:
        tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


def load_verified(data_path: Path, record_path: Path, data: bytes | None = None) -> dict:
    """The ``info`` of a file written by :func:`save_verified`, after checking it.

    ``data``, if given, is the data file's content as already read (so that what is
    checked is what is used).

    Raises
    ------
    FileNotFoundError
        Neither file exists.
    VerificationError
        One of the two is missing, unreadable, or fails a check.
    """
    data_path, record_path = Path(data_path), Path(record_path)
    if not data_path.exists() and not record_path.exists():
        raise FileNotFoundError(data_path)
    try:
        record = json.loads(record_path.read_text())
        digest = sha256_file(data_path) if data is None else hashlib.sha256(data).hexdigest()
    except (OSError, ValueError) as exc:
        raise VerificationError(f"{data_path.name} or its record {record_path.name} cannot be read "
                                f"({type(exc).__name__})") from exc
    if not isinstance(record, dict) or not isinstance(record.get("info"), dict):
        raise VerificationError(f"{record_path} is not a record written by caeward")
    if record.get("data_sha256") != digest:
        raise VerificationError(f"{data_path} fails its SHA-256 check: its bytes changed since it was written")
    if record.get("sha256") != _record_sha256(digest, record["info"]):
        raise VerificationError(f"{record_path} fails its SHA-256 check: its metadata was edited")
    return record["info"]


def save_verified_array(npy_path: Path, record_path: Path, array, info: dict) -> None:
    """:func:`save_verified` for an array saved as ``.npy`` (no pickles)."""
    import numpy as np
    save_verified(npy_path, record_path, lambda tmp: np.save(tmp, array, allow_pickle=False), info)


def load_verified_array(npy_path: Path, record_path: Path):
    """``(array, info)`` written by :func:`save_verified_array`, checked as by
    :func:`load_verified`; the array is read with ``allow_pickle=False``."""
    import io

    import numpy as np
    npy_path = Path(npy_path)
    try:
        data = npy_path.read_bytes()
    except FileNotFoundError:
        data = None
    except OSError as exc:
        raise VerificationError(f"{npy_path} cannot be read ({exc})") from exc
    if data is None:  # missing entirely (FileNotFoundError), or only its record left
        load_verified(npy_path, record_path)
    info = load_verified(npy_path, record_path, data)
    try:
        return np.load(io.BytesIO(data), allow_pickle=False), info
    except (OSError, ValueError) as exc:
        raise VerificationError(f"{npy_path} cannot be read as an array ({exc})") from exc
