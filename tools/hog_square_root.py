"""What the square root of the HOG values changes: the HOG recipes with and without it.

Usage, from the repository root::

    python tools/hog_square_root.py                 # every guide set, folders up to 5,000
    python tools/hog_square_root.py lfw digits      # some sets

On the folders of chapter 8's guide (the same sets, sizes up to 5,000 and seeds), each
HOG recipe is run on the descriptors as :func:`caeward.recipes.hog_descriptors` gives
them (square-rooted) and on their squares (the L2-Hys values before the root), with
the true number of clusters; the rows go to the sealed artefact
``results/own-images/hog-square-root-<budget>.json``, each as it finishes, so a stopped
call resumes. CAEWARD_QUICK=1 runs the quick budget.
"""

import argparse
import time

import numpy as np

from caeward import cluster, manifold, metrics
from caeward.cut import cut
from caeward.experiments.artefacts import Artefact
from caeward.experiments.folder_guide import GUIDE_SETS, SEEDS, SIZES, guide_set, subset
from caeward.experiments.settings import current_budget, results_root
from caeward.recipes import HOG, hog_descriptors, hog_projection, project

#: The largest folder compared (UMAP on larger ones costs more than the answer is worth).
MAX_SIZE = 5_000


def _points(descriptors: np.ndarray, recipe: str, k: int, seed: int) -> np.ndarray:
    features = project(descriptors, hog_projection(descriptors, seed))
    if recipe == "hog-umap-ward":
        return manifold.umap_embed(features, seed, manifold.UMAPSettings(n_components=max(2, k)))
    return features


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", default=list(GUIDE_SETS), help=f"of {', '.join(GUIDE_SETS)}")
    args = parser.parse_args()
    budget = current_budget()
    kind = "quick" if budget.is_quick else "full"
    for name in args.sets:
        images, labels = guide_set(name)
        sizes = [s for s in SIZES[kind] if s <= min(len(images), MAX_SIZE)] or [len(images)]
        config = {"set": name, "sizes": sizes, "seeds": list(SEEDS[kind]), "hog": HOG,
                  "recipes": ["hog-ward", "hog-umap-ward"], "values": ["square-rooted", "unrooted"],
                  "k": "the true number of classes", "folders": "caeward.experiments.folder_guide.subset"}
        store = Artefact(results_root() / "own-images" / f"hog-square-root-{name}-{budget.name}.json", config,
                         "the HOG recipes on the guide's folders, with and without the square root")
        start = time.perf_counter()
        for seed in config["seeds"]:
            for size in sizes:
                keep = subset(len(images), size, seed)
                truth = labels[keep]
                k = int(len(np.unique(truth)))
                rooted = hog_descriptors(images[keep])
                for values, descriptors in (("square-rooted", rooted), ("unrooted", np.square(rooted))):
                    for recipe in config["recipes"]:
                        if store.has(size=size, seed=seed, recipe=recipe, values=values):
                            continue
                        found = cut(cluster.linkage(_points(descriptors, recipe, k, seed), "ward"), n_clusters=k)
                        store.add({"size": size, "seed": seed, "recipe": recipe, "values": values,
                                   "acc": metrics.cluster_acc(truth, found.labels),
                                   "nmi": metrics.nmi(truth, found.labels)})
        store.finish()
        print(f"{name}: {len(store.rows)} rows ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
