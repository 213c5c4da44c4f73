"""Which recipe for which images: chapter 8's measured guide.

Introduced in chapter 8 (*Clustering your own images*). Each of the five
:data:`caeward.recipes.RECIPES` runs on three image sets the book has offline:

- ``digits16``: scikit-learn's 1,797 digits, upscaled to 16x16
  (:func:`caeward.experiments.own_images.load_digits16`);
- ``mnist-test``: the 10,000 MNIST test images;
- ``mnist-test-unequal``: a fixed subset of MNIST-test whose class sizes fall
  geometrically from digit 0 to digit 9, 10:1 between the largest and the smallest.

The runs of one set and budget are one JSON file,
``results/own-images/guide-<set>-<budget>.json``: every recipe's ACC, NMI and seconds
per seed, with the commit, configuration, device and versions that made them. It is
written after every run, so an interrupted computation resumes; a file made with
other settings is not used. On MNIST-test the runs the book already stored
(``results/<budget>/<method>/mnist-test/seed<N>.json``: k-means on pixels, the
proposed CAE + Ward, + UMAP + Ward at the full 200 epochs) are read, not recomputed;
their seconds add the pretraining the result file records.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd

from .. import cluster, manifold, metrics, runtime
from ..estimator import CAEWard
from ..files import atomic_path
from ..recipes import DEFAULT_BATCH_SIZE, RECIPES
from .own_images import load_digits16
from .results import ResultFileError, read_result, result_path
from .runner import load_dataset
from .settings import Budget, budget_named, results_root

__all__ = ["GUIDE_SETS", "SEEDS", "guide_images", "unequal_sizes", "guide_runs", "guide_path",
           "guide_table", "recommend"]

#: Image set name -> how the book names it.
GUIDE_SETS = {"digits16": "digits 16×16", "mnist-test": "MNIST-test",
              "mnist-test-unequal": "MNIST-test, unequal 10:1"}
SEEDS = {"full": [0, 1, 2], "quick": [0, 1]}
N_CLUSTERS = 10
#: The recipes the runner stores under another name (``results/<budget>/<method>/``).
_STORED_AS = {"kmeans-pixels": "pixels-kmeans", "cae-ward": "proposed-ward",
              "cae-umap-ward": "proposed-umap-ward"}
#: CAE pretraining epochs at the full budget. MNIST-test's runs are the book's stored
#: 200-epoch trainings; the two smaller sets get a smaller budget (CPU time is the cost).
_FULL_EPOCHS = {"digits16": 20, "mnist-test": 200, "mnist-test-unequal": 10}
#: Batch size of the CAE: MNIST-test's stored runs took 256; the small sets take the
#: recipes' default, so that a short training still makes hundreds of steps.
_BATCH_SIZE = {"mnist-test": 256}
#: The largest class of the unequal subset, full and quick budget.
_LARGEST = {"full": 400, "quick": 100}
#: What a row's times are (the machine is shared, so wall time depends on the neighbours).
_TIMING = ("seconds: process CPU seconds, all threads (stored MNIST-test runs: their recorded "
           "single-threaded wall seconds); wall_seconds: wall-clock")
#: Images per set in quick mode (the same code on less data).
_QUICK_IMAGES = 600


def _kind(budget: Budget) -> str:
    return "quick" if budget.name.startswith("quick") else "full"


def unequal_sizes(largest: int, ratio: float = 10.0, n_classes: int = N_CLUSTERS) -> list[int]:
    """Class sizes falling geometrically from ``largest`` (class 0) to ``largest / ratio``."""
    return [int(round(largest / ratio ** (c / (n_classes - 1)))) for c in range(n_classes)]


def guide_images(name: str, budget: str | Budget = "full") -> tuple[np.ndarray, np.ndarray]:
    """The images (float32, (n, s, s), in [0, 1]) and labels of one of :data:`GUIDE_SETS`."""
    budget = budget_named(budget)
    if name not in GUIDE_SETS:
        raise ValueError(f"unknown image set {name!r}; known: {', '.join(GUIDE_SETS)}")
    if name == "digits16":
        images, labels = load_digits16(budget)
    else:
        images, labels = load_dataset("mnist-test", "full")
        images = images.astype(np.float32) / 255.0
        if name == "mnist-test-unequal":
            rng = np.random.default_rng(0)
            keep = np.concatenate([rng.choice(np.flatnonzero(labels == c), size, replace=False)
                                   for c, size in enumerate(unequal_sizes(_LARGEST[_kind(budget)]))])
            images, labels = images[np.sort(keep)], labels[np.sort(keep)]
        elif _kind(budget) == "quick":
            keep = np.sort(np.random.default_rng(0).choice(len(images), _QUICK_IMAGES, replace=False))
            images, labels = images[keep], labels[keep]
    return images, labels.astype(np.int64)


def _epochs(name: str, budget: Budget) -> int:
    return budget.cae_epochs if _kind(budget) == "quick" else _FULL_EPOCHS[name]


def _config(name: str, budget: Budget) -> dict:
    return {"set": name, "n_clusters": N_CLUSTERS, "timing": _TIMING, "seeds": SEEDS[_kind(budget)],
            "recipes": list(RECIPES), "kmeans_n_init": budget.kmeans_n_init,
            "cae": {"architecture": "proposed", "epochs": _epochs(name, budget),
                    "batch_size": _BATCH_SIZE.get(name, DEFAULT_BATCH_SIZE), "lr": 1e-3},
            "umap": {"n_components": N_CLUSTERS, "n_neighbors": 20, "min_dist": 0.0},
            "unequal_sizes": unequal_sizes(_LARGEST[_kind(budget)]) if name.endswith("unequal") else None}


def guide_path(name: str, budget: str | Budget = "full"):
    return results_root() / "own-images" / f"guide-{name}-{budget_named(budget).name}.json"


def guide_runs(name: str, budget: str | Budget = "full", device: str | None = None,
               progress: bool = False) -> dict:
    """Every recipe on image set ``name`` for every seed: stored, or computed and stored.

    Returns
    -------
    dict
        ``rows`` (one per recipe and seed: ``recipe``, ``seed``, ``acc``, ``nmi``,
        ``seconds``, ``source``), ``config``, ``n_images``, ``complete`` and the
        provenance (``device``, ``versions``, ``commit``, ``dirty``, ``created``).
    """
    budget = budget_named(budget)
    path, config = guide_path(name, budget), _config(name, budget)
    stored = json.loads(path.read_text()) if path.exists() else None
    if stored is not None and stored.get("config") == config and stored.get("complete"):
        return stored
    images, labels = guide_images(name, budget)
    device = device or runtime.pick_device()
    found = {"rows": [], "config": config, "n_images": int(len(images)), "complete": False,
             "device": device, "device_name": runtime.device_name(device), "threads": _threads(),
             "versions": runtime.versions(),
             **runtime.git_commit(), "created": runtime.utc_timestamp()}
    if stored is not None and stored.get("config") == config:  # resume an interrupted computation
        found["rows"] = stored["rows"]
    done = {(r["recipe"], r["seed"]) for r in found["rows"]}

    def add(recipe, seed, predicted, clocks):
        cpu, wall = clocks
        found["rows"].append({"recipe": recipe, "seed": seed, "acc": metrics.cluster_acc(labels, predicted),
                              "nmi": metrics.nmi(labels, predicted), "seconds": cpu, "wall_seconds": wall,
                              "source": "computed"})
        _write(path, found)

    pixels = images.reshape(len(images), -1)
    if ("ward-pixels", None) not in done:  # Ward on pixels has no seed: one run
        start = _clocks()
        labels_ward = cluster.cut_linkage(cluster.linkage(pixels, "ward"), N_CLUSTERS)
        add("ward-pixels", None, labels_ward, _since(start))
    for seed in config["seeds"]:
        for recipe in _STORED_AS:
            row = None if (recipe, seed) in done else _stored_row(recipe, name, seed, budget)
            if row is not None:
                found["rows"].append(row)
                done.add((recipe, seed))
        if ("kmeans-pixels", seed) not in done:
            start = _clocks()
            predicted = cluster.kmeans(pixels, N_CLUSTERS, n_init=budget.kmeans_n_init, random_state=seed)
            add("kmeans-pixels", seed, predicted, _since(start))
        if ("umap-ward-pixels", seed) not in done:
            start = _clocks()
            add("umap-ward-pixels", seed, _umap_ward(pixels, seed), _since(start))
        if ("cae-ward", seed) in done and ("cae-umap-ward", seed) in done:
            continue
        # one training per seed serves both CAE recipes, as CAEWard(manifold="umap")
        # trains the same network for the same seed and then embeds its codes
        start = _clocks()
        model = CAEWard(N_CLUSTERS, **config["cae"], device=device, random_state=seed,
                        verbose=progress).fit(images)
        trained = _since(start)
        if ("cae-ward", seed) not in done:
            add("cae-ward", seed, model.labels_, trained)
        start = _clocks()
        umap_labels = _umap_ward(model.embedding_, seed)
        cpu, wall = _since(start)
        add("cae-umap-ward", seed, umap_labels, (trained[0] + cpu, trained[1] + wall))
    found["complete"] = True
    _write(path, found)
    return found


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def _clocks() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def _since(start) -> tuple[float, float]:
    """Process CPU seconds and wall seconds since ``start`` (:func:`_clocks`)."""
    return time.process_time() - start[0], time.perf_counter() - start[1]


def _umap_ward(points, seed: int) -> np.ndarray:
    embedded = manifold.umap_embed(points, seed, manifold.UMAPSettings(n_components=N_CLUSTERS))
    return cluster.cut_linkage(cluster.linkage(embedded, "ward"), N_CLUSTERS)


def _stored_row(recipe: str, name: str, seed: int, budget: Budget) -> dict | None:
    """The book's stored run of ``recipe`` on MNIST-test as a guide row, if there is
    one made with the guide's settings (all 10,000 images, 200 epochs); else None."""
    if name != "mnist-test" or recipe not in _STORED_AS or _kind(budget) == "quick":
        return None
    path = result_path(_STORED_AS[recipe], "mnist-test", seed, budget)
    if not path.exists():
        return None
    try:
        result = read_result(path)
    except ResultFileError:
        return None
    epochs = result.config["budget"].get("cae_epochs")
    if result.n_samples != 10_000 or epochs != _FULL_EPOCHS["mnist-test"]:
        return None
    # a stored run's total leaves out the pretraining it reused; a user pays for both
    seconds = result.timings.get("total_s", 0.0) + result.timings.get("pretrain_s", 0.0)
    return {"recipe": recipe, "seed": seed, "acc": result.metrics["acc"], "nmi": result.metrics["nmi"],
            "seconds": seconds, "wall_seconds": seconds, "source": str(path.relative_to(results_root().parent))}


def _write(path, found: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(found, indent=2) + "\n")


def guide_table(runs: dict[str, dict]) -> pd.DataFrame:
    """One row per image set and recipe: mean and sd of ACC and NMI (in %), median
    (CPU) seconds and the number of runs."""
    frames = []
    for name, found in runs.items():
        frame = pd.DataFrame(found["rows"])
        frame["set"] = name
        frames.append(frame)
    frame = pd.concat(frames)
    frame["acc"], frame["nmi"] = 100 * frame["acc"], 100 * frame["nmi"]
    table = (frame.groupby(["set", "recipe"], sort=False)
             .agg(runs=("acc", "size"), acc=("acc", "mean"), acc_sd=("acc", "std"),
                  nmi=("nmi", "mean"), nmi_sd=("nmi", "std"), seconds=("seconds", "median"))
             .reset_index())
    return table  # a recipe without a seed (Ward on pixels) ran once: its sd is NaN


def recommend(table: pd.DataFrame, close: float = 5.0) -> dict:
    """The guide's advice, read off :func:`guide_table`.

    Returns
    -------
    dict
        ``unknown``: the recipe with the highest ACC averaged over the image sets (the
        one to use on images you know nothing about); ``fast``: the quickest recipe
        (median seconds summed over the sets) within ``close`` points of it (itself
        when none is); ``no_training``: the best of the recipes that train no network;
        ``per_set``: the best recipe of each set; ``mean_acc``: ACC averaged over the
        sets per recipe; ``seconds``: median seconds summed over the sets per recipe.
    """
    mean_acc = table.groupby("recipe", sort=False)["acc"].mean()
    seconds = table.groupby("recipe", sort=False)["seconds"].sum()
    unknown = max(mean_acc.index, key=lambda r: (round(mean_acc[r], 6), -seconds[r]))
    near = [r for r in mean_acc.index if mean_acc[r] >= mean_acc[unknown] - close]
    fast = min(near, key=lambda r: seconds[r])
    no_training = max((r for r in mean_acc.index if not r.startswith("cae-")), key=lambda r: mean_acc[r])
    per_set = {s: part.loc[part["acc"].idxmax(), "recipe"] for s, part in table.groupby("set", sort=False)}
    return {"unknown": unknown, "fast": fast, "no_training": no_training, "per_set": per_set, "mean_acc": mean_acc.to_dict(),
            "seconds": seconds.to_dict()}
