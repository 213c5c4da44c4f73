"""What the book runs: its autoencoders and its methods, by name.

Introduced in chapter 1 (k-means on pixels); chapter 4 runs Table 1 and chapter 5 the
ablation. Everything here is a value: a :class:`Method` is a :class:`Representation`
(what the clustering sees) and a :class:`Clustering` (how it groups it), and
:mod:`caeward.experiments.runner` carries both out.

Every method is named ``<representation>-<clustering>``:

- representation: ``pixels``, or an autoencoder of :data:`AUTOENCODERS` (``sae``;
  ``cae``, DCEC's convolutional autoencoder; ``proposed``, the encoder-reinforced CAE
  of :class:`caeward.models.DeepConvAutoencoder`; the ablation's variants), optionally
  followed by ``-umap`` (chapter 6's manifold step);
- clustering: ``kmeans``, ``ward``, ``single``, ``complete``, ``average``, ``gmm``, or
  DEC-style self-training, ``dec`` (the KL objective) or ``idec`` (KL plus
  reconstruction). So ``sae-dec`` is DEC, ``sae-idec`` IDEC, ``cae-dec`` DEC-conv and
  ``cae-idec`` DCEC: each label keeps the paper's name of the row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from ..dec import SelfTraining
from ..manifold import UMAPSettings
from .settings import Budget

__all__ = ["AutoencoderSpec", "AUTOENCODERS", "AUTOENCODER_NAMES", "PROPOSED_VARIANTS", "architecture",
           "Representation", "Clustering", "Method", "METHODS", "TABLE1_METHODS", "ABLATION_METHODS",
           "UMAP_METHODS", "METHOD_GROUPS", "N_CLUSTERS", "TOP_MERGE_HEIGHTS", "SHARED_TIMINGS", "own_seconds",
           "clustering_config", "method_named"]

N_CLUSTERS = 10
# Ward results keep their last merge heights: 30 serve the cut at ten (chapter 6's close
# calls) and number_of_clusters.largest_gap_k's default candidates, k = 2..30 (chapter 3's rule), so
# both can be read off every stored run without its codes. Results before this kept 11.
TOP_MERGE_HEIGHTS = 30
BATCH_SIZE = 256


# ------------------------------------------------------------------ autoencoders

@dataclass(frozen=True)
class AutoencoderSpec:
    """How to build and pretrain one autoencoder.

    Attributes
    ----------
    cls : str
        A class name in :mod:`caeward.models`.
    kwargs : dict
        Constructor arguments (besides ``image_size``).
    optimizer, lr : str, float
        Pretraining optimiser and learning rate.
    kind : {"cae", "sae"}
        Which of the budget's epoch counts applies.
    epochs : int or None
        Overrides the full budget's epochs (the epochs ablation); the quick
        budget always uses its own.
    """

    cls: str
    kwargs: dict = field(default_factory=dict)
    optimizer: str = "adam"
    lr: float = 1e-3
    kind: str = "cae"
    epochs: int | None = None

    def build(self, image_size: int):
        from .. import models
        return getattr(models, self.cls)(image_size=image_size, **self.kwargs)

    def epochs_for(self, budget: Budget) -> int:
        default = budget.cae_epochs if self.kind == "cae" else budget.sae_epochs
        return default if budget.is_quick or self.epochs is None else self.epochs


#: The autoencoders the runner knows, by name.
AUTOENCODERS = {
    "sae": AutoencoderSpec("StackedAutoencoder", {"init": "dec"}, "sgd", 1.0, "sae"),
    "cae": AutoencoderSpec("ConvAutoencoder"),
    "proposed": AutoencoderSpec("DeepConvAutoencoder"),
    # ablation variants
    "cae-skip": AutoencoderSpec("ConvAutoencoder", {"skip": True}),
    "proposed-skip": AutoencoderSpec("DeepConvAutoencoder", {"skip": True}),
    "proposed-deeper": AutoencoderSpec("DeepConvAutoencoder", {"convs_per_stage": 3}),
    "proposed-code5": AutoencoderSpec("DeepConvAutoencoder", {"code_dim": 5}),
    "proposed-code20": AutoencoderSpec("DeepConvAutoencoder", {"code_dim": 20}),
    "proposed-50ep": AutoencoderSpec("DeepConvAutoencoder", epochs=50),
    "proposed-100ep": AutoencoderSpec("DeepConvAutoencoder", epochs=100),
}
#: The proposed CAE's ablation variants, each also after 50 epochs: set beside
#: ``proposed-50ep`` they compare the variants at a quarter of the 200 epochs' cost, and
#: being the first 50 epochs of the 200-epoch training, they cost it nothing later.
PROPOSED_VARIANTS = ["proposed-skip", "proposed-deeper", "proposed-code5", "proposed-code20"]
AUTOENCODERS.update({f"{name}-50ep": replace(AUTOENCODERS[name], epochs=50) for name in PROPOSED_VARIANTS})
#: How the chapters' prose names the two CAEs of Table 1.
AUTOENCODER_NAMES = {"cae": "DCEC's CAE", "proposed": "the proposed CAE"}


def architecture(name: str) -> AutoencoderSpec:
    """The spec of autoencoder ``name`` but for its epochs: two names with the same
    architecture are the same training run for a different length (``proposed-50ep``
    and ``proposed``)."""
    return replace(AUTOENCODERS[name], epochs=None)


# ----------------------------------------------------------------------- methods

@dataclass(frozen=True)
class Representation:
    """What a method clusters: pixels / 255 (``autoencoder=None``) or an autoencoder's
    codes, optionally embedded by UMAP first (chapter 6)."""

    autoencoder: str | None = None
    manifold: UMAPSettings | None = None

    @property
    def name(self) -> str:
        return (self.autoencoder or "pixels") + ("-umap" if self.manifold else "")

    def config(self) -> dict:
        if self.autoencoder is None:
            return {"features": "pixels / 255"}
        spec = AUTOENCODERS[self.autoencoder]
        config = {"autoencoder": self.autoencoder, "class": spec.cls, "kwargs": spec.kwargs,
                  "pretrain": {"optimizer": spec.optimizer, "lr": spec.lr, "batch_size": BATCH_SIZE,
                               "loss": "mse", "epochs": spec.epochs or f"budget.{spec.kind}_epochs"}}
        if self.manifold:
            config["manifold"] = {"method": "umap", **self.manifold.as_dict(), "random_state": "seed"}
        return config


@dataclass(frozen=True)
class Clustering:
    """How a method groups its representation into :data:`N_CLUSTERS` clusters.

    ``kind`` is ``"kmeans"``, ``"gmm"``, a linkage (``"ward"``, ``"single"``,
    ``"complete"``, ``"average"``), or ``"dec"`` / ``"idec"``: self-training of the
    autoencoder itself with ``selftraining``'s settings (it needs the trained network,
    not only its codes).
    """

    kind: str
    selftraining: SelfTraining | None = None

    LINKAGES = ("ward", "single", "complete", "average")

    def config(self) -> dict:
        if self.kind == "kmeans":
            return {"clustering": "k-means", "n_clusters": N_CLUSTERS, "n_init": "budget.kmeans_n_init"}
        if self.kind == "gmm":
            return {"clustering": "Gaussian mixture, full covariances (EM)", "n_clusters": N_CLUSTERS}
        if self.kind in self.LINKAGES:
            engine = ("torch on CUDA, else fastcluster" if self.kind == "ward"
                      else "fastcluster" if self.kind == "single" else "fastcluster (distance matrix)")
            return {"clustering": f"agglomerative, {self.kind} linkage, Euclidean", "n_clusters": N_CLUSTERS,
                    "engine": engine}
        return {"selftrain": asdict(self.selftraining)}


@dataclass(frozen=True)
class Method:
    """A registered method: ``name`` (``<representation>-<clustering>``), ``label`` (the
    row label of the paper's Table 1 or of the ablation), and its two steps."""

    name: str
    label: str
    representation: Representation
    clustering: Clustering

    @property
    def config(self) -> dict:
        """The hyperparameters recorded with every result."""
        return {**self.representation.config(), **self.clustering.config()}


METHODS: dict[str, Method] = {}


def _register(label: str, representation: Representation, clustering: Clustering) -> None:
    name = f"{representation.name}-{clustering.kind}"
    if name in METHODS:
        raise ValueError(f"method {name!r} is registered twice")
    METHODS[name] = Method(name, label, representation, clustering)


def method_named(name: str) -> Method:
    """The registered method ``name``, or a clear error naming the known ones."""
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; `python -m caeward list` lists them")
    return METHODS[name]


#: Timings of a stage that twin methods share and that a run repeats even when it
#: reused the stage's cache: each training and embedding is paid once, not per run.
SHARED_TIMINGS = ("pretrain_s", "manifold_s")


def own_seconds(timings: dict) -> float:
    """The seconds a run spent on its own (loading, clustering, self-training): its
    ``timings`` but for the shared stages and the ``total_s`` that sums them."""
    return sum(v for k, v in timings.items() if k not in SHARED_TIMINGS + ("total_s",))


def clustering_config(method: Method) -> dict:
    """What a method's clustering does, whatever it clusters: methods with equal ones
    cluster the same way, on different codes (the cost estimate pools them)."""
    return {**method.clustering.config(), "manifold": method.representation.manifold}


_DEC = SelfTraining(gamma=None, optimizer="sgd", lr=0.01, momentum=0.9)       # DEC-keras
_IDEC = SelfTraining(gamma=0.1, optimizer="adam", lr=1e-3)                     # IDEC (MNIST: Adam)
_DEC_CONV = SelfTraining(gamma=None, optimizer="adam", lr=1e-3)                # DCEC's pipeline, KL only
_DCEC = SelfTraining(gamma=0.1, optimizer="adam", lr=1e-3)                     # DCEC
_PIXELS, _SAE, _CAE, _PROPOSED = (Representation(a) for a in (None, "sae", "cae", "proposed"))
_KMEANS, _WARD = Clustering("kmeans"), Clustering("ward")

# The rows of the paper's Table 1, in its order (SEC is not reimplemented).
_register("k-means", _PIXELS, _KMEANS)
_register("SAE + k-means", _SAE, _KMEANS)
_register("DEC", _SAE, Clustering("dec", _DEC))
_register("IDEC", _SAE, Clustering("idec", _IDEC))
_register("CAE + k-means", _CAE, _KMEANS)
_register("DEC-conv", _CAE, Clustering("dec", _DEC_CONV))
_register("DCEC", _CAE, Clustering("idec", _DCEC))
_register("proposed CAE + k-means", _PROPOSED, _KMEANS)
_register("CAE + hierarchical", _CAE, _WARD)
_register("proposed CAE + hierarchical", _PROPOSED, _WARD)

#: The rows of the paper's Table 1 that this project runs (SEC is not reimplemented).
TABLE1_METHODS = list(METHODS)

# Ablation: skip connections, depth, code size, epochs (Ward and k-means on each), and
# the linkage on the proposed CAE's codes. Shorter trainings first, so that lists of
# missing runs put them first: a longer training continues a shorter one, not the reverse.
_VARIANTS = {"proposed-skip": "proposed CAE with skips", "proposed-deeper": "proposed CAE, 3 convs per stage",
             "proposed-code5": "proposed CAE, 5-d code", "proposed-code20": "proposed CAE, 20-d code"}
for _ae, _label in [("cae-skip", "CAE with skips"), ("proposed-50ep", "proposed CAE, 50 epochs"),
                    *((f"{_ae}-50ep", f"{_VARIANTS[_ae]}, 50 epochs") for _ae in PROPOSED_VARIANTS),
                    ("proposed-100ep", "proposed CAE, 100 epochs"),
                    *((_ae, _VARIANTS[_ae]) for _ae in PROPOSED_VARIANTS)]:
    _register(f"{_label} + k-means", Representation(_ae), _KMEANS)
    _register(f"{_label} + hierarchical", Representation(_ae), _WARD)
for _linkage in ("single", "complete", "average"):
    _register(f"proposed CAE + {_linkage} linkage", _PROPOSED, Clustering(_linkage))

#: The ablation's rows (chapter 5): the variants, and the linkages on the proposed CAE's codes.
ABLATION_METHODS = [name for name in METHODS if name not in TABLE1_METHODS]

# Beyond the paper (chapter 6): a UMAP step between the codes and the clustering, as N2D
# (its settings for MNIST).
_UMAP = UMAPSettings(n_components=N_CLUSTERS)
UMAP_METHODS = []
for _ae, _label in [("cae", "CAE"), ("proposed", "proposed CAE")]:
    for _kind, _what in [("ward", "Ward"), ("kmeans", "k-means"), ("gmm", "GMM")]:
        _register(f"{_label} + UMAP + {_what}", Representation(_ae, _UMAP), Clustering(_kind))
        UMAP_METHODS.append(f"{_ae}-umap-{_kind}")

#: Named groups of methods, for the command line (``--method table1``); ``all`` is every method.
METHOD_GROUPS = {"table1": TABLE1_METHODS, "ablation": ABLATION_METHODS, "chapter6": UMAP_METHODS,
                 "all": list(METHODS)}
