"""Calibrating the choice of k: every criterion of :mod:`caeward.number_of_clusters`
on every set of codes at hand, scored against the labels afterwards.

Introduced in chapter 7 (*How many clusters?*). The sets, each with the number of
classes it holds (never shown to the criteria):

- ``mnist-test``, ``mnist-full``: the codes of every training of DCEC's CAE and the
  proposed CAE at hand for the budget (cached, or committed under ``results/codes/``;
  none is trained at the full budget; the quick budget takes only DCEC's CAE, seed 0,
  on its MNIST-test subset, trained if missing);
- ``digits``: scikit-learn's 1,797 handwritten digits, their 64 pixels divided by 16;
- subsets of each MNIST-test set of codes: the digits 0-3 (``test-4``), 0-5
  (``test-6``), and 0-5 with 3, 4 and 5 kept at a tenth of their images (``test-6
  10:1``, sizes about 10:1).

:func:`calibrate` computes :func:`~caeward.number_of_clusters.choose_k` with every
criterion on the raw points and on their UMAP embedding, and writes one JSON file,
``results/number-of-clusters/<budget>.json``, with the commit, versions and settings
that made it. It is rerunnable: an entry whose points, space and settings are
unchanged is kept, so a rerun after new trainings are committed computes only theirs.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from .. import metrics, runtime
from ..cluster import cut_linkage, ward_linkage
from ..files import atomic_path
from ..number_of_clusters import CRITERIA, RULE, RULE_SPACE, THRESHOLD, VERSION, choose_k, pick_k
from .settings import Budget, budget_named, results_root

__all__ = ["AUTOENCODERS", "SPACES", "SEEDS", "calibration_sets", "calibrate", "calibration_path",
           "load_calibration", "choices_frame", "rule_score"]

AUTOENCODERS = ("cae", "proposed")
SPACES = ("raw", "umap")
#: Seeds looked for: the book's five, and the five more trained for verdicts.
SEEDS = tuple(range(10))
#: choose_k's settings for the calibration (all criteria; its defaults otherwise).
SETTINGS = {"k_min": 2, "k_max": 20, "random_state": 0}
_SUBSETS = {"test-4": (range(4), ()), "test-6": (range(6), ()), "test-6 10:1": (range(6), (3, 4, 5))}


def _quick(budget: Budget) -> bool:
    return budget.name.startswith("quick")


def calibration_path(budget: str | Budget = "full") -> Path:
    return results_root() / "number-of-clusters" / f"{budget_named(budget).name}.json"


def calibration_sets(budget: str | Budget = "full", device: str = "cpu") -> list[dict]:
    """The sets of points to calibrate on: dicts with ``name``, ``dataset``,
    ``autoencoder``, ``seed``, ``true_k``, ``points`` (n, d) and ``labels`` (n,)."""
    from .runner import load_dataset
    from .store import is_cached, trained_codes

    budget = budget_named(budget)
    sets = []
    for dataset in ("mnist-test", "mnist-full"):
        images, labels = load_dataset(dataset, budget)
        for autoencoder in AUTOENCODERS:
            for seed in SEEDS:
                if _quick(budget):  # the same code on one small training (trained if missing)
                    if (dataset, autoencoder, seed) != ("mnist-test", "cae", 0):
                        continue
                elif not is_cached(autoencoder, images, budget, seed):
                    continue
                codes, _ = trained_codes(autoencoder, images, budget, seed, device=device, progress=False)
                common = {"dataset": dataset, "autoencoder": autoencoder, "seed": seed}
                sets.append({"name": dataset, **common, "true_k": 10, "points": codes, "labels": labels})
                if dataset != "mnist-test":
                    continue
                rng = np.random.default_rng(seed)
                for name, (digits, thinned) in _SUBSETS.items():
                    keep = np.isin(labels, list(digits))
                    for digit in thinned:  # keep a tenth, at random
                        where = np.flatnonzero(labels == digit)
                        drop = rng.choice(where, len(where) - len(where) // 10, replace=False)
                        keep[drop] = False
                    sets.append({"name": name, **common, "true_k": len(digits),
                                 "points": codes[keep], "labels": labels[keep]})
    from sklearn.datasets import load_digits

    digits = load_digits()
    points, labels = digits.data / 16.0, digits.target.astype(np.int64)
    if _quick(budget):
        keep = np.sort(np.random.default_rng(0).choice(len(points), 500, replace=False))
        points, labels = points[keep], labels[keep]
    sets.append({"name": "digits", "dataset": "digits", "autoencoder": "pixels", "seed": None,
                 "true_k": 10, "points": points, "labels": labels})
    return sets


def _entry_key(item: dict, space: str) -> dict:
    points = np.ascontiguousarray(item["points"], dtype=np.float32)
    return {"name": item["name"], "autoencoder": item["autoencoder"], "seed": item["seed"], "space": space,
            "points_sha256": hashlib.sha256(points.tobytes()).hexdigest(), "shape": list(points.shape),
            "settings": SETTINGS, "version": VERSION}


def calibrate(budget: str | Budget = "full", spaces=SPACES, device: str = "cpu",
              progress: bool = True, path: Path | None = None) -> dict:
    """Compute (or reuse) every criterion on every set and space; write and return the file.

    Returns
    -------
    dict
        ``entries``: one per set and space, with ``key``, ``dataset``, ``autoencoder``,
        ``seed``, ``true_k``, ``choice`` (:meth:`KChoice.as_dict`), ``acc_at_choice``
        (ACC of Ward's cut at each criterion's k, labels used only to score), ``created``;
        and the provenance of the file.
    """
    budget = budget_named(budget)
    path = path or calibration_path(budget)
    old = load_calibration(budget, path) if path.exists() else {"entries": []}
    kept = {json.dumps(e["key"], sort_keys=True): e for e in old.get("entries", [])}
    entries = []
    for item in calibration_sets(budget, device):
        for space in spaces:
            key = _entry_key(item, space)
            found = kept.get(json.dumps(key, sort_keys=True))
            if found is None:
                start = time.perf_counter()
                choice = choose_k(item["points"], space=space, criteria=CRITERIA, **SETTINGS)
                seconds = time.perf_counter() - start
                found = {"key": key, "dataset": item["name"], "autoencoder": item["autoencoder"],
                         "seed": item["seed"], "true_k": item["true_k"], "n_points": len(item["points"]),
                         "choice": choice.as_dict(), "seconds": seconds,
                         "acc_at_choice": _acc_at(item, choice), "created": runtime.utc_timestamp(),
                         "made_by": runtime.git_commit()}
                if progress:
                    print(f"{item['name']:12s} {item['autoencoder']:8s} seed {item['seed']} {space:4s} "
                          f"({seconds:5.1f} s): {choice.choices}", flush=True)
            entries.append(found)
            _write(path, budget, entries)  # after every entry: an interrupted run keeps its work
    return load_calibration(budget, path)


def _acc_at(item: dict, choice) -> dict:
    """ACC (%) of Ward's cut of all the raw points at each criterion's k and at the true
    k, for scoring only; none for the UMAP space (its embedding is not kept) or past
    20,000 points."""
    if choice.space != "raw" or len(item["points"]) > 20_000:
        return {}
    Z = ward_linkage(item["points"])
    ks = sorted({k for k in choice.choices.values() if k >= 1} | {item["true_k"]})
    return {str(k): 100 * metrics.cluster_acc(item["labels"], cut_linkage(Z, k)) for k in ks}


def _write(path: Path, budget: Budget, entries: list[dict]) -> None:
    record = {"what": "choose_k on every set of points at hand, every criterion, raw and UMAP",
              "budget": budget.as_dict(), "settings": SETTINGS, "criteria": list(CRITERIA),
              "rule": {"criterion": RULE, "space": RULE_SPACE, "threshold": THRESHOLD},
              "created": runtime.utc_timestamp(), "made_by": runtime.git_commit(),
              "versions": runtime.versions(), "entries": entries}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, indent=1))


def load_calibration(budget: str | Budget = "full", path: Path | None = None) -> dict:
    """The stored calibration of a budget (see :func:`calibrate`)."""
    path = path or calibration_path(budget)
    return json.loads(Path(path).read_text())


def choices_frame(calibration: dict, criteria=CRITERIA, threshold: float = THRESHOLD):
    """One row per set, space: the set, its seed, the true k, and each criterion's k
    (re-picked from the stored scores with ``threshold``)."""
    import pandas as pd

    rows = []
    for e in calibration["entries"]:
        c = e["choice"]
        row = {"data set": e["dataset"], "autoencoder": e["autoencoder"], "seed": e["seed"],
               "space": c["space"], "true k": e["true_k"]}
        for name in criteria:
            if name in c["scores"]:
                row[name] = pick_k(name, c["ks"], c["scores"][name], c["spread"].get(name), threshold)
        rows.append(row)
    return pd.DataFrame(rows)


def rule_score(frame, criterion: str, space: str) -> dict:
    """How often ``criterion`` in ``space`` finds the true k, per data set: ``{name:
    (hits, sets)}``."""
    part = frame[frame["space"] == space]
    return {name: (int((g[criterion] == g["true k"]).sum()), len(g)) for name, g in part.groupby("data set")}
