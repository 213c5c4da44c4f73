"""Images that are not MNIST: ``CAEWard`` on scikit-learn's handwritten digits.

Introduced in the chapter *Clustering your own images*. The data set ships with
scikit-learn (``load_digits``: 1,797 images of 8x8 pixels, values 0..16), so it needs
no download; each image is upscaled to 16x16 (every pixel repeated 2x2), the smallest
side the convolutional autoencoders take, and divided by 16.

:func:`digits_runs` is load-or-compute like every result of the book: the runs of a
budget are one sealed artefact, ``results/own-images/digits16-<budget>.json``, holding
each method's ACC, NMI and seconds per seed with the commit, configuration, device and
versions that made them. A file made with other settings is not used.
"""

from __future__ import annotations

import time

import numpy as np

from .. import cluster, metrics, runtime
from ..estimator import CAEWard
from .artefacts import Artefact
from .settings import Budget, budget_named, results_root

__all__ = ["load_digits16", "caeward_settings", "digits_runs", "digits_runs_path", "SEEDS"]

#: Seeds of the stored runs, per budget kind.
SEEDS = {"full": [0, 1, 2], "quick": [0, 1]}
N_CLUSTERS = 10
#: Pretraining epochs at the full budget: 1,797 small images need fewer passes than
#: MNIST's 70,000 (the quick budget keeps its own 2).
FULL_EPOCHS = 50



def caeward_settings(budget: str | Budget = "full") -> dict:
    """The ``CAEWard`` parameters of the stored runs (besides ``n_clusters`` and the seed)."""
    budget = budget_named(budget)
    return {"architecture": "proposed", "epochs": budget.cae_epochs if budget.is_quick else FULL_EPOCHS,
            "batch_size": 256, "lr": 1e-3, "linkage": "ward"}


def load_digits16(budget: str | Budget = "full") -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits as float32 images of shape (n, 16, 16) in [0, 1], and labels.

    The quick budget keeps a fixed subset of 500 images (the same code on less data).
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.kron(digits.images, np.ones((2, 2))).astype(np.float32) / 16.0
    labels = digits.target.astype(np.int64)
    if budget_named(budget).is_quick:
        keep = np.sort(np.random.default_rng(0).choice(len(images), 500, replace=False))
        images, labels = images[keep], labels[keep]
    return images, labels


def _config(budget: Budget, n_images: int) -> dict:
    return {"data": "sklearn load_digits, 8x8 upscaled to 16x16 (2x2 repeat), / 16",
            "n_clusters": N_CLUSTERS, "seeds": SEEDS["quick" if budget.is_quick else "full"],
            "kmeans": {"n_init": budget.kmeans_n_init}, "caeward": caeward_settings(budget),
            "n_images": int(n_images)}


def digits_runs_path(budget: str | Budget = "full"):
    return results_root() / "own-images" / f"digits16-{budget_named(budget).name}.json"


def digits_runs(budget: str | Budget = "full", device: str | None = None) -> dict:
    """k-means and Ward on pixels, and ``CAEWard`` on the codes, for every seed: stored, or
    computed and stored.

    One sealed artefact (:class:`~caeward.experiments.artefacts.Artefact`), a row added
    as each run finishes, so an interrupted computation resumes; one made with other
    settings is not used.

    Returns
    -------
    dict
        ``rows`` (one per method and seed: ``method``, ``seed``, ``acc``, ``nmi``,
        ``seconds``, ``device``), ``config`` (with ``n_images``), and the provenance
        (``versions``, ``commit``, ``created``).
    """
    budget = budget_named(budget)
    images, labels = load_digits16(budget)
    config = _config(budget, len(images))
    store = Artefact(digits_runs_path(budget), config,
                     "k-means and Ward on the pixels, CAEWard on the codes: scikit-learn's digits")
    if store.complete:
        return store.data
    pixels = images.reshape(len(images), -1)
    device = device or runtime.pick_device()

    def add(method, seed, fit):
        if store.has(method=method, seed=seed):
            return
        start = time.perf_counter()
        predicted = fit()
        store.add({"method": method, "seed": seed, "acc": metrics.cluster_acc(labels, predicted),
                   "nmi": metrics.nmi(labels, predicted), "seconds": time.perf_counter() - start,
                   "device": device if method.startswith("CAEWard") else "cpu"})

    add("Ward on pixels", None,  # no seed: one run
        lambda: cluster.cut_linkage(cluster.linkage(pixels, "ward"), N_CLUSTERS))
    for seed in config["seeds"]:
        add("k-means on pixels", seed,
            lambda: cluster.kmeans(pixels, N_CLUSTERS, n_init=budget.kmeans_n_init, random_state=seed))
        add("CAEWard (proposed CAE + Ward)", seed,
            lambda: CAEWard(N_CLUSTERS, **config["caeward"], device=device, random_state=seed).fit(images).labels_)
    store.finish()
    return store.data
