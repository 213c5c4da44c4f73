"""Load-or-compute JSON artefacts, sealed like the result files.

An artefact is one JSON file of ``rows`` made under one ``config``, with the
provenance of the code that made them (commit, device, versions, time) and the seal of
:mod:`caeward.experiments.results` (SHA-256 of its canonical JSON). :class:`Artefact`
reads a stored file only when its seal holds and its config is the one asked for;
a computation adds rows one at a time, each written atomically, so an interrupted one
resumes where it stopped, and it is marked ``complete`` at the end.
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import runtime
from ..files import atomic_path
from .results import INTEGRITY, canonical_sha256

__all__ = ["Artefact", "ArtefactError", "read_sealed"]


class ArtefactError(ValueError):
    """A stored artefact that is damaged: its seal does not hold, or it is not JSON."""


def read_sealed(path) -> dict:
    """The content of a stored artefact (without its seal), after checking the seal.

    Raises
    ------
    ArtefactError
        Not JSON, or the seal does not hold.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtefactError(f"{path} is not readable JSON ({exc}); delete it to compute it again") from exc
    seal = data.pop(INTEGRITY, None) if isinstance(data, dict) else None
    if not isinstance(seal, dict) or seal.get("sha256") != canonical_sha256(data):
        raise ArtefactError(f"{path} does not match its seal: it was changed or damaged after it was "
                            "written; delete it to compute it again")
    return data


class Artefact:
    """The rows of one computation, stored at ``path`` under ``config``.

    Parameters
    ----------
    path : path
    config : dict
        JSON-ready; a stored file made under another config is not used (and is
        replaced when rows are added).
    what : str
        One line saying what the rows are.
    """

    def __init__(self, path, config: dict, what: str):
        self.path, self.config, self.what = Path(path), json.loads(json.dumps(config)), what
        self.data = self._stored() or self._new()

    def _new(self) -> dict:
        return {"what": self.what, "config": self.config, "rows": [], "complete": False,
                "device_name": runtime.device_name("cpu"), "versions": runtime.versions(),
                **runtime.git_commit(), "created": runtime.utc_timestamp()}

    def _stored(self) -> dict | None:
        if not self.path.exists():
            return None
        data = read_sealed(self.path)
        return data if data.get("config") == self.config else None

    @property
    def rows(self) -> list[dict]:
        return self.data["rows"]

    @property
    def complete(self) -> bool:
        return bool(self.data.get("complete"))

    def has(self, **key) -> bool:
        """Whether a row with these values is stored."""
        return any(all(row.get(k) == v for k, v in key.items()) for row in self.rows)

    def add(self, row: dict) -> None:
        """Store one more row, and write the file (atomically, sealed).

        Under a lock, the rows another process stored meanwhile are read first and
        kept, so that several processes may fill one artefact side by side."""
        with self._lock():
            stored = self._stored()
            if stored is not None:
                known = {json.dumps(r, sort_keys=True) for r in self.rows}
                self.rows.extend(r for r in stored["rows"] if json.dumps(r, sort_keys=True) not in known)
            self.rows.append(json.loads(json.dumps(row)))
            self._write()

    def finish(self) -> None:
        """Mark the computation complete, with the provenance of this last step."""
        with self._lock():
            self.data.update(complete=True, **runtime.git_commit(), finished=runtime.utc_timestamp())
            self._write()

    def _lock(self):
        from filelock import FileLock

        self.path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.path) + ".lock")

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({**self.data, INTEGRITY: {"sha256": canonical_sha256(self.data)}}, indent=1,
                          sort_keys=True)
        with atomic_path(self.path) as tmp:
            tmp.write_text(text + "\n", encoding="utf-8")
