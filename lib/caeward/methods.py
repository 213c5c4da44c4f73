"""The registry of methods: every row of the paper's Table 1 and every ablation variant.

Introduced in chapter 1 (k-means on pixels); chapter 4 runs the whole table and
chapter 5 the ablation. A method is a function ``fit_predict(ctx) -> labels`` that
receives a :class:`RunContext`; it records the wall time of its stages in
``ctx.timings`` and anything worth keeping (losses, iterations) in ``ctx.details``.

Names are ``<representation>-<clustering>``: ``cae-ward`` is Ward linkage on the
codes of DCEC's CAE, ``proposed-cae-kmeans`` k-means on the codes of the deeper
encoder. DEC, IDEC, DEC-conv and DCEC self-train their autoencoder after k-means.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import cluster
from .budget import Budget
from .dec import SelfTraining, self_train
from .embeddings import AUTOENCODERS, PROPOSED_VARIANTS, reload_model, trained_codes
from .manifold import UMAPSettings, cached_umap_embed
from .train import to_tensor

__all__ = ["RunContext", "Method", "METHODS", "register", "TABLE1_METHODS", "UMAP_METHODS", "SHARED_TIMINGS",
           "own_seconds", "clustering_config"]

N_CLUSTERS = 10
# Ward results keep their last merge heights: 30 serve the cut at ten (chapter 6's close
# calls) and cluster.largest_gap_k's default candidates, k = 2..30 (chapter 3's rule), so
# both can be read off every stored run without its codes. Results before this kept 11.
TOP_MERGE_HEIGHTS = 30
_UMAP = UMAPSettings(n_components=N_CLUSTERS)  # N2D's settings for MNIST


@dataclass
class RunContext:
    """What a method gets: the images, the seed, the budget and the device, and
    where it writes its timings and details."""

    images: np.ndarray
    seed: int
    budget: Budget
    device: str = "cpu"
    progress: bool = True
    timings: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Method:
    """A registered method.

    Attributes
    ----------
    name : str
        The runner's name, e.g. ``"cae-ward"``.
    label : str
        The row label of the paper's Table 1 (or of the ablation table).
    fit_predict : callable
        ``fit_predict(ctx: RunContext) -> labels`` (ndarray of int, shape (n,)).
    config : dict
        Hyperparameters recorded with every result.
    """

    name: str
    label: str
    fit_predict: Callable
    config: dict


METHODS: dict[str, Method] = {}


def register(name: str, label: str, fit_predict: Callable, config: dict | None = None) -> Method:
    """Add a method to :data:`METHODS`."""
    if name in METHODS:
        raise ValueError(f"method {name!r} is registered twice")
    METHODS[name] = Method(name, label, fit_predict, dict(config or {}))
    return METHODS[name]


#: Timings of a stage that twin methods share and that a run repeats even when it
#: reused the stage's cache: each training and embedding is paid once, not per run.
SHARED_TIMINGS = ("pretrain_s", "manifold_s")


def own_seconds(timings: dict) -> float:
    """The seconds a run spent on its own (loading, clustering, self-training): its
    ``timings`` but for the shared stages and the ``total_s`` that sums them."""
    return sum(v for k, v in timings.items() if k not in SHARED_TIMINGS + ("total_s",))


class _Timer:
    def __init__(self, timings: dict, key: str):
        self.timings, self.key = timings, key

    def __enter__(self):
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        self.timings[self.key] = self.timings.get(self.key, 0.0) + time.perf_counter() - self.start


# ----------------------------------------------------------------- building blocks

def _pixels(ctx: RunContext) -> np.ndarray:
    return ctx.images.reshape(len(ctx.images), -1).astype(np.float32) / 255.0


def _codes(autoencoder: str):
    def features(ctx: RunContext) -> np.ndarray:
        codes, info = trained_codes(autoencoder, ctx.images, ctx.budget, ctx.seed, ctx.device,
                                    ctx.progress)
        # The training's own wall time, also when this run reuses a cached training
        # (details.autoencoder.cached says so): it is what the stage costs. Over an
        # interruption it adds up every run (pretrain_runs); trainings cached before
        # that was recorded give None for the two counts.
        ctx.timings["pretrain_s"] = info["pretrain_s"]
        ctx.details["autoencoder"] = {k: info.get(k) for k in ("losses", "reconstruction_mse", "cached", "source",
                                                                "trained_on", "pretrain_runs",
                                                                "pretrain_untimed_epochs", "pretrain_started_from")}
        return codes
    return features


def _umap(features):
    """Features after the manifold step (chapter 6): UMAP of the codes, seeded by the run."""
    def embedded(ctx: RunContext) -> np.ndarray:
        embedding, info = cached_umap_embed(features(ctx), seed=ctx.seed, settings=_UMAP)
        # the embedding's own time, also when this run reused it (as pretrain_s)
        ctx.timings["manifold_s"] = info["umap_s"]
        ctx.details["manifold"] = {"cached": info["cached"]}
        return embedding
    return embedded


def _gmm(features):
    def fit_predict(ctx: RunContext):
        x = features(ctx)
        with _Timer(ctx.timings, "cluster_s"):
            return cluster.gaussian_mixture(x, N_CLUSTERS, random_state=ctx.seed)
    return fit_predict


def _kmeans(features):
    def fit_predict(ctx: RunContext):
        x = features(ctx)
        with _Timer(ctx.timings, "cluster_s"):
            return cluster.kmeans(x, N_CLUSTERS, n_init=ctx.budget.kmeans_n_init, random_state=ctx.seed)
    return fit_predict


def _agglomerative(features, linkage: str):
    def fit_predict(ctx: RunContext):
        x = features(ctx)
        with _Timer(ctx.timings, "cluster_s"):
            Z = cluster.linkage(x, linkage, device=ctx.device)  # Ward on a GPU: the torch engine
            labels = cluster.cut_linkage(Z, N_CLUSTERS)
        heights = Z[:, 2]
        ctx.details["top_merge_heights"] = heights[-TOP_MERGE_HEIGHTS:].tolist()
        return labels
    return fit_predict


def _self_training(autoencoder: str, settings: SelfTraining):
    def fit_predict(ctx: RunContext):
        _codes(autoencoder)(ctx)  # pretrain (or load) once; self-training starts from its checkpoint
        model = reload_model(autoencoder, ctx.images, ctx.budget, ctx.seed, ctx.device)
        x = to_tensor(ctx.images, ctx.device)
        s = SelfTraining(**{**settings.__dict__, "maxiter": min(settings.maxiter, ctx.budget.selftrain_maxiter)})
        with _Timer(ctx.timings, "selftrain_s"):
            out = self_train(model, x, N_CLUSTERS, s, seed=ctx.seed,
                             kmeans_n_init=ctx.budget.kmeans_n_init, progress=ctx.progress)
        ctx.details["selftrain"] = {k: out[k] for k in ("iterations", "stopped", "delta_label")}
        return out["labels"]
    return fit_predict


def _ae_config(name: str) -> dict:
    spec = AUTOENCODERS[name]
    return {"autoencoder": name, "class": spec.cls, "kwargs": spec.kwargs,
            "pretrain": {"optimizer": spec.optimizer, "lr": spec.lr, "batch_size": 256,
                         "loss": "mse", "epochs": spec.epochs or f"budget.{spec.kind}_epochs"}}


def clustering_config(config: dict) -> dict:
    """A method's config without the keys that describe its autoencoder: methods whose
    clustering configs are equal cluster the same way, on different codes."""
    return {k: v for k, v in config.items() if k not in _ae_config("cae")}


# -------------------------------------------------------------------- the registry

_KMEANS = {"clustering": "k-means", "n_clusters": N_CLUSTERS, "n_init": "budget.kmeans_n_init"}


def _linkage_config(linkage="ward"):
    return {"clustering": f"agglomerative, {linkage} linkage, Euclidean", "n_clusters": N_CLUSTERS,
            "engine": ("torch on CUDA, else fastcluster" if linkage == "ward"
                       else "fastcluster" if cluster.LINKAGES[linkage] else "fastcluster (distance matrix)")}


_DEC = SelfTraining(gamma=None, optimizer="sgd", lr=0.01, momentum=0.9)       # DEC-keras
_IDEC = SelfTraining(gamma=0.1, optimizer="adam", lr=1e-3)                     # IDEC (MNIST: Adam)
_DEC_CONV = SelfTraining(gamma=None, optimizer="adam", lr=1e-3)                # DCEC's pipeline, KL only
_DCEC = SelfTraining(gamma=0.1, optimizer="adam", lr=1e-3)                     # DCEC

register("kmeans-pixels", "k-means", _kmeans(_pixels), {"features": "pixels / 255", **_KMEANS})
register("sae-kmeans", "SAE + k-means", _kmeans(_codes("sae")), {**_ae_config("sae"), **_KMEANS})
register("dec", "DEC", _self_training("sae", _DEC), {**_ae_config("sae"), "selftrain": _DEC.__dict__})
register("idec", "IDEC", _self_training("sae", _IDEC), {**_ae_config("sae"), "selftrain": _IDEC.__dict__})
register("cae-kmeans", "CAE + k-means", _kmeans(_codes("cae")), {**_ae_config("cae"), **_KMEANS})
register("dec-conv", "DEC-conv", _self_training("cae", _DEC_CONV),
         {**_ae_config("cae"), "selftrain": _DEC_CONV.__dict__})
register("dcec", "DCEC", _self_training("cae", _DCEC), {**_ae_config("cae"), "selftrain": _DCEC.__dict__})
register("proposed-cae-kmeans", "proposed CAE + k-means", _kmeans(_codes("proposed")),
         {**_ae_config("proposed"), **_KMEANS})
register("cae-ward", "CAE + hierarchical", _agglomerative(_codes("cae"), "ward"),
         {**_ae_config("cae"), **_linkage_config()})
register("proposed-cae-ward", "proposed CAE + hierarchical", _agglomerative(_codes("proposed"), "ward"),
         {**_ae_config("proposed"), **_linkage_config()})

#: The rows of the paper's Table 1 that this project runs (SEC is not reimplemented).
TABLE1_METHODS = list(METHODS)

# Ablation: skip connections, depth, code size, epochs (Ward and k-means on each),
# and the linkage on the proposed CAE's codes. Shorter trainings first, so that lists of
# missing runs put them first: a longer training continues a shorter one, not the reverse.
_VARIANTS = {"proposed-skip": "proposed CAE with skips", "proposed-deeper": "proposed CAE, 3 convs per stage",
             "proposed-code5": "proposed CAE, 5-d code", "proposed-code20": "proposed CAE, 20-d code"}
for _ae, _label in [("cae-skip", "CAE with skips"), ("proposed-50ep", "proposed CAE, 50 epochs"),
                    *((f"{_ae}-50ep", f"{_VARIANTS[_ae]}, 50 epochs") for _ae in PROPOSED_VARIANTS),
                    ("proposed-100ep", "proposed CAE, 100 epochs"),
                    *((_ae, _VARIANTS[_ae]) for _ae in PROPOSED_VARIANTS)]:
    register(f"{_ae}-kmeans", f"{_label} + k-means", _kmeans(_codes(_ae)), {**_ae_config(_ae), **_KMEANS})
    register(f"{_ae}-ward", f"{_label} + hierarchical", _agglomerative(_codes(_ae), "ward"),
             {**_ae_config(_ae), **_linkage_config()})
for _linkage in ("single", "complete", "average"):
    register(f"proposed-cae-{_linkage}", f"proposed CAE + {_linkage} linkage",
             _agglomerative(_codes("proposed"), _linkage), {**_ae_config("proposed"), **_linkage_config(_linkage)})

# Beyond the paper (chapter 6): a UMAP step between the codes and the clustering, as N2D.
_UMAP_CONFIG = {"manifold": {"method": "umap", **_UMAP.as_dict(), "random_state": "seed"}}
_GMM = {"clustering": "Gaussian mixture, full covariances (EM)", "n_clusters": N_CLUSTERS}
UMAP_METHODS = []
for _ae, _label in [("cae", "CAE"), ("proposed", "proposed CAE")]:
    _features = _umap(_codes(_ae))
    for _clustering, _fit, _config in [("ward", _agglomerative(_features, "ward"), _linkage_config()),
                                       ("kmeans", _kmeans(_features), _KMEANS), ("gmm", _gmm(_features), _GMM)]:
        _name = f"{_ae}-umap-{_clustering}"
        _what = {"ward": "Ward", "kmeans": "k-means", "gmm": "GMM"}[_clustering]
        register(_name, f"{_label} + UMAP + {_what}", _fit, {**_ae_config(_ae), **_UMAP_CONFIG, **_config})
        UMAP_METHODS.append(_name)
