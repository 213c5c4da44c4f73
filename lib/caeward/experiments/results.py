"""Results: one typed, sealed record per method x dataset x seed, read and written.

Introduced in chapter 1; chapter 4 builds Table 1 from them (the tables are
:mod:`~caeward.experiments.views.results_tables`; which training is behind a result,
and the compute results record, :mod:`~caeward.experiments.provenance`). A result file,
``results/<budget>/<method>/<dataset>/seed<N>.json``, holds the metrics, the wall time
of each stage, the device, the package versions, the git commit and the full
configuration. :func:`load_results` reads a budget's files as :class:`Result` records.

**A result file cannot lie quietly.** :func:`write_result` seals each file with an
integrity record, ``"integrity": {"sha256": ...}``, the SHA-256 of the canonical JSON of
everything else in it (:func:`canonical_sha256`). :func:`read_result` checks the seal,
then the content: method, data set and budget known; the seed a whole number the
generators take; ACC, NMI and geometric NMI finite and in [0, 1], ARI finite and in
[-1, 1] (ARI is negative for a partition worse than chance: single linkage's giant
cluster scores -1e-6); counts and timings of the right type; and the file filed where
its method, data set, seed and budget say. A file that fails is never counted:
:func:`load_results` flags it in one line (an :class:`InvalidResultWarning` naming it)
and leaves it out, so that one edited file blocks no other run. Files written before
seals existed were sealed once, by ``tools/seal_results.py``, which seals only a file
that passes every other check and is unchanged since its last commit.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..files import create_exclusive, atomic_path
from .registry import METHODS
from .settings import BUDGETS, DATASETS, MAX_SEED, Budget, budget_named, results_dir

__all__ = ["Result", "ResultFileError", "InvalidResultWarning", "result_path", "read_result", "write_result",
           "stored_result", "load_results", "canonical_sha256", "seal_file"]


class ResultFileError(ValueError):
    """A result file that cannot be read, fails its integrity check or its checks of
    content, or is not what its path says it is."""


class InvalidResultWarning(UserWarning):
    """A stored result file was left out of a table because it cannot be trusted."""


#: The key of a result file's integrity record.
INTEGRITY = "integrity"
#: The metrics every result holds, and the range each must lie in.
METRIC_RANGES = {"acc": (0.0, 1.0), "nmi": (0.0, 1.0), "nmi_geometric": (0.0, 1.0), "ari": (-1.0, 1.0)}


@dataclass(frozen=True)
class Result:
    """One run of a method on a data set with a seed, as stored.

    Attributes
    ----------
    method, label, dataset : str
    seed : int
    budget : str
    n_samples : int
    metrics : dict
        ``acc``, ``nmi``, ``nmi_geometric``, ``ari`` (fractions, not %).
    n_clusters_found : int
    timings : dict
        Seconds per stage: ``load_s``, ``pretrain_s``, ``manifold_s``, ``cluster_s``,
        ``selftrain_s``, ``total_s`` (those that apply).
    details : dict
        What the stages recorded: ``autoencoder`` (losses, reconstruction error,
        where the codes came from), ``manifold``, ``top_merge_heights``, ``selftrain``.
    device, device_name : str
    versions : dict
    commit : str or None
    dirty : bool or None
    config : dict
        ``method`` (the method's hyperparameters) and ``budget``.
    created : str
    cpu_kernels : str or None
        The SIMD level of PyTorch's CPU kernels (results before it was recorded: None).
    extra : dict
        Any further provenance a file holds (notes on its commit), kept as it is.
    """

    method: str
    label: str
    dataset: str
    seed: int
    budget: str
    n_samples: int
    metrics: dict
    n_clusters_found: int
    timings: dict
    details: dict
    device: str
    device_name: str
    versions: dict
    commit: str | None
    dirty: bool | None
    config: dict
    created: str
    cpu_kernels: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def acc(self) -> float:
        return self.metrics["acc"]

    @property
    def nmi(self) -> float:
        return self.metrics["nmi"]

    @property
    def autoencoder(self) -> dict | None:
        """The training behind the result (``details.autoencoder``), or None."""
        return self.details.get("autoencoder")

    def cut_ratio(self, k: int = 10) -> float:
        """h_(k-1) / h_k of a stored linkage run: how much higher the merge that a cut
        at ``k`` clusters undoes lies than the last one it keeps (chapter 6's close calls)."""
        from ..number_of_clusters import cut_steps

        heights = self.details.get("top_merge_heights")
        if heights is None:
            raise ValueError(f"{self.method!r} is not a linkage run: it stores no merge heights")
        return cut_steps(heights, ks=[k])["ratios"][0]

    @classmethod
    def from_dict(cls, data: dict) -> "Result":
        """The result a file's JSON holds, after checking every field it relies on.

        Raises
        ------
        ResultFileError
            A field is missing, of the wrong type or out of range (the message names it).
        """
        if not isinstance(data, dict):
            raise ResultFileError("is not a JSON object")
        names = {f.name for f in fields(cls)} - {"extra"}
        missing = sorted(n for n in names if n not in data and n != "cpu_kernels")
        if missing:
            raise ResultFileError(f"lacks {missing}")
        types = {"method": str, "label": str, "dataset": str, "seed": int, "budget": str, "n_samples": int,
                 "metrics": dict, "n_clusters_found": int, "timings": dict, "details": dict, "config": dict}
        wrong = [n for n, t in types.items() if not isinstance(data[n], t) or isinstance(data[n], bool)]
        if wrong:
            raise ResultFileError(f"has fields of the wrong type: {wrong}")
        _check_content(data)
        return cls(**{n: data[n] for n in names if n in data},
                   extra={k: v for k, v in data.items() if k not in names and k != INTEGRITY})

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        if out["cpu_kernels"] is None:
            del out["cpu_kernels"]
        return {**out, **self.extra}


def result_path(method: str, dataset: str, seed: int, budget: str | Budget, root: Path | None = None) -> Path:
    """``results/<budget>/<method>/<dataset>/seed<N>.json`` (under ``root`` instead of
    the results folder, if given)."""
    folder = results_dir(budget) if root is None else Path(root) / budget_named(budget).name
    return folder / method / dataset / f"seed{seed}.json"


def _check_content(data: dict) -> None:
    """Names known, seed in range, metrics finite and in range, counts and timings sane."""
    problems = []
    if data["method"] not in METHODS:
        problems.append(f"unknown method {data['method']!r}")
    if data["dataset"] not in DATASETS:
        problems.append(f"unknown data set {data['dataset']!r}")
    if data["budget"] not in BUDGETS:
        problems.append(f"unknown budget {data['budget']!r}")
    if not 0 <= data["seed"] <= MAX_SEED:
        problems.append(f"seed {data['seed']} outside 0..{MAX_SEED}")
    for name, (low, high) in METRIC_RANGES.items():
        value = data["metrics"].get(name)
        if not _is_number(value) or not math.isfinite(value) or not low <= value <= high:
            problems.append(f"metric {name} is {value!r}, not a number in [{low:g}, {high:g}]")
    if data["n_samples"] < 1 or data["n_clusters_found"] < 1:
        problems.append("n_samples and n_clusters_found must be at least 1")
    bad_times = [k for k, v in data["timings"].items() if not _is_number(v) or not math.isfinite(v) or v < 0]
    if bad_times:
        problems.append(f"timings {bad_times} are not finite seconds >= 0")
    if problems:
        raise ResultFileError("; ".join(problems))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def canonical_sha256(data: dict) -> str:
    """The SHA-256 of ``data`` without its integrity record, as canonical JSON (keys
    sorted, no spaces, UTF-8, no NaN): the seal :func:`write_result` stores."""
    body = {k: v for k, v in data.items() if k != INTEGRITY}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sealed_text(data: dict) -> str:
    """The file's text: ``data`` with its integrity record."""
    return json.dumps({**data, INTEGRITY: {"sha256": canonical_sha256(data)}}, indent=2, sort_keys=True) + "\n"


def _check_filed(result: "Result", path: Path) -> None:
    said = {"method": path.parent.parent.name, "dataset": path.parent.name, "seed": path.stem.removeprefix("seed"),
            "budget": path.parent.parent.parent.name}
    held = {"method": result.method, "dataset": result.dataset, "seed": str(result.seed), "budget": result.budget}
    if said != held:
        differ = ", ".join(f"{k} {held[k]!r} where the path says {said[k]!r}" for k in said if said[k] != held[k])
        raise ResultFileError(f"result file {path} holds {differ}: it was copied or misfiled; "
                              "move it to its own path or delete it")


def _refuse_constant(name: str):
    """JSON's NaN and Infinity are no measurement: refused as the file is parsed."""
    raise ValueError(f"{name} is not a number")


def _read_unsealed(path: Path) -> tuple[dict, Result]:
    """The JSON of a result file and its :class:`Result`, checked in all but its seal."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
        result = Result.from_dict(data)
    except (OSError, ValueError, TypeError) as exc:
        raise ResultFileError(f"result file {path} cannot be used ({exc}); delete it to run again") from exc
    _check_filed(result, path)
    return data, result


def read_result(path: Path) -> Result:
    """The result in ``path``, after every check of the module docstring.

    Raises
    ------
    ResultFileError
        The file cannot be read; its integrity record is missing or does not match
        its content (it was edited); a field is missing, of the wrong type or out of
        range; or it holds another method, data set, seed or budget than its path
        names (a copied or misfiled result).
    """
    path = Path(path)
    data, result = _read_unsealed(path)
    seal = data.get(INTEGRITY)
    if not isinstance(seal, dict) or "sha256" not in seal:
        raise ResultFileError(f"result file {path} has no integrity record, so nothing shows it is as "
                              "written; run it again (delete the file) to get a sealed one")
    if seal["sha256"] != canonical_sha256(data):
        raise ResultFileError(f"result file {path} fails its integrity check: it was edited after it was "
                              "written; restore it (git checkout) or delete it to run again")
    return result


def seal_file(path: Path) -> bool:
    """Add the integrity record to a result file written before seals existed, after
    every other check passes (``tools/seal_results.py``); returns whether it wrote.
    A sealed file is left as it is."""
    path = Path(path)
    data, _ = _read_unsealed(path)
    if INTEGRITY in data:
        read_result(path)  # a seal that is there must hold
        return False
    with atomic_path(path) as tmp:
        tmp.write_text(_sealed_text(data), encoding="utf-8")
    return True


def write_result(result: Result, replace: bool = False, root: Path | None = None) -> Path:
    """Write ``result``, sealed, to its path (under ``root`` if given), atomically;
    unless ``replace``, only if no file is there yet (:class:`FileExistsError`
    otherwise: another run got there first)."""
    path = result_path(result.method, result.dataset, result.seed, result.budget, root)
    data = result.to_dict()
    _check_content(data)  # never write what could not be read back
    text = _sealed_text(data)
    with (atomic_path(path) if replace else create_exclusive(path)) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def stored_result(path: Path) -> Result | None:
    """The result in ``path`` if it passes every check; None if there is no file, or
    (with an :class:`InvalidResultWarning` naming it) if it fails one."""
    if not Path(path).exists():
        return None
    try:
        return read_result(path)
    except ResultFileError as exc:
        warnings.warn(f"not counted: {exc}", InvalidResultWarning, stacklevel=2)
        return None


def load_results(budget: str | Budget = "full") -> list[Result]:
    """Every stored result of a budget that passes every check, in a stable order; each
    file that fails one is flagged (:class:`InvalidResultWarning`, one line naming it)
    and left out."""
    folder = results_dir(budget_named(budget))
    found = (stored_result(p) for p in sorted(folder.glob("*/*/seed*.json")))
    return [r for r in found if r is not None]
