"""The experiment runner: one method x dataset x seed -> one JSON result.

Introduced in chapter 1 (*The problem*); chapter 4 builds the whole Table 1 with it.

Each method is registered once in :data:`caeward.methods.METHODS`. :func:`run` loads the data,
applies the budget, runs the method, scores it and writes one JSON file holding the
metrics, the wall time of each stage, the device, the package versions, the git
commit and the full configuration. A run whose result file already exists is not
run again: its stored result is returned. :func:`results_table` turns a results
folder into the table the chapters display, with the paper's numbers beside it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from . import metrics, runtime
from .budget import BUDGETS, Budget, results_dir, subsample
from .data import load_mnist
from .embeddings import AUTOENCODERS, store_codes, trained_codes
from .estimate import format_duration, missing_runs_seconds
from .io import atomic_path
from .methods import METHODS, RunContext, own_seconds
from .paper import TABLE1

__all__ = ["DATASETS", "METHODS", "load_dataset", "predict", "run", "run_many", "results_dir", "trained_as_stored",
           "result_path", "load_results", "results_table", "format_table", "compute_spent"]

#: Runner dataset names -> :func:`caeward.data.load_mnist` subsets.
DATASETS = {"mnist-full": "full", "mnist-test": "test"}


# ------------------------------------------------------------------------- running

def result_path(method: str, dataset: str, seed: int, budget: str | Budget) -> Path:
    return results_dir(budget) / method / dataset / f"seed{seed}.json"


def load_dataset(dataset: str, budget: str | Budget = "full") -> tuple[np.ndarray, np.ndarray]:
    """The images and labels a run on ``dataset`` sees at ``budget`` (its fixed subset)."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    budget = BUDGETS[budget] if isinstance(budget, str) else budget
    images, labels = load_mnist(DATASETS[dataset])
    return subsample(images, labels, budget)


def predict(method: str, images: np.ndarray, seed: int, budget: str | Budget = "full",
            device: str | None = None, progress: bool = True) -> np.ndarray:
    """Run a registered method on images and return its labels, storing nothing.

    The same code as :func:`run` (a chapter uses it to look inside a result);
    autoencoder trainings come from the cache when :func:`run` made them.
    """
    return _execute(method, images, seed, budget, device, progress)[0]


def train_autoencoder(autoencoder: str, dataset: str, seed: int, budget: str | Budget = "full",
                      device: str | None = None, progress: bool = True, store: bool = False) -> dict:
    """Train (or resume) an autoencoder on a data set and cache its codes; no result.

    For a chapter that looks inside a training, such as chapter 6's figures, on a
    machine whose cache lacks it: :func:`run` skips a method whose result is stored,
    so it never trains its autoencoder again, and ``force`` would replace the
    stored result. The training is the one the runner's methods use (same cache key).

    Parameters
    ----------
    autoencoder : str
        A key of :data:`caeward.embeddings.AUTOENCODERS`.
    dataset : {"mnist-full", "mnist-test"}
    seed : int
    budget : {"quick", "full"} or Budget
    store : bool
        Also write the codes under ``results/codes/`` to be committed
        (:mod:`caeward.stored_codes`: for the trainings that chapters draw figures
        from), unless they are committed already.

    Returns
    -------
    dict
        The training's ``info`` from :func:`caeward.embeddings.trained_codes`
        (``source`` says where it came from), with ``stored_in``, the folder written,
        when ``store`` wrote one.
    """
    if autoencoder not in AUTOENCODERS:
        raise ValueError(f"unknown autoencoder {autoencoder!r}; known: {', '.join(AUTOENCODERS)}")
    images, _ = load_dataset(dataset, budget)
    budget = BUDGETS[budget] if isinstance(budget, str) else budget
    runtime.float32_everywhere()  # as the runner, so that the training is the same
    _, info = trained_codes(autoencoder, images, budget, seed, device or runtime.pick_device(), progress=progress)
    if store and info["source"] != "committed":
        info["stored_in"] = str(store_codes(autoencoder, images, budget, seed))
    return info


def _execute(method: str, images: np.ndarray, seed: int, budget: str | Budget,
             device: str | None, progress: bool) -> tuple[np.ndarray, RunContext]:
    """Seed, run the method's ``fit_predict``, and hand back its labels and context."""
    budget = BUDGETS[budget] if isinstance(budget, str) else budget
    ctx = RunContext(images, seed, budget, device or runtime.pick_device(), progress=progress)
    runtime.seed_everything(seed)
    runtime.float32_everywhere()
    return METHODS[method].fit_predict(ctx), ctx


def run(method: str, dataset: str, seed: int, budget: str | Budget = "full",
        force: bool = False, verbose: bool = True) -> dict:
    """Run one method on one dataset with one seed, or return its stored result.

    Parameters
    ----------
    method : str
        A key of :data:`METHODS`.
    dataset : {"mnist-full", "mnist-test"}
    seed : int
    budget : {"quick", "full"} or Budget
    force : bool
        Run again even if a result exists (the old file is replaced atomically).

    Returns
    -------
    dict
        The result as stored in its JSON file.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    budget = BUDGETS[budget] if isinstance(budget, str) else budget
    path = result_path(method, dataset, seed, budget)
    if path.exists() and not force:
        stored = _read_result(path)
        if verbose:
            print(f"{method} / {dataset} / seed {seed}: stored result {path.name} "
                  f"(ACC {stored['metrics']['acc']:.4f}), not run again")
        return stored

    spec = METHODS[method]
    start = time.perf_counter()
    images, labels = load_dataset(dataset, budget)
    load_s = time.perf_counter() - start
    predicted, ctx = _execute(method, images, seed, budget, None, verbose)
    device = ctx.device
    timings = {"load_s": load_s, **ctx.timings, "total_s": time.perf_counter() - start}
    result = {
        "method": method, "label": spec.label, "dataset": dataset, "seed": seed,
        "budget": budget.name, "n_samples": int(len(labels)),
        "metrics": metrics.evaluate(labels, predicted),
        "n_clusters_found": int(np.unique(predicted).size),
        "timings": timings, "details": ctx.details,
        "device": device, "device_name": runtime.device_name(device), "cpu_kernels": runtime.cpu_kernels(),
        "versions": runtime.versions(), **runtime.git_commit(),
        "config": {"method": spec.config, "budget": budget.as_dict()},
        "created": runtime.utc_timestamp(),
    }
    _write_json_atomic(path, result)
    if verbose:
        m = result["metrics"]
        print(f"{method} / {dataset} / seed {seed}: ACC {m['acc']:.4f}  NMI {m['nmi']:.4f}  "
              f"({timings['total_s']:.1f} s) -> {path}")
    return result


def trained_as_stored(result: dict, codes_info: dict) -> bool:
    """Whether codes come from the very training behind a stored result.

    Introduced in chapter 4. A seed fixes a training only on one kind of machine:
    PyTorch's CPU kernels round differently between processors (see
    ``cpu_kernels`` in the results), and 200 epochs amplify the last bits into a
    different network. The loss curve, stored with every result and with every
    cached training, tells them apart: equal curves, same training.

    Parameters
    ----------
    result : dict
        A stored result of a method with an autoencoder (``details.autoencoder``).
    codes_info : dict
        The ``info`` that :func:`caeward.embeddings.trained_codes` returned.
    """
    stored = result.get("details", {}).get("autoencoder")
    if stored is None:
        raise ValueError(f"{result.get('method')!r} has no autoencoder, so no training to compare")
    return stored["losses"] == codes_info["losses"]


def run_many(methods, datasets, seeds, budget: str | Budget = "full",
             force: bool = False, missing: str = "run") -> list[dict]:
    """Every method x dataset x seed: stored results are loaded, missing ones run.

    Before computing anything it says how many runs are missing and, from the
    timings of stored runs (:func:`caeward.estimate.missing_runs_seconds`), at most
    about how long they will take, so that no one starts hours of work by accident.

    Parameters
    ----------
    methods, datasets : list of str
    seeds : list of int
    budget : {"quick", "full"} or Budget
    force : bool
        Run again even where a result is stored.
    missing : {"run", "report"}
        ``"run"`` computes missing runs; ``"report"`` only lists them, with the
        command that computes them, and returns the stored ones (a chapter that
        shows whatever full-budget runs exist).

    Returns
    -------
    list of dict
        The results, stored or computed, in method, dataset, seed order.
    """
    if missing not in ("run", "report"):
        raise ValueError(f"missing must be 'run' or 'report', got {missing!r}")
    budget = BUDGETS[budget] if isinstance(budget, str) else budget
    jobs = [(m, d, s) for m in methods for d in datasets for s in seeds]
    todo = [j for j in jobs if force or not result_path(*j, budget).exists()]
    if todo:
        seconds, unknown = missing_runs_seconds(todo, load_results(budget), budget, runtime.pick_device())
        known = len(todo) - unknown
        estimate = (f"at most about {format_duration(seconds)} from stored timings"
                    + (f", plus {unknown} run(s) with no timing to estimate from" if unknown else "")
                    if known else "no stored timing to estimate from")
        if missing == "report":
            print(f"{len(jobs) - len(todo)} of {len(jobs)} runs are stored; {len(todo)} are not "
                  f"({estimate}) and are left out here. To compute them:")
            for m, d in dict.fromkeys((m, d) for m, d, _ in todo):
                left = [s for mm, dd, s in todo if (mm, dd) == (m, d)]
                print(f"  python -m caeward run --method {m} --dataset {d} --seed "
                      f"{' '.join(map(str, left))} --budget {budget.name}")
            return [_read_result(result_path(*j, budget)) for j in jobs if j not in todo]
        print(f"{len(jobs) - len(todo)} of {len(jobs)} runs are stored; computing {len(todo)} "
              f"at the {budget.name} budget ({estimate}).")
    else:
        print(f"All {len(jobs)} runs are stored in {results_dir(budget)}; nothing to compute.")
    return [run(m, d, s, budget, force=force, verbose=(m, d, s) in todo) for m, d, s in jobs]


def _write_json_atomic(path: Path, obj: dict) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


_REQUIRED = ("method", "dataset", "seed", "budget", "metrics")


def _read_result(path: Path) -> dict:
    try:
        result = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"result file {path} cannot be read ({exc}); delete it to run again") from exc
    missing = [k for k in _REQUIRED if k not in result]
    if missing:
        raise ValueError(f"result file {path} lacks {missing}; delete it to run again")
    return result


# ------------------------------------------------------------------------- tables

def load_results(budget: str | Budget = "full") -> list[dict]:
    """Every stored result of a budget, in a stable order."""
    folder = results_dir(budget)
    return [_read_result(p) for p in sorted(folder.glob("*/*/seed*.json"))]


def results_table(results: list[dict], methods: list[str] | None = None):
    """Mean ± sd (over seeds) per method and dataset, with the paper's numbers.

    Parameters
    ----------
    results : list of dict
        As returned by :func:`load_results` or :func:`run`.
    methods : list of str, optional
        Row order (default: the order of :data:`METHODS`).

    Returns
    -------
    pandas.DataFrame
        One row per method and dataset, columns ``n_seeds``, ``acc_mean``,
        ``acc_sd``, ``nmi_mean``, ``nmi_sd`` (in %, sd with ddof=1, NaN for one
        seed), ``nmi_geometric_mean`` and ``paper_acc``, ``paper_nmi`` (the
        paper's reported numbers).
    """
    import pandas as pd

    rows = []
    order = methods or [m for m in METHODS if any(r["method"] == m for r in results)]
    for method in order:
        for dataset in DATASETS:
            runs = [r for r in results if r["method"] == method and r["dataset"] == dataset]
            if not runs:
                continue
            acc, nmi, nmi_geo = (100 * np.array([r["metrics"][k] for r in runs])
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


def format_table(table):
    """The table of :func:`results_table` as a reader sees it: ``mean ± sd`` strings
    beside the paper's numbers, one row per method, a column group per dataset."""
    import pandas as pd

    def pm(mean, sd):
        return f"{mean:.2f}" if np.isnan(sd) else f"{mean:.2f} ± {sd:.2f}"

    def paper(v):
        return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.2f}"

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


# ------------------------------------------------------------------------- cost

def _training_id(result: dict) -> tuple | None:
    """What identifies the autoencoder training behind a result: the same training
    (shared by, say, ``cae-kmeans`` and ``cae-ward``) has the same per-epoch losses,
    which every such result stores (as :func:`trained_as_stored` relies on)."""
    info = result.get("details", {}).get("autoencoder")
    if info is None:
        return None
    return result["config"]["method"].get("autoencoder"), result["dataset"], result["seed"], tuple(info["losses"])


def compute_spent(results: list[dict]):
    """The recorded compute behind a set of results, per kind of device, in hours.

    Each training and each manifold embedding is counted once, however many results
    share it (``pretrain_s`` and ``manifold_s`` are the stage's own time, repeated in
    every result that reused it). A training that continued a shorter sibling's
    checkpoint (the epochs ablation) took over that sibling's clock; only the
    epochs it added are counted, when the sibling's result is among ``results``.
    Load, clustering and self-training are counted per result. Time lost to
    interruptions, and anything a result does not record, is not in the sum.

    Parameters
    ----------
    results : list of dict
        As returned by :func:`load_results`.

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
        device = runtime.device_kind(r["device"])
        row = rows.setdefault(device, {"results": 0, "trainings": 0, "pretrain_h": 0.0,
                                       "manifold_h": 0.0, "other_h": 0.0})
        row["results"] += 1
        t = r["timings"]
        row["other_h"] += own_seconds(t) / 3600
        training = _training_id(r)
        if training is not None:
            trainings[training] = (device, t["pretrain_s"], r["details"]["autoencoder"].get("pretrain_started_from"))
        manifold = r["config"]["method"].get("manifold")
        if manifold is not None:
            embeddings[(training, json.dumps(manifold, sort_keys=True))] = (device, t["manifold_s"])

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
