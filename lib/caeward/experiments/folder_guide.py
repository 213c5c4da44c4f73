"""Which recipe for a folder of how many images: chapter 8's measured guide.

Introduced in chapter 8 (*Clustering your own images*). Every recipe of
:data:`caeward.recipes.RECIPES` runs, exactly as ``python -m caeward cluster`` runs it
(:func:`caeward.recipes.run_recipe` with the command's defaults: 28x28 images, the CAE's
step budget), on random subsets of several sizes of four image sets the book has
offline:

- ``mnist-test``: the 10,000 MNIST test images;
- ``digits``: scikit-learn's 1,797 handwritten digits (8x8, values 0..16), resized to
  28x28 as the folder reader resizes a file;
- ``mnist-test-unequal``: a fixed subset of MNIST-test whose class sizes fall
  geometrically from digit 0 to digit 9, 10:1 between the largest and the smallest;
- ``lfw``: scikit-image's bundled subset of Labeled Faces in the Wild, 100 faces and
  100 non-faces (25x25, resized to 28x28): two classes, and not digits.

A subset of size n for seed s is drawn with seed s (all of a set when n is its size),
and s also seeds the recipe. Each set is one sealed artefact,
``results/own-images/folder-guide-<set>-<budget>.json``
(:class:`caeward.experiments.artefacts.Artefact`): a row per (size, seed, recipe) with
ACC, NMI, wall and CPU seconds, and the k two label-free rules choose on the points the
recipe clustered (prediction strength, the library's rule, and the silhouette, the rule
of clustimage). Rows are written as they finish, so a stopped computation resumes;
the recipes that train nothing run first, for every size, then the CAE recipes.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from .. import metrics
from ..number_of_clusters import choose_k
from ..recipes import DEFAULT_BATCH_SIZE, DEFAULT_STEPS, HOG, POLICY, RECIPES, choose_recipe, run_recipe
from .artefacts import Artefact, read_sealed
from .settings import Budget, budget_named, results_root

__all__ = ["GUIDE_SETS", "SIZES", "SEEDS", "guide_set", "subset", "guide_path", "guide_runs", "load_guide",
           "guide_table", "best_by_size", "derive_policy", "policy_check", "hog_root_runs", "hog_root_table"]

#: Image set name -> how the book names it.
GUIDE_SETS = {"mnist-test": "MNIST-test digits", "digits": "scikit-learn digits",
              "mnist-test-unequal": "MNIST-test, unequal 10:1", "lfw": "LFW faces / non-faces"}
#: Folder sizes measured (those no larger than the set).
SIZES = {"full": (200, 500, 1000, 2000, 5000, 10000), "quick": (100, 200)}
SEEDS = {"full": (0, 1, 2), "quick": (0,)}
#: The side the folder command reads images at.
SIDE = 28
#: The largest class of the unequal set (digit 0); digit 9 has a tenth of it.
_LARGEST = 900
#: The recipes that train a network: run after all the others.
_TRAINING = tuple(r for r in RECIPES if r.startswith("proposed-"))
#: choose_k's candidates: up to 20 clusters, fewer for few points.
_K_MAX = 20


def _kind(budget: Budget) -> str:
    return "quick" if budget.is_quick else "full"


def unequal_sizes(largest: int, ratio: float = 10.0, n_classes: int = 10) -> list[int]:
    """Class sizes falling geometrically from ``largest`` (class 0) to ``largest / ratio``."""
    return [int(round(largest / ratio ** (c / (n_classes - 1)))) for c in range(n_classes)]


def _resized(images: np.ndarray) -> np.ndarray:
    """Float images in [0, 1] as the folder reader would give them at :data:`SIDE`."""
    from PIL import Image

    from ..folder import to_square_grey

    grey = np.clip(np.rint(images * 255), 0, 255).astype(np.uint8)
    return np.stack([to_square_grey(Image.fromarray(image, mode="L"), SIDE) for image in grey])


def guide_set(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The images (float32, (n, 28, 28), in [0, 1]) and labels of one of :data:`GUIDE_SETS`."""
    if name not in GUIDE_SETS:
        raise ValueError(f"unknown image set {name!r}; known: {', '.join(GUIDE_SETS)}")
    if name == "digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        return _resized(digits.images / 16.0), digits.target.astype(np.int64)
    if name == "lfw":
        from skimage.data import lfw_subset

        return _resized(lfw_subset()), np.repeat(np.arange(2), 100)  # 100 faces, then 100 non-faces
    from .runner import load_dataset

    images, labels = load_dataset("mnist-test", "full")
    images = images.astype(np.float32) / 255.0
    if name == "mnist-test-unequal":
        rng = np.random.default_rng(0)
        keep = np.sort(np.concatenate([rng.choice(np.flatnonzero(labels == c), size, replace=False)
                                       for c, size in enumerate(unequal_sizes(_LARGEST))]))
        images, labels = images[keep], labels[keep]
    return images, labels.astype(np.int64)


def subset(n_images: int, size: int, seed: int) -> np.ndarray:
    """The indices (sorted) of a folder of ``size`` of ``n_images`` images, for ``seed``."""
    if size >= n_images:
        return np.arange(n_images)
    return np.sort(np.random.default_rng(seed).choice(n_images, size, replace=False))


def _config(name: str, budget: Budget, n_images: int) -> dict:
    kind = _kind(budget)
    return {"set": name, "sizes": [s for s in SIZES[kind] if s <= n_images] or [n_images],
            "seeds": list(SEEDS[kind]), "recipes": list(RECIPES), "side": SIDE, "hog": HOG,
            "steps": DEFAULT_STEPS if kind == "full" else 20, "batch_size": DEFAULT_BATCH_SIZE,
            "k": "the true number of classes", "k_rules": ["prediction_strength (raw)", "silhouette (raw)"],
            "unequal_sizes": unequal_sizes(_LARGEST) if name == "mnist-test-unequal" else None,
            "timing": "wall_seconds: wall clock; cpu_seconds: process CPU time, all threads"}


def guide_path(name: str, budget: str | Budget = "full"):
    return results_root() / "own-images" / f"folder-guide-{name}-{budget_named(budget).name}.json"


def guide_runs(name: str, budget: str | Budget = "full", recipes=None, seeds=None, device: str = "cpu",
               progress: bool = False) -> Artefact:
    """Every recipe on every folder size of image set ``name``: stored, or computed and stored.

    ``recipes`` and ``seeds`` limit what is computed now (all of :data:`RECIPES` and
    :data:`SEEDS` by default); the artefact is complete when every recipe has every row.
    """
    budget = budget_named(budget)
    images, labels = guide_set(name)
    if _kind(budget) == "quick":
        images, labels = images[subset(len(images), 200, 0)], labels[subset(len(images), 200, 0)]
    config = _config(name, budget, len(images))
    store = Artefact(guide_path(name, budget), config,
                     "chapter 8's folder guide: every recipe at every folder size")
    if store.complete:
        return store
    wanted = [r for r in RECIPES if r in (recipes or RECIPES)]
    todo_seeds = [e for e in config["seeds"] if seeds is None or e in seeds]
    # seed by seed, so that a stopped computation has every size of its first seeds
    for seed in todo_seeds:
        for size in config["sizes"]:
            keep = subset(len(images), size, seed)
            for recipe in (r for r in wanted if r not in _TRAINING):
                if not store.has(size=size, seed=seed, recipe=recipe):
                    store.add(_run(images[keep], labels[keep], recipe, size, seed, config, device, progress))
    for seed in todo_seeds:
        for size in config["sizes"]:
            keep = subset(len(images), size, seed)
            todo = [r for r in wanted if r in _TRAINING and not store.has(size=size, seed=seed, recipe=r)]
            if todo:
                for row in _run_trained(images[keep], labels[keep], todo, size, seed, config, device, progress):
                    store.add(row)
    if all(store.has(size=s, seed=e, recipe=r) for r in RECIPES for s in config["sizes"] for e in config["seeds"]):
        store.finish()
    return store


def _run(images, labels, recipe, size, seed, config, device, progress) -> dict:
    k = int(len(np.unique(labels)))
    start, cpu = time.perf_counter(), time.process_time()
    found = run_recipe(images, recipe, n_clusters=k, steps=config["steps"], batch_size=config["batch_size"],
                       seed=seed, device=device, progress=progress)
    return _row(found, labels, size, seed, time.perf_counter() - start, time.process_time() - cpu)


def _run_trained(images, labels, recipes, size, seed, config, device, progress) -> list[dict]:
    """The CAE recipes of one folder from one training: ``proposed-umap-ward`` trains the
    same network for the same seed as ``proposed-ward`` (the CAE is seeded), so its
    codes are taken from that run and only its UMAP step and cut run again; its
    seconds add the training's."""
    k = int(len(np.unique(labels)))
    start, cpu = time.perf_counter(), time.process_time()
    ward = run_recipe(images, "proposed-ward", n_clusters=k, steps=config["steps"],
                      batch_size=config["batch_size"], seed=seed, device=device, progress=progress)
    clocks = time.perf_counter() - start, time.process_time() - cpu
    rows = [_row(ward, labels, size, seed, *clocks)] if "proposed-ward" in recipes else []
    if "proposed-umap-ward" in recipes:
        start, cpu = time.perf_counter(), time.process_time()
        umap = _umap_ward_of_codes(ward, k, seed)
        extra = time.perf_counter() - start, time.process_time() - cpu
        umap.epochs = ward.epochs
        rows.append(_row(umap, labels, size, seed, clocks[0] + extra[0], clocks[1] + extra[1]))
    return rows


def _umap_ward_of_codes(trained, k: int, seed: int):
    """``proposed-umap-ward``'s steps after the training, on the codes of ``trained``."""
    from .. import cluster, manifold
    from ..cut import cut
    from ..recipes import RecipeResult

    points = manifold.umap_embed(trained.model.embedding_, seed, manifold.UMAPSettings.for_clusters(k))
    Z = cluster.linkage(points, "ward")
    found = cut(Z, n_clusters=k)
    return RecipeResult("proposed-umap-ward", found.labels, found.n_clusters, Z, points, {}, None, trained.model)


def _row(found, labels, size, seed, wall, cpu) -> dict:
    n = len(labels)
    choice = choose_k(found.points, k_max=min(_K_MAX, n // 2 - 1), space="raw", criteria=("silhouette",),
                      random_state=seed)
    return {"size": size, "seed": seed, "recipe": found.recipe, "n_images": int(n),
            "k": int(len(np.unique(labels))), "acc": metrics.cluster_acc(labels, found.labels),
            "nmi": metrics.nmi(labels, found.labels), "wall_seconds": wall, "cpu_seconds": cpu,
            "epochs": found.epochs, "k_prediction_strength": int(choice.choices["prediction_strength"]),
            "k_silhouette": int(choice.choices["silhouette"])}


def load_guide(budget: str | Budget = "full") -> pd.DataFrame:
    """Every stored row of every set, one frame (with ``set`` and ``complete``); empty if
    none is stored. Seals are checked (:func:`caeward.experiments.artefacts.read_sealed`)."""
    frames = []
    for name in GUIDE_SETS:
        path = guide_path(name, budget)
        if path.exists():
            data = read_sealed(path)
            frame = pd.DataFrame(data["rows"])
            if len(frame):
                frames.append(frame.assign(set=name, complete=bool(data.get("complete"))))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def guide_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per set, size and recipe: mean ACC and NMI (in %), their sd over seeds,
    the runs, median wall seconds, and how often each k rule found the true k."""
    frame = rows.copy()
    frame["acc"], frame["nmi"] = 100 * frame["acc"], 100 * frame["nmi"]
    frame["ps_right"] = frame["k_prediction_strength"] == frame["k"]
    frame["sil_right"] = frame["k_silhouette"] == frame["k"]
    return (frame.groupby(["set", "size", "recipe"], sort=False)
            .agg(runs=("acc", "size"), acc=("acc", "mean"), acc_sd=("acc", "std"), nmi=("nmi", "mean"),
                 seconds=("wall_seconds", "median"), ps_right=("ps_right", "sum"), sil_right=("sil_right", "sum"))
            .reset_index())


def best_by_size(table: pd.DataFrame) -> pd.DataFrame:
    """For each size: each recipe's ACC averaged over the sets measured at that size, and
    its lowest margin to the best pixel baseline of a set (Ward or k-means)."""
    out = []
    for size, part in table.groupby("size"):
        for recipe, rows in part.groupby("recipe", sort=False):
            margins = []
            for name, here in part.groupby("set"):
                base = here[here["recipe"].isin(["pixels-ward", "pixels-kmeans"])]["acc"].max()
                mine = here[here["recipe"] == recipe]["acc"]
                if len(mine) and not math.isnan(base):
                    margins.append(float(mine.iloc[0] - base))
            out.append({"size": int(size), "recipe": recipe, "sets": int(rows["set"].nunique()),
                        "mean_acc": float(rows["acc"].mean()), "worst_margin": min(margins) if margins else np.nan,
                        "seconds": float(rows["seconds"].median())})
    return pd.DataFrame(out)


def derive_policy(rows: pd.DataFrame) -> tuple:
    """The policy the measurements give, in the form of :data:`caeward.recipes.POLICY`.

    At each size, only the folders (set, seed) on which every recipe that trains
    nothing has run are read (a folder still being measured waits until it is
    complete). The candidates are the recipes measured on every set there, on at
    least one seed (the CAE recipes, whose trainings cost, may have fewer seeds: each
    recipe is scored by the mean over its own seeds); the one with the highest ACC
    averaged over the sets wins, the faster one on a tie.
    Neighbouring sizes with the same winner merge; between two sizes with different
    winners the limit is their geometric mean, rounded down.
    """
    cheap = [r for r in RECIPES if r not in _TRAINING]
    picks = []
    for size, part in rows.groupby("size"):
        # the (set, seed) folders every recipe that trains nothing has run on; a folder
        # still being measured (a stopped computation) is left out until it is complete
        have = part[part["recipe"].isin(cheap)].groupby(["set", "seed"])["recipe"].nunique()
        folders = set(have[have == len(cheap)].index)
        part = part[[(a, b) in folders for a, b in zip(part["set"], part["seed"])]]
        if part.empty:
            continue
        n_sets = part["set"].nunique()
        on_every_set = [r for r, rows_r in part.groupby("recipe") if rows_r["set"].nunique() == n_sets]
        here = part[part["recipe"].isin(on_every_set)]
        acc = here.groupby(["recipe", "set"])["acc"].mean().groupby("recipe").mean()
        seconds = here.groupby("recipe")["wall_seconds"].median()
        picks.append((int(size), max(acc.index, key=lambda r: (round(acc[r], 9), -seconds[r]))))
    policy = []
    for (size, recipe), following in zip(picks, picks[1:] + [(math.inf, None)]):
        if following[1] != recipe:
            limit = math.inf if following[1] is None else math.floor(math.sqrt(size * following[0]))
            policy.append((limit, recipe))
    return tuple(policy)


def policy_check(table: pd.DataFrame) -> pd.DataFrame:
    """At each measured size, the recipe :data:`caeward.recipes.POLICY` picks, its mean ACC,
    the best recipe's there, and whether the pick beat the best pixel baseline of every set."""
    ranked = best_by_size(table)
    rows = []
    for size, part in ranked.groupby("size"):
        pick = choose_recipe(int(size))
        mine = part[part["recipe"] == pick]
        best = part.loc[part["mean_acc"].idxmax()]
        rows.append({"size": int(size), "policy": pick,
                     "policy_acc": float(mine["mean_acc"].iloc[0]) if len(mine) else np.nan,
                     "best": best["recipe"], "best_acc": float(best["mean_acc"]),
                     "worst_margin_to_pixels": float(mine["worst_margin"].iloc[0]) if len(mine) else np.nan})
    return pd.DataFrame(rows)


#: What the policy is, in words (for the chapter).
POLICY_TEXT = "; ".join(f"{recipe} up to {limit:g} images" if math.isfinite(limit) else f"{recipe} above"
                        for limit, recipe in POLICY)


# ------------------------------------------------------- the square root of HOG

#: The largest folder of the square-root comparison (UMAP on larger ones costs more
#: than the answer is worth).
ROOT_MAX_SIZE = 5_000
_ROOT_RECIPES = ("hog-ward", "hog-umap-ward")
_ROOT_VALUES = ("square-rooted", "unrooted")


def hog_root_path(name: str, budget: str | Budget = "full"):
    return results_root() / "own-images" / f"hog-square-root-{name}-{budget_named(budget).name}.json"


def hog_root_runs(name: str, budget: str | Budget = "full") -> Artefact:
    """The HOG recipes on the guide's folders of set ``name`` (sizes up to
    :data:`ROOT_MAX_SIZE`), on the descriptors as :func:`caeward.recipes.hog_descriptors`
    gives them (square-rooted) and on their squares (the L2-Hys values before the
    root), with the true number of clusters: stored, or computed and stored."""
    from .. import cluster, manifold
    from ..cut import cut
    from ..recipes import hog_descriptors, hog_projection, project

    budget = budget_named(budget)
    kind = _kind(budget)
    images, labels = guide_set(name)
    sizes = [s for s in SIZES[kind] if s <= min(len(images), ROOT_MAX_SIZE)] or [len(images)]
    config = {"set": name, "sizes": sizes, "seeds": list(SEEDS[kind]), "hog": HOG,
              "recipes": list(_ROOT_RECIPES), "values": list(_ROOT_VALUES),
              "k": "the true number of classes", "folders": "caeward.experiments.folder_guide.subset"}
    store = Artefact(hog_root_path(name, budget), config,
                     "the HOG recipes on the guide's folders, with and without the square root")
    if store.complete:
        return store
    for seed in config["seeds"]:
        for size in sizes:
            keep = subset(len(images), size, seed)
            truth = labels[keep]
            k = int(len(np.unique(truth)))
            rooted = hog_descriptors(images[keep])
            for values, descriptors in zip(_ROOT_VALUES, (rooted, np.square(rooted))):
                features = project(descriptors, hog_projection(descriptors, seed))
                for recipe in _ROOT_RECIPES:
                    if store.has(size=size, seed=seed, recipe=recipe, values=values):
                        continue
                    points = features if recipe == "hog-ward" else manifold.umap_embed(
                        features, seed, manifold.UMAPSettings.for_clusters(k))
                    found = cut(cluster.linkage(points, "ward"), n_clusters=k)
                    store.add({"size": size, "seed": seed, "recipe": recipe, "values": values,
                               "acc": metrics.cluster_acc(truth, found.labels),
                               "nmi": metrics.nmi(truth, found.labels)})
    store.finish()
    return store


def hog_root_table(budget: str | Budget = "full") -> pd.DataFrame:
    """Mean ACC (%) of each HOG recipe at each folder size, over the sets and seeds
    stored by :func:`hog_root_runs`, square-rooted and unrooted, and the difference;
    empty if none is stored."""
    frames = [pd.DataFrame(read_sealed(hog_root_path(name, budget))["rows"]).assign(set=name)
              for name in GUIDE_SETS if hog_root_path(name, budget).exists()]
    if not frames:
        return pd.DataFrame()
    rows = pd.concat(frames, ignore_index=True)
    # averaged over seeds within a set first, then over the sets measured at that size
    acc = (100 * rows.groupby(["recipe", "size", "set", "values"])["acc"].mean()).groupby(
        ["recipe", "size", "values"]).mean().unstack("values")
    sets = rows.groupby(["recipe", "size"])["set"].nunique()
    table = acc.assign(sets=sets, gain=acc["square-rooted"] - acc["unrooted"]).reset_index()
    return table[["recipe", "size", "sets", "unrooted", "square-rooted", "gain"]]
