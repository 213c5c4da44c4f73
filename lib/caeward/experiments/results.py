"""Results: one typed record per method x dataset x seed, and the tables made of them.

Introduced in chapter 1; chapter 4 builds Table 1 from them. A result file,
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

import numpy as np

from .. import runtime
from ..files import create_exclusive, atomic_path
from .paper import TABLE1
from .registry import METHODS, own_seconds
from .settings import BUDGETS, DATASETS, MAX_SEED, Budget, budget_named, results_dir
from .views.formatting import mean_sd, mean_sd_text

__all__ = ["Result", "ResultFileError", "InvalidResultWarning", "result_path", "read_result", "write_result",
           "stored_result", "load_results", "canonical_sha256", "seal_file",
           "results_table", "format_table", "mean_sd", "sd_text", "compute_spent", "trained_as_stored",
           "training_id", "one_training"]


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


# ------------------------------------------------------------------------ tables

def results_table(results: list[Result], methods: list[str] | None = None):
    """Mean ± sd (over seeds) per method and dataset, with the paper's numbers.

    Parameters
    ----------
    results : list of Result
    methods : list of str, optional
        Row order (default: the order of :data:`~caeward.experiments.registry.METHODS`).

    Returns
    -------
    pandas.DataFrame
        One row per method and dataset, columns ``n_seeds``, ``acc_mean``,
        ``acc_sd``, ``nmi_mean``, ``nmi_sd`` (in %, sd with ddof=1, NaN for one
        seed), ``nmi_geometric_mean`` and ``paper_acc``, ``paper_nmi`` (the
        paper's reported numbers).

    Raises
    ------
    ValueError
        Two results of the same method, data set, seed and budget.
    """
    import pandas as pd

    seen = set()
    for r in results:
        if (r.method, r.dataset, r.seed, r.budget) in seen:
            raise ValueError(f"two results of {r.method} / {r.dataset} / seed {r.seed} ({r.budget}): "
                             "a table counts each run once")
        seen.add((r.method, r.dataset, r.seed, r.budget))
    rows = []
    order = methods or [m for m in METHODS if any(r.method == m for r in results)]
    for method in order:
        for dataset in DATASETS:
            runs = [r for r in results if r.method == method and r.dataset == dataset]
            if not runs:
                continue
            acc, nmi, nmi_geo = (100 * np.array([r.metrics[k] for r in runs])
                                 for k in ("acc", "nmi", "nmi_geometric"))
            paper = (TABLE1.get(method) or {}).get(dataset) or {}
            rows.append({
                "method": method, "label": METHODS[method].label if method in METHODS else method,
                "dataset": dataset, "n_seeds": len(runs),
                "acc_mean": acc.mean(), "acc_sd": acc.std(ddof=1) if len(runs) > 1 else np.nan,
                "nmi_mean": nmi.mean(), "nmi_sd": nmi.std(ddof=1) if len(runs) > 1 else np.nan,
                "nmi_geometric_mean": nmi_geo.mean(),
                "paper_acc": paper.get("acc"), "paper_nmi": paper.get("nmi"),
            })
    return pd.DataFrame(rows)


def sd_text(values) -> str:
    """The sd of ``values`` (ddof=1) to two decimals, or ``"–"`` for fewer than two."""
    return f"{np.std(values, ddof=1):.2f}" if len(values) > 1 else "–"



def paper_text(value) -> str:
    """One of the paper's numbers to two decimals, or ``"–"`` where it gives none."""
    return "–" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.2f}"


def format_table(table):
    """The table of :func:`results_table` as a reader sees it: ``mean ± sd`` strings
    beside the paper's numbers, one row per method, a column group per dataset."""
    import pandas as pd

    pm, paper = mean_sd_text, paper_text
    out = {}
    for _, r in table.iterrows():
        row = out.setdefault(r["label"], {})
        row[(r["dataset"], "seeds")] = int(r["n_seeds"])
        row[(r["dataset"], "ACC (ours)")] = pm(r["acc_mean"], r["acc_sd"])
        row[(r["dataset"], "ACC (paper)")] = paper(r["paper_acc"])
        row[(r["dataset"], "NMI (ours)")] = pm(r["nmi_mean"], r["nmi_sd"])
        row[(r["dataset"], "NMI (paper)")] = paper(r["paper_nmi"])
    frame = pd.DataFrame.from_dict(out, orient="index")
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    for column in frame.columns:  # a row not run on a data set: a dash, not NaN
        if column[1] == "seeds":
            frame[column] = frame[column].map(lambda v: "–" if pd.isna(v) else str(int(v)))
    frame = frame.fillna("–")
    frame.index.name = "method"
    return frame


# ---------------------------------------------------------------------- compare

def trained_as_stored(result: Result, codes_info: dict) -> bool:
    """Whether codes come from the very training behind a stored result.

    Introduced in chapter 4. A seed fixes a training only on one kind of machine:
    PyTorch's CPU kernels round differently between processors (see ``cpu_kernels``),
    and 200 epochs amplify the last bits into a different network. The loss curve,
    stored with every result and with every cached training, tells them apart: equal
    curves, same training.

    Parameters
    ----------
    result : Result
        A stored result of a method with an autoencoder.
    codes_info : dict
        The ``info`` that :func:`caeward.experiments.trainings.trained_codes` returned.
    """
    if result.autoencoder is None:
        raise ValueError(f"{result.method!r} has no autoencoder, so no training to compare")
    return result.autoencoder["losses"] == codes_info["losses"]


def training_id(result: Result) -> tuple | None:
    """What identifies the autoencoder training behind a result: the same training
    (shared by, say, ``cae-kmeans`` and ``cae-ward``) has the same per-epoch losses,
    which every such result stores (as :func:`trained_as_stored` relies on)."""
    if result.autoencoder is None:
        return None
    return (result.config["method"].get("autoencoder"), result.dataset, result.seed,
            tuple(result.autoencoder["losses"]))


def one_training(curves) -> list[bool]:
    """Which of one seed's loss curves belong to a single training seen after
    different numbers of epochs (the epochs ablation): those that are the start of
    the curve that the most of them start (ties: the longest).

    Parameters
    ----------
    curves : sequence of sequences of float
        Per-epoch losses, as results store them.

    Returns
    -------
    list of bool, one per curve
    """
    curves = [list(c) for c in curves]

    def within(run):
        return [c == run[:len(c)] for c in curves]
    widest = max(curves, key=lambda run: (sum(within(run)), len(run)))
    return within(widest)


def compute_spent(results: list[Result]):
    """The recorded compute behind a set of results, per kind of device, in hours.

    Each training and each manifold embedding is counted once, however many results
    share it (``pretrain_s`` and ``manifold_s`` are the stage's own time, repeated in
    every result that reused it). A training that continued a shorter sibling's
    checkpoint (the epochs ablation) took over that sibling's clock; only the
    epochs it added are counted, when the sibling's result is among ``results``.
    Load, clustering and self-training are counted per result. Time lost to
    interruptions, and anything a result does not record, is not in the sum.

    Returns
    -------
    pandas.DataFrame
        Indexed by device kind (``"cpu"``, ``"cuda"``), the kind each training,
        embedding and run was made on; columns ``results``, ``trainings``,
        ``pretrain_h``, ``manifold_h``, ``other_h`` (load, clustering,
        self-training) and ``total_h``.
    """
    import pandas as pd

    trainings, embeddings, rows = {}, {}, {}
    for r in results:
        # the kind, not the name: a run on one thread may cluster a two-thread training
        device = runtime.device_kind(r.device)
        row = rows.setdefault(device, {"results": 0, "trainings": 0, "pretrain_h": 0.0,
                                       "manifold_h": 0.0, "other_h": 0.0})
        row["results"] += 1
        row["other_h"] += own_seconds(r.timings) / 3600
        training = training_id(r)
        if training is not None:
            trainings[training] = (device, r.timings["pretrain_s"], r.autoencoder.get("pretrain_started_from"))
        manifold = r.config["method"].get("manifold")
        if manifold is not None:
            embeddings[(training, json.dumps(manifold, sort_keys=True))] = (device, r.timings["manifold_s"])

    for (name, dataset, seed, trace), (device, seconds, started_from) in trainings.items():
        if started_from:
            sibling = (started_from["autoencoder"], dataset, seed, trace[:started_from["epochs"]])
            if sibling in trainings:
                seconds -= trainings[sibling][1]
        rows[device]["trainings"] += 1
        rows[device]["pretrain_h"] += seconds / 3600
    for device, seconds in embeddings.values():
        rows[device]["manifold_h"] += seconds / 3600

    columns = ["results", "trainings", "pretrain_h", "manifold_h", "other_h"]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    frame["total_h"] = frame[["pretrain_h", "manifold_h", "other_h"]].sum(axis=1)
    frame.index.name = "device"
    return frame
