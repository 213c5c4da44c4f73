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
  10:1``, sizes about 10:1);
- no structure: 5,000 points drawn uniformly in the 10-d unit cube, and 5,000 from a
  standard 10-d Gaussian (``noise, uniform``, ``noise, gaussian``; true k = 1, which
  only prediction strength can answer).

:func:`calibrate` computes :func:`~caeward.number_of_clusters.choose_k` with every
criterion on the raw points and on their UMAP embedding, and writes one JSON file,
``results/number-of-clusters/<budget>.json`` (a sealed artefact), with the commit,
versions and settings that made it. It is rerunnable: an entry whose points, space and
settings are stored is kept, so a rerun after new trainings are committed computes
only theirs.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from .. import metrics, runtime
from ..cluster import cut_linkage, ward_linkage
from ..number_of_clusters import CRITERIA, RULE, RULE_SPACE, THRESHOLD, VERSION, choose_k, pick_k
from .artefacts import Artefact, read_sealed
from .settings import Budget, budget_named, results_root

__all__ = ["AUTOENCODERS", "SPACES", "SEEDS", "calibration_sets", "calibrate", "calibration_path",
           "load_calibration", "choices_frame", "rule_score"]

AUTOENCODERS = ("cae", "proposed")
SPACES = ("raw", "umap")
#: Seeds looked for: the book's five, and the five more trained for verdicts.
SEEDS = tuple(range(10))
#: choose_k's settings for the calibration (all criteria; its defaults otherwise).
SETTINGS = {"k_min": 2, "k_max": 20, "random_state": 0}
#: The sets the frozen rule was chosen on (see :mod:`caeward.number_of_clusters`):
#: ``(data set, autoencoder, seed)``.
CHOSEN_ON = {(name, "cae", 0) for name in ("mnist-test", "test-4", "test-6", "test-6 10:1")}
_SUBSETS = {"test-4": (range(4), ()), "test-6": (range(6), ()), "test-6 10:1": (range(6), (3, 4, 5))}



def calibration_path(budget: str | Budget = "full") -> Path:
    return results_root() / "number-of-clusters" / f"{budget_named(budget).name}.json"


def calibration_sets(budget: str | Budget = "full", device: str = "cpu") -> list[dict]:
    """The sets of points to calibrate on: dicts with ``name``, ``dataset``,
    ``autoencoder``, ``seed``, ``true_k``, ``points`` (n, d) and ``labels`` (n,)."""
    from .runner import load_dataset
    from .training_cache import is_cached
    from .trainings import trained_codes

    budget = budget_named(budget)
    sets = []
    for dataset in ("mnist-test", "mnist-full"):
        images, labels = load_dataset(dataset, budget)
        for autoencoder in AUTOENCODERS:
            for seed in SEEDS:
                if budget.is_quick:  # the same code on one small training (trained if missing)
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
    if budget.is_quick:
        keep = np.sort(np.random.default_rng(0).choice(len(points), 500, replace=False))
        points, labels = points[keep], labels[keep]
    sets.append({"name": "digits", "dataset": "digits", "autoencoder": "pixels", "seed": None,
                 "true_k": 10, "points": points, "labels": labels})
    n_noise = 500 if budget.is_quick else 5_000
    rng = np.random.default_rng(0)
    for name, noise in (("uniform", rng.uniform(size=(n_noise, 10))), ("gaussian", rng.normal(size=(n_noise, 10)))):
        sets.append({"name": f"noise, {name}", "dataset": "noise", "autoencoder": name, "seed": None,
                     "true_k": 1, "points": noise, "labels": np.zeros(n_noise, dtype=np.int64)})
    return sets


def _entry_key(item: dict, space: str) -> dict:
    points = np.ascontiguousarray(item["points"], dtype=np.float32)
    return {"name": item["name"], "autoencoder": item["autoencoder"], "seed": item["seed"], "space": space,
            "points_sha256": hashlib.sha256(points.tobytes()).hexdigest(), "shape": list(points.shape),
            "settings": SETTINGS, "version": VERSION}


def _config(budget: Budget) -> dict:
    return {"budget": budget.as_dict(), "settings": SETTINGS, "criteria": list(CRITERIA), "version": VERSION}


_WHAT = "choose_k on every set of points at hand, every criterion, raw and UMAP"


def calibrate(budget: str | Budget = "full", spaces=SPACES, device: str = "cpu",
              progress: bool = True, path: Path | None = None) -> dict:
    """Compute (or reuse) every criterion on every set and space; store and return them.

    The entries are one sealed artefact (:class:`~caeward.experiments.artefacts.Artefact`),
    one row per set and space, added as each is computed, so an interrupted run keeps
    its work; an entry whose points, space and settings are stored is not computed
    again.

    Returns
    -------
    dict
        ``entries``: one per set at hand and space, with ``key``, ``dataset``,
        ``autoencoder``, ``seed``, ``true_k``, ``choice`` (:meth:`KChoice.as_dict`),
        ``seconds``, ``created``, ``made_by``; raw-space entries also ``acc_by_k`` (ACC
        of Ward's cut of all the set's points at each k, the labels used only to
        score); and the artefact's provenance.
    """
    budget = budget_named(budget)
    store = Artefact(path or calibration_path(budget), _config(budget), _WHAT)
    wanted = []
    for item in calibration_sets(budget, device):
        for space in spaces:
            key = _entry_key(item, space)
            wanted.append(json.dumps(key, sort_keys=True))
            if store.has(key=key):
                continue
            start = time.perf_counter()
            choice = choose_k(item["points"], space=space, criteria=CRITERIA, **SETTINGS)
            seconds = time.perf_counter() - start
            entry = {"key": key, "dataset": item["name"], "autoencoder": item["autoencoder"],
                     "seed": item["seed"], "true_k": item["true_k"], "n_points": len(item["points"]),
                     "choice": choice.as_dict(), "seconds": seconds, "created": runtime.utc_timestamp(),
                     "made_by": runtime.git_commit()}
            if space == "raw":
                entry["acc_by_k"] = _acc_by_k(item)
            store.add(entry)
            if progress:
                print(f"{item['name']:12s} {item['autoencoder']:8s} seed {item['seed']} {space:4s} "
                      f"({seconds:5.1f} s): {choice.choices}", flush=True)
    if not store.complete:
        store.finish()
    by_key = {json.dumps(row["key"], sort_keys=True): row for row in store.rows}
    return {**store.data, "entries": [by_key[k] for k in wanted]}


def _acc_by_k(item: dict) -> dict:
    """ACC (%) of Ward's cut of all the set's raw points at k = 1..k_max, to score the
    choices afterwards (the labels are used here only)."""
    Z = ward_linkage(item["points"])
    return {str(k): 100 * metrics.cluster_acc(item["labels"], cut_linkage(Z, k))
            for k in range(1, SETTINGS["k_max"] + 1)}


def load_calibration(budget: str | Budget = "full", path: Path | None = None) -> dict:
    """The stored calibration of a budget (see :func:`calibrate`), its seal checked;
    ``entries`` are its rows."""
    data = read_sealed(path or calibration_path(budget))
    return {**data, "entries": data["rows"]}


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


# ------------------------------------------------------------------ the chapter's views

#: Short names of the criteria for tables.
SHORT = {"gap": "gap", "ratio": "ratio", "silhouette": "silhouette", "calinski_harabasz": "CH",
         "davies_bouldin": "DB", "gap_statistic": "gap stat.", "stability": "stability",
         "prediction_strength": "pred. strength"}
#: The data sets in the order the chapter shows them.
SET_ORDER = ("mnist-test", "mnist-full", "digits", "test-4", "test-6", "test-6 10:1", "noise, uniform",
             "noise, gaussian")


def set_label(dataset: str, autoencoder: str, seed) -> str:
    """``mnist-test, cae 0``: a set of points in one short cell; ``†`` marks the sets
    the rule was chosen on (:data:`CHOSEN_ON`)."""
    if seed is None or (isinstance(seed, float) and np.isnan(seed)):
        return dataset
    mark = " †" if (dataset, autoencoder, int(seed)) in CHOSEN_ON else ""
    return f"{dataset}, {autoencoder} {int(seed)}{mark}"


def choice_table(frame, space: str, criteria):
    """The chapter's table: one row per set (in :data:`SET_ORDER`), its true k, and the
    k of each of ``criteria`` in ``space``; a cell is ``k`` or ``k ✓`` when right."""
    import pandas as pd

    part = frame[frame["space"] == space].copy()
    part["order"] = part["data set"].map({name: i for i, name in enumerate(SET_ORDER)})
    part = part.sort_values(["order", "autoencoder", "seed"], na_position="first")
    rows = []
    for _, r in part.iterrows():
        row = {"set": set_label(r["data set"], r["autoencoder"], r["seed"]), "true k": int(r["true k"])}
        for name in criteria:
            row[SHORT[name]] = f"{int(r[name])} ✓" if r[name] == r["true k"] else str(int(r[name]))
        rows.append(row)
    return pd.DataFrame(rows)


def hits_table(frame, criteria, spaces=SPACES, datasets=SET_ORDER):
    """For each criterion and space, how many sets of each of ``datasets`` it gets
    right (``hits / sets``)."""
    import pandas as pd

    shown = [d for d in datasets if d in set(frame["data set"])]
    rows = []
    for name in criteria:
        for space in spaces:
            score = rule_score(frame, name, space)
            if not score:
                continue
            rows.append({"criterion": SHORT[name], "space": space,
                         **{d: f"{score[d][0]}/{score[d][1]}" for d in shown if d in score}})
    return pd.DataFrame(rows)


def total_hits(frame, criterion: str, space: str, which: str = "all") -> tuple[int, int]:
    """Right k over the sets of a space: ``which`` is ``"all"``, ``"chosen_on"`` (the
    sets the rule was chosen on, :data:`CHOSEN_ON`) or ``"held_out"`` (the others).
    Returns ``(hits, sets)``."""
    if which != "all":
        chosen = np.asarray([(d, a, s) in CHOSEN_ON for d, a, s in
                             zip(frame["data set"], frame["autoencoder"], frame["seed"])], dtype=bool)
        frame = frame[chosen if which == "chosen_on" else ~chosen]
    score = rule_score(frame, criterion, space)
    return sum(h for h, _ in score.values()), sum(n for _, n in score.values())


def plot_scores(calibration: dict, criterion: str, space: str, ax, threshold: float | None = None):
    """Each set's score per k for one criterion and space, one line per set, its true
    k marked with a dot."""
    from .views.book import cluster_colours

    entries = [e for e in calibration["entries"] if e["choice"]["space"] == space]
    names = [d for d in SET_ORDER if any(e["dataset"] == d for e in entries)]
    colours = dict(zip(names, cluster_colours(len(names))))
    seen = set()
    for e in entries:
        ks, scores = np.asarray(e["choice"]["ks"]), np.asarray(e["choice"]["scores"][criterion])
        scores = scores[: len(ks)]
        label = None if e["dataset"] in seen else e["dataset"]
        seen.add(e["dataset"])
        ax.plot(ks, scores, color=colours[e["dataset"]], lw=1.2, alpha=0.8, label=label)
        at = ks == e["true_k"]
        ax.plot(ks[at], scores[at], "o", color=colours[e["dataset"]], ms=5)
    if threshold is not None:
        ax.axhline(threshold, color="k", ls=":", lw=1)
    ax.set_xlabel("k")
    ax.set_xticks(np.arange(2, 21, 2))


def median_seconds(calibration: dict, criterion: str | None = None) -> dict:
    """Median wall time of ``choose_k`` per (data set, space): with every criterion, or
    (``criterion``) what that criterion alone needs: the tree, UMAP and itself."""
    found: dict = {}
    for e in calibration["entries"]:
        spent = e["choice"]["seconds"]
        seconds = e["seconds"] if criterion is None else \
            spent["tree"] + spent.get("umap", 0.0) + spent[criterion]
        found.setdefault((e["dataset"], e["choice"]["space"]), []).append(seconds)
    return {key: float(np.median(v)) for key, v in found.items()}


def cost_table(calibration: dict, criterion: str = RULE):
    """Per data set and space: points, median seconds with every criterion, and with
    ``criterion`` alone."""
    import pandas as pd

    every, alone = median_seconds(calibration), median_seconds(calibration, criterion)
    points = {e["dataset"]: e["n_points"] for e in calibration["entries"]}
    rows = [{"data set": d, "points": f"{points[d]:,}", "space": s,
             "all criteria (s)": round(every[d, s]), f"{SHORT[criterion]} alone (s)": round(alone[d, s])}
            for d in SET_ORDER for s in SPACES if (d, s) in every]
    return pd.DataFrame(rows)


def failures(calibration: dict, criterion: str = RULE, space: str = RULE_SPACE,
             threshold: float = THRESHOLD):
    """The sets where ``criterion`` in ``space`` misses the true k: its k, and ACC of
    Ward's cut of the raw points at its k and at the true k."""
    import pandas as pd

    acc = {(e["dataset"], e["autoencoder"], e["seed"]): e.get("acc_by_k", {})
           for e in calibration["entries"] if e["choice"]["space"] == "raw"}
    rows = []
    for e in calibration["entries"]:
        c = e["choice"]
        if c["space"] != space:
            continue
        k = pick_k(criterion, c["ks"], c["scores"][criterion], c["spread"].get(criterion), threshold)
        if k == e["true_k"]:
            continue
        by_k = {} if e["true_k"] == 1 else acc.get((e["dataset"], e["autoencoder"], e["seed"]), {})
        rows.append({"set": set_label(e["dataset"], e["autoencoder"], e["seed"]), "true k": e["true_k"],
                     "rule's k": k, "ACC at rule's k": by_k.get(str(k), np.nan),
                     "ACC at true k": by_k.get(str(e["true_k"]), np.nan)})
    return pd.DataFrame(rows)


#: The families of sets the chapter's first table counts: its column label, and the
#: data sets (:data:`SET_ORDER`) each holds.
FAMILIES = {"MNIST codes": ("mnist-test", "mnist-full"), "4 digits": ("test-4",), "6 digits": ("test-6",),
            "6 digits, 10:1": ("test-6 10:1",), "scikit-learn digits": ("digits",),
            "noise": ("noise, uniform", "noise, gaussian")}


def family_score(frame, criterion: str, space: str, families=FAMILIES) -> dict:
    """How often ``criterion`` in ``space`` finds the true k, per family of sets (those
    with a set in ``frame``): ``{family: (hits, sets)}``, in the order of ``families``."""
    score = rule_score(frame, criterion, space)
    found = {}
    for family, names in families.items():
        held = [score[name] for name in names if name in score]
        if held:
            found[family] = (sum(h for h, _ in held), sum(n for _, n in held))
    return found


def family_table(frame, criteria=CRITERIA, spaces=SPACES, families=FAMILIES, mark=(RULE, RULE_SPACE)):
    """The chapter's first table: one row per criterion and space (``CH, umap``; the
    ``mark``-ed one, the library's rule, ends in ``★``), one column per family of
    sets and one for all, each cell ``hits of sets``."""
    import pandas as pd

    rows = []
    for name in criteria:
        for space in spaces:
            score = family_score(frame, name, space, families)
            if not score:
                continue
            right, total = total_hits(frame, name, space)
            star = " ★" if (name, space) == tuple(mark) else ""
            rows.append({"criterion, space": f"{SHORT[name]}, {space}{star}",
                         **{f: f"{h} of {n}" for f, (h, n) in score.items()}, "all": f"{right} of {total}"})
    return pd.DataFrame(rows)


def _plain(value):
    """A numpy scalar as the Python number it holds (``np.int64(3)`` -> ``3``)."""
    return value.item() if isinstance(value, np.generic) else value


def criteria_table(columns: dict, criteria=CRITERIA):
    """One row per criterion (its short name), one column per entry of ``columns``
    (``{column: {criterion: value}}``, e.g. ``{"k": choice.choices}``), numpy scalars
    shown as Python numbers; a criterion missing from a column is left empty."""
    import pandas as pd

    rows = [{"criterion": SHORT[name], **{col: _plain(values.get(name, np.nan)) for col, values in columns.items()}}
            for name in criteria]
    return pd.DataFrame(rows)
