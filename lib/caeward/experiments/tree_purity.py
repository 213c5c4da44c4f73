"""How well the trees of the committed codes keep each class together: the purity table.

Every training whose codes are committed under ``results/codes/<budget>/``
(:mod:`caeward.experiments.training_cache`; its codes are in the order of its data set's
images, so the data set's labels are theirs) gets five trees: the Ward, average,
complete and single linkage trees of its codes (:func:`caeward.cluster.linkage`), and
the Ward tree of the codes' UMAP embedding (:data:`UMAP`: 10 components, 20
neighbours, seeded with the training's seed; the same embedding as the runner's
``<autoencoder>-umap-ward`` runs, from the same cache). Each tree is scored by its
dendrogram purity {Heller & Ghahramani 2005}, :func:`caeward.metrics.dendrogram_purity`,
which judges the whole hierarchy rather than one cut, and by its leaf purity at
:data:`LEAVES` leaves, :func:`caeward.metrics.leaf_purity` (DeepECT's).

Average and complete linkage need the n(n-1)/2 distance matrix: above
:data:`MATRIX_LIMIT_BYTES` (MNIST-full's 70,000 codes need 19.6 GB) they are not
computed, and their row says so (``skipped``) instead of holding a purity. The limit
is fixed, not the machine's memory, so that the table is the same on every machine.

One sealed artefact per budget, ``results/tree-purity/<budget>.json``
(:class:`caeward.experiments.artefacts.Artefact`): a row per (autoencoder, data set,
seed, linkage), each naming the committed codes it came from (their path under the
results folder and the SHA-256 their record holds). The codes are part of the
artefact's config, so a stored artefact is used only for the very codes committed now;
rows are written as they finish, so a stopped computation resumes.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import cluster, metrics
from ..files import VerificationError, load_verified_array
from ..manifold import UMAPSettings
from .artefacts import Artefact, read_sealed
from .registry import AUTOENCODERS, N_CLUSTERS
from .runner import load_dataset
from .settings import DATASETS, Budget, budget_named, codes_dir, current_budget, results_root
from .embedding_cache import umap_embedding
from .training_cache import committed_folder, training_key
from .verdicts import LEVEL, t_interval

__all__ = ["LINKAGES", "UMAP_LINKAGE", "TREES", "LEAVES", "UMAP", "MATRIX_LIMIT_BYTES", "CommittedCodes",
           "committed_trainings", "tree_purity_path", "tree_purity_runs", "load_tree_purity",
           "tree_purity_table"]

#: The linkages of the codes themselves.
LINKAGES = ("ward", "average", "complete", "single")
#: Ward linkage of the codes' UMAP embedding.
UMAP_LINKAGE = "umap-ward"
#: Every tree of a training, in the table's order.
TREES = LINKAGES + (UMAP_LINKAGE,)
#: Leaves of the leaf purity: the number of classes.
LEAVES = N_CLUSTERS
#: UMAP's settings: N2D's for MNIST, the runner's UMAP methods' (10 components, 20 neighbours).
UMAP = UMAPSettings()
#: The largest distance matrix computed (4 GB: 31,600 points; MNIST-test's 10,000 take 0.4 GB).
MATRIX_LIMIT_BYTES = 4 * 10**9

_CODES, _CODES_RECORD = "codes.npy", "codes.json"


def _matrix_bytes(n: int) -> int:
    return n * (n - 1) // 2 * 8


@dataclass(frozen=True)
class CommittedCodes:
    """One training's committed codes, verified, with its data set's labels.

    Attributes
    ----------
    autoencoder, dataset : str
    seed : int
    folder : Path
        The training's folder under ``results/codes/<budget>/``.
    sha256 : str
        The SHA-256 of ``codes.npy`` that its record holds (checked when loaded).
    codes : ndarray of float32, shape (n_samples, code_dim)
    labels : ndarray of int64, shape (n_samples,)
    """

    autoencoder: str
    dataset: str
    seed: int
    folder: Path
    sha256: str
    codes: np.ndarray = field(repr=False, compare=False)
    labels: np.ndarray = field(repr=False, compare=False)

    @property
    def path(self) -> str:
        """``codes.npy``'s path under the results folder (the same on every machine)."""
        path = self.folder / _CODES
        try:
            return path.relative_to(results_root()).as_posix()
        except ValueError:
            return path.as_posix()

    def key(self) -> dict:
        """What identifies the codes in a row and in the artefact's config."""
        return {"autoencoder": self.autoencoder, "dataset": self.dataset, "seed": self.seed,
                "path": self.path, "sha256": self.sha256}


def committed_trainings(budget: str | Budget | None = None) -> list[CommittedCodes]:
    """Every training whose codes are committed under ``results/codes/<budget>/``, in
    the order data set, autoencoder, seed; never trains.

    A folder's codes are used when they pass their check
    (:func:`caeward.files.load_verified_array`, no pickles) and their record's key is
    that of a training of a registered autoencoder on one of :data:`DATASETS` at this
    budget, filed under that training's folder (:func:`caeward.experiments.training_cache.committed_folder`):
    then the codes are in the order of that data set's images, whose labels are
    returned with them. Any other folder is left out with a one-line warning.
    """
    budget = current_budget() if budget is None else budget_named(budget)
    folders = sorted(p for p in codes_dir(budget).glob("*") if p.is_dir()
                     and ((p / _CODES).exists() or (p / _CODES_RECORD).exists()))
    data: dict = {}
    found = []
    for folder in folders:
        try:
            codes, info = load_verified_array(folder / _CODES, folder / _CODES_RECORD)
            record = json.loads((folder / _CODES_RECORD).read_text())
        except (VerificationError, OSError, ValueError) as exc:
            warnings.warn(f"committed codes in {folder} are left out: {exc}", stacklevel=2)
            continue
        key = info.get("key")
        match = _dataset_of(key, folder, budget, data) if isinstance(key, dict) and record["info"] == info else None
        if match is None:
            warnings.warn(f"committed codes in {folder} are left out: their record is not the key of a training "
                          f"of a registered autoencoder on {' or '.join(DATASETS)} at budget {budget.name}",
                          stacklevel=2)
            continue
        labels = data[match][1]
        if codes.ndim != 2 or len(codes) != len(labels) or not np.isfinite(codes).all():
            warnings.warn(f"committed codes in {folder} are left out: shape {codes.shape} or values do not fit "
                          f"the {len(labels)} images of {match}", stacklevel=2)
            continue
        found.append(CommittedCodes(key["autoencoder"], match, int(key["seed"]), folder, record["data_sha256"],
                                    codes, labels))
    order = {name: i for i, name in enumerate(DATASETS)}
    return sorted(found, key=lambda c: (order[c.dataset], c.autoencoder, c.seed))


def _dataset_of(key: dict, folder: Path, budget: Budget, data: dict) -> str | None:
    """The data set whose training ``key`` is, filed in ``folder``; data sets are loaded
    into ``data`` on first need."""
    name, seed = key.get("autoencoder"), key.get("seed")
    if name not in AUTOENCODERS or isinstance(seed, bool) or not isinstance(seed, int):
        return None
    for dataset in DATASETS:
        if dataset not in data:
            images, labels = load_dataset(dataset, budget)
            data[dataset] = images, np.asarray(labels, dtype=np.int64)
        expected = training_key(name, data[dataset][0], budget, seed)
        if expected == key and committed_folder(expected, budget).resolve() == folder.resolve():
            return dataset
    return None


def tree_purity_path(budget: str | Budget | None = None) -> Path:
    """``<results>/tree-purity/<budget>.json``."""
    budget = current_budget() if budget is None else budget_named(budget)
    return results_root() / "tree-purity" / f"{budget.name}.json"


def _config(budget: Budget, trainings: list[CommittedCodes]) -> dict:
    return {"budget": budget.name, "trees": list(TREES), "linkages": list(LINKAGES),
            "umap": {"settings": UMAP.as_dict(), "linkage": "ward", "seed": "the training's seed"},
            "leaves": LEAVES, "matrix_limit_bytes": MATRIX_LIMIT_BYTES,
            "metrics": {"dendrogram_purity": "Heller & Ghahramani (2005), exact",
                        "leaf_purity": f"share of points in their leaf's majority class, {LEAVES} leaves"},
            "codes": [t.key() for t in trainings]}


def tree_purity_runs(budget: str | Budget | None = None, trees=TREES, progress: bool = False) -> Artefact:
    """The purity of every tree of every committed training: stored, or computed and stored.

    Parameters
    ----------
    budget : str or Budget, optional
        Default: :func:`caeward.experiments.settings.current_budget` (``CAEWARD_QUICK``).
    trees : sequence of str
        Which of :data:`TREES` to compute now (all by default); the artefact is complete
        when every training has every tree.
    progress : bool
        Print a line per row computed.

    Returns
    -------
    Artefact
        Its ``rows``: one per (autoencoder, dataset, seed, linkage), with
        ``dendrogram_purity`` and ``leaf_purity`` (None where ``skipped`` says why),
        ``n_points``, ``n_classes``, ``leaves``, ``codes`` (``path``, ``sha256``) and
        ``seconds`` (``linkage``, ``purity``; ``umap`` for the UMAP tree).
    """
    budget = current_budget() if budget is None else budget_named(budget)
    unknown = [t for t in trees if t not in TREES]
    if unknown:
        raise ValueError(f"unknown tree(s) {', '.join(map(repr, unknown))}; known: {', '.join(TREES)}")
    trainings = committed_trainings(budget)
    artefact = Artefact(tree_purity_path(budget), _config(budget, trainings),
                        "dendrogram and leaf purity of the linkage trees of every committed training's codes")
    if artefact.complete:
        return artefact
    for training in sorted(trainings, key=lambda t: len(t.codes)):  # the small ones first
        embedded = None
        for tree in (t for t in TREES if t in trees):
            if artefact.has(autoencoder=training.autoencoder, dataset=training.dataset, seed=training.seed,
                         linkage=tree):
                continue
            if tree == UMAP_LINKAGE and embedded is None:
                embedded = umap_embedding(training.codes, training.seed, UMAP)
            row = _row(training, tree, embedded)
            artefact.add(row)
            if progress:
                shown = "skipped (memory)" if row["skipped"] else f"{row['dendrogram_purity']:.4f}"
                print(f"{training.autoencoder} {training.dataset} seed {training.seed} {tree}: {shown}", flush=True)
    if all(artefact.has(autoencoder=t.autoencoder, dataset=t.dataset, seed=t.seed, linkage=tree)
           for t in trainings for tree in TREES):
        artefact.finish()
    return artefact


def _row(training: CommittedCodes, tree: str, embedded) -> dict:
    n = len(training.codes)
    row = {"autoencoder": training.autoencoder, "dataset": training.dataset, "seed": training.seed,
           "linkage": tree, "space": "umap" if tree == UMAP_LINKAGE else "codes", "n_points": n,
           "n_classes": int(np.unique(training.labels).size), "leaves": LEAVES,
           "codes": {"path": training.path, "sha256": training.sha256}}
    method = "ward" if tree == UMAP_LINKAGE else tree
    if not cluster.LINKAGES[method] and _matrix_bytes(n) > MATRIX_LIMIT_BYTES:
        return {**row, "dendrogram_purity": None, "leaf_purity": None, "seconds": {},
                "skipped": f"memory: {method} linkage of {n:,} points needs a {_matrix_bytes(n) / 1e9:.1f} GB "
                           f"distance matrix, over the limit of {MATRIX_LIMIT_BYTES / 1e9:.1f} GB"}
    seconds = {}
    if tree == UMAP_LINKAGE:
        points, info = embedded
        seconds["umap"] = float(info["umap_s"])
    else:
        points = training.codes
    start = time.perf_counter()
    Z = cluster.linkage(points, method, max_matrix_bytes=MATRIX_LIMIT_BYTES)
    seconds["linkage"] = time.perf_counter() - start
    start = time.perf_counter()
    purity = metrics.dendrogram_purity(Z, training.labels)
    leaves = metrics.leaf_purity(Z, training.labels, LEAVES)
    seconds["purity"] = time.perf_counter() - start
    return {**row, "dendrogram_purity": purity, "leaf_purity": leaves, "seconds": seconds, "skipped": None}


def load_tree_purity(budget: str | Budget | None = None) -> pd.DataFrame:
    """The stored rows (seal checked, :func:`caeward.experiments.artefacts.read_sealed`),
    one frame with a ``complete`` column; empty when nothing is stored."""
    path = tree_purity_path(budget)
    if not path.exists():
        return pd.DataFrame()
    data = read_sealed(path)
    return pd.DataFrame(data["rows"]).assign(complete=bool(data.get("complete")))


def tree_purity_table(rows=None, budget: str | Budget | None = None) -> pd.DataFrame:
    """Mean dendrogram purity over seeds, per autoencoder, data set and linkage.

    Parameters
    ----------
    rows : list of dict or DataFrame, optional
        Rows of :func:`tree_purity_runs` (default: the stored ones of ``budget``).
    budget : str or Budget, optional

    Returns
    -------
    pandas.DataFrame
        One row per (autoencoder, dataset, linkage), linkages in the order of
        :data:`TREES`: ``n`` (seeds with a purity), ``mean``, ``sd`` (ddof=1),
        ``low``, ``high`` (Student's t interval of the mean at
        :data:`caeward.experiments.verdicts.LEVEL`, NaN below two seeds),
        ``leaf_mean`` (mean leaf purity) and ``skipped`` (seeds not computed, for memory).
    """
    frame = load_tree_purity(budget) if rows is None else pd.DataFrame(rows)
    columns = ["autoencoder", "dataset", "linkage", "n", "mean", "sd", "low", "high", "leaf_mean", "skipped"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    out = []
    for (autoencoder, dataset, tree), part in frame.groupby(["autoencoder", "dataset", "linkage"], sort=False):
        values = part["dendrogram_purity"].dropna().astype(float).to_numpy()
        leaves = part["leaf_purity"].dropna().astype(float).to_numpy()
        mean, low, high = t_interval(values, LEVEL) if len(values) >= 2 else (
            float(values.mean()) if len(values) else math.nan, math.nan, math.nan)
        out.append({"autoencoder": autoencoder, "dataset": dataset, "linkage": tree, "n": int(len(values)),
                    "mean": mean, "sd": float(values.std(ddof=1)) if len(values) >= 2 else math.nan,
                    "low": low, "high": high, "leaf_mean": float(leaves.mean()) if len(leaves) else math.nan,
                    "skipped": int(part["skipped"].notna().sum())})
    table = pd.DataFrame(out, columns=columns)
    data_order = {name: i for i, name in enumerate(DATASETS)}
    tree_order = {name: i for i, name in enumerate(TREES)}
    ranks = pd.DataFrame({"d": table["dataset"].map(data_order).fillna(len(DATASETS)),
                          "a": table["autoencoder"], "t": table["linkage"].map(tree_order).fillna(len(TREES))})
    return table.loc[ranks.sort_values(["d", "a", "t"], kind="stable").index].reset_index(drop=True)
