"""How many clusters in a folder: every k criterion on what the default recipe clusters.

Introduced in chapter 8 (*Clustering your own images*, "How many kinds of image?").
``python -m caeward cluster FOLDER --k auto`` runs the ``auto`` recipe
(:data:`caeward.recipes.POLICY`) and then chooses k on the points it clusters. This
module measures every criterion of :mod:`caeward.number_of_clusters` on those points
(HOG features, or the UMAP embedding of HOG features or of the CAE's codes after the
command's training budget), for the folder sizes and seeds of chapter 8's guide
(:mod:`caeward.experiments.folder_guide`), so that a rule can be chosen on some sets
and judged on the others:

- the **calibration panel**, :data:`CALIBRATION`: MNIST-test with unequal class sizes
  (10:1). The rule of ``--k auto``
  (:func:`caeward.number_of_clusters.choose_k_with_margin`) was chosen and frozen after
  11 of its 12 folders had been computed;
- the **held-out sets**, computed after that: MNIST-test digits, scikit-learn's
  digits, the LFW faces and non-faces (two classes, not digits), and :data:`NOISE` --
  images of uniform noise, where the answer is one cluster. One clause was added to
  the rule later (a silhouette rising to the last candidate means no structure), after
  every set's folders had been computed once, from what they showed on noise:
  :data:`CLAUSE_SEEN_ON`. All folders were computed again after that (on the
  square-rooted HOG features of :data:`caeward.recipes.HOG`), but noise is no longer a
  held-out test of that clause.

Each row holds, for one folder (set, size, seed), each criterion's score per candidate
k, its spread over resamples, and the k it points at, in two spaces: the recipe's
points as they are (``raw``) and their UMAP embedding (``umap``, the space of the
library's frozen rule). The scores are kept whole so that a rule (a criterion, a
space, a threshold) is applied afterwards without computing again:
:func:`rule_choice`.

One sealed artefact per set, ``results/own-images/folder-k-<set>-<budget>.json``
(:class:`~caeward.experiments.artefacts.Artefact`), resumable row by row.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from ..cut import auto_k_max
from ..number_of_clusters import AGREEMENT, CRITERIA, pick_k, weigh_choices
from ..recipes import DEFAULT_BATCH_SIZE, DEFAULT_STEPS, HOG, POLICY, recipe_points
from .artefacts import Artefact, read_sealed
from .folder_guide import GUIDE_SETS, SEEDS, SIDE, SIZES, guide_set, subset
from .settings import Budget, budget_named, results_root

__all__ = ["CALIBRATION", "CLAUSE_SEEN_ON", "K_SETS", "NOISE", "folder_k_path", "folder_k_runs", "k_set", "load_folder_k",
           "margin_rule", "margin_table", "rule_choice", "rule_hits", "rule_role"]

#: Images of uniform noise: no kinds at all, so the right answer is one cluster.
NOISE = "noise"
#: Every set measured: chapter 8's guide sets and the noise.
K_SETS = {**GUIDE_SETS, NOISE: "uniform noise, no kinds"}
#: The sets the rule was chosen on; the others only judge it.
CALIBRATION = ("mnist-test-unequal",)
#: The sets whose earlier folders showed the clause added later (see the module docstring).
CLAUSE_SEEN_ON = (NOISE,)
_NOISE_IMAGES = 2_000
_SPACES = ("raw", "umap")


def k_set(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The images (float32, (n, 28, 28), in [0, 1]) and labels of one of :data:`K_SETS`."""
    if name == NOISE:
        rng = np.random.default_rng(0)
        return rng.random((_NOISE_IMAGES, SIDE, SIDE), dtype=np.float32), np.zeros(_NOISE_IMAGES, np.int64)
    return guide_set(name)


def folder_k_path(name: str, budget: str | Budget = "full"):
    return results_root() / "own-images" / f"folder-k-{name}-{budget_named(budget).name}.json"


#: Folder sizes: the guide's (quick: its smallest only, so the chapter's test stays short).
_SIZES = {"full": SIZES["full"], "quick": SIZES["quick"][:1]}


def _config(name: str, budget: Budget, n_images: int) -> dict:
    kind = "quick" if budget.is_quick else "full"
    return {"set": name, "sizes": [s for s in _SIZES[kind] if s <= n_images] or [n_images],
            "seeds": list(SEEDS[kind]), "recipe": "auto", "policy": [[a if math.isfinite(a) else None, r] for a, r in POLICY],
            "side": SIDE, "hog": HOG, "steps": DEFAULT_STEPS if kind == "full" else 20, "batch_size": DEFAULT_BATCH_SIZE,
            "criteria": list(CRITERIA), "spaces": list(_SPACES),
            "candidates": "2..caeward.cut.auto_k_max(n)", "choose_k": "n_resamples=10, defaults otherwise"}


def folder_k_runs(name: str, budget: str | Budget = "full", seeds=None, max_size: int | None = None,
                  progress: bool = False) -> Artefact:
    """Every criterion on every folder of set ``name``: stored, or computed and stored.

    ``seeds`` and ``max_size`` limit what is computed now; the artefact is complete
    when every size has every seed.
    """
    from ..number_of_clusters import choose_k

    budget = budget_named(budget)
    images, labels = k_set(name)
    if budget.is_quick:
        keep = subset(len(images), 200, 0)
        images, labels = images[keep], labels[keep]
    config = _config(name, budget, len(images))
    store = Artefact(folder_k_path(name, budget), config,
                     "every k criterion on the points of the auto recipe, per folder (chapter 8)")
    if store.complete:
        return store
    for seed in (e for e in config["seeds"] if seeds is None or e in seeds):
        for size in (s for s in config["sizes"] if max_size is None or s <= max_size):
            if store.has(size=size, seed=seed):
                continue
            keep = subset(len(images), size, seed)
            start = time.perf_counter()
            found = recipe_points(images[keep], "auto", n_clusters="auto", steps=config["steps"],
                                  batch_size=config["batch_size"], seed=seed, device="cpu", progress=progress)
            recipe, points = found.recipe, found.points
            row = {"size": size, "seed": seed, "recipe": recipe, "n_images": int(len(keep)),
                   "k": int(len(np.unique(labels[keep]))), "points_seconds": time.perf_counter() - start}
            for space in _SPACES:
                start = time.perf_counter()
                found = choose_k(points, k_max=auto_k_max(len(keep)), space=space, random_state=seed)
                row[space] = {"ks": found.ks.tolist(), "choices": {c: int(v) for c, v in found.choices.items()},
                              "scores": {c: _json_floats(v) for c, v in found.scores.items()},
                              "spread": {c: _json_floats(v) for c, v in found.spread.items()},
                              "n_distinct": int(found.settings["n_distinct"]),
                              "seconds": time.perf_counter() - start}
            store.add(row)
            if progress:
                print(f"{name} {size} seed {seed}: {recipe}, true k {row['k']}, prediction strength "
                      f"{row['raw']['choices']['prediction_strength']} / {row['umap']['choices']['prediction_strength']}",
                      flush=True)
    if all(store.has(size=s, seed=e) for s in config["sizes"] for e in config["seeds"]):
        store.finish()
    return store


def _json_floats(values) -> list:
    """Floats for JSON, ``None`` where a score is undefined (read back as NaN)."""
    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, dtype=np.float64)]


def load_folder_k(budget: str | Budget = "full") -> pd.DataFrame:
    """One row per stored folder of every set (with ``set``, ``calibration`` and
    ``complete``); the per-space evidence stays in the ``raw`` and ``umap`` columns."""
    frames = []
    for name in K_SETS:
        path = folder_k_path(name, budget)
        if path.exists():
            data = read_sealed(path)
            if data["rows"]:
                frames.append(pd.DataFrame(data["rows"]).assign(set=name, calibration=name in CALIBRATION,
                                                                complete=bool(data.get("complete"))))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def rule_choice(evidence: dict, criterion: str, **options) -> int:
    """The k a criterion points at from one space's stored evidence (a row's ``raw`` or
    ``umap``); ``options`` go to :func:`caeward.number_of_clusters.pick_k` (``threshold``).
    A criterion that found one distinct point answers 1."""
    if evidence["n_distinct"] == 1:
        return 1
    ks = np.asarray(evidence["ks"])
    scores = np.asarray(evidence["scores"][criterion], dtype=np.float64)
    spread = evidence["spread"].get(criterion)
    if len(scores) == len(ks):
        scores = np.where(ks > evidence["n_distinct"], np.nan, scores)
    return pick_k(criterion, ks, scores, None if spread is None else np.asarray(spread, float), **options)


def rule_hits(rows: pd.DataFrame, rules: dict) -> pd.DataFrame:
    """For each rule (name -> (space, criterion, options)), each row's chosen k and
    whether it is the true one: a long frame with ``rule``, ``chosen`` and ``right``."""
    out = []
    for name, (space, criterion, options) in rules.items():
        chosen = [rule_choice(ev, criterion, **options) for ev in rows[space]]
        out.append(rows.drop(columns=list(_SPACES)).assign(rule=name, chosen=chosen,
                                                          right=np.asarray(chosen) == rows["k"].to_numpy()))
    return pd.concat(out, ignore_index=True)


def margin_rule(row) -> dict:
    """What ``--k auto`` (:func:`caeward.number_of_clusters.choose_k_with_margin`)
    answers for one stored folder, from its stored evidence: ``guess``, ``low``,
    ``high``, ``decided``; ``by_clause``, whether the guess is 1 only by the clause
    added later (the silhouette at the last candidate); and ``silhouette``, the k the
    silhouette alone picks on the recipe's points (clustimage's rule). The stored evidence computed every criterion
    from one random generator, so its resamples are not those of a live run, which
    computes only the rule's two criteria: the same rule on the same points, with other
    random halves."""
    found = {f"{space} {criterion}": rule_choice(row[space], criterion) for space, criterion in AGREEMENT}
    guess, (low, high), decided = weigh_choices(found, k_max=int(max(row["umap"]["ks"])))
    by_clause = guess == 1 and weigh_choices(found)[0] != 1
    return {"guess": guess, "low": low, "high": high, "decided": decided, "by_clause": by_clause,
            "silhouette": rule_choice(row["raw"], "silhouette")}


def margin_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per set: how ``--k auto`` did on its folders (true k; decided and right, decided
    and wrong; best guess right; true k within the plausible span; the span's median
    width) and how often the silhouette alone was right; calibration sets first, each
    with its :func:`rule_role`."""
    answers = pd.DataFrame([margin_rule(row) for _, row in rows.iterrows()], index=rows.index)
    frame = pd.concat([rows[["set", "size", "k", "calibration"]], answers], axis=1)
    frame = frame.assign(right=frame["guess"] == frame["k"],
                         within=(frame["low"] <= frame["k"]) & (frame["k"] <= frame["high"]),
                         width=frame["high"] - frame["low"] + 1,
                         silhouette_right=frame["silhouette"] == frame["k"])
    table = (frame.assign(decided_right=frame["decided"] & frame["right"],
                          decided_wrong=frame["decided"] & ~frame["right"])
             .groupby("set", sort=False)
             .agg(calibration=("calibration", "first"), folders=("k", "size"), true_k=("k", "first"),
                  decided_right=("decided_right", "sum"), decided_wrong=("decided_wrong", "sum"),
                  guess_right=("right", "sum"), within_span=("within", "sum"),
                  median_span=("width", "median"), silhouette_right=("silhouette_right", "sum")))
    order = [s for s in K_SETS if s in table.index]
    table = table.loc[sorted(order, key=lambda s: (s not in CALIBRATION, order.index(s)))]
    return table.reset_index().assign(role=lambda t: [rule_role(name) for name in t["set"]])


def rule_role(name: str) -> str:
    """What set ``name`` was to the rule: ``"frozen on"`` (:data:`CALIBRATION`),
    ``"clause seen on"`` (:data:`CLAUSE_SEEN_ON`) or ``"held out"``."""
    return "frozen on" if name in CALIBRATION else "clause seen on" if name in CLAUSE_SEEN_ON else "held out"
