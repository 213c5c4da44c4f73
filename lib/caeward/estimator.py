"""``CAEWard``: the paper's method as a scikit-learn style estimator, for your own images.

Introduced in chapter 4 (*The full experiment*), where it is the method of the last
row of Table 1; its ``manifold="umap"`` option is chapter 6's (*Beyond the paper*).
The algorithm lives in :mod:`caeward.models`, :mod:`caeward.train`,
:mod:`caeward.manifold` and :mod:`caeward.cluster`; this module only validates input
and wires them up.

Example
-------
>>> from caeward import CAEWard
>>> model = CAEWard(n_clusters=10, epochs=50).fit(images)     # doctest: +SKIP
>>> model.labels_, model.linkage_                              # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

from . import cluster, manifold, models
from .runtime import pick_device, seed_everything
from .train import embed, pretrain, to_tensor

__all__ = ["CAEWard"]

# The names of the book's registry (caeward.experiments.registry.AUTOENCODERS).
_ARCHITECTURES = {"proposed": models.DeepConvAutoencoder, "cae": models.ConvAutoencoder}


class CAEWard(ClusterMixin, BaseEstimator):
    """Convolutional autoencoder + agglomerative (Ward) clustering of its codes.

    Parameters
    ----------
    n_clusters : int
        Number of flat clusters cut from the tree.
    architecture : {"proposed", "cae"}
        The encoder-reinforced CAE (:class:`~caeward.models.DeepConvAutoencoder`)
        or DCEC's convolutional autoencoder (:class:`~caeward.models.ConvAutoencoder`).
    code_dim : int
        Size of the code layer.
    epochs : int
        Pretraining epochs (the book's full budget uses 200).
    batch_size : int
    lr : float
        Adam's learning rate.
    linkage : {"ward", "single", "complete", "average"}
    manifold : {None, "umap"}
        ``None`` clusters the codes themselves: the paper's method. ``"umap"`` first
        embeds them with UMAP as N2D does (``n_clusters`` components, 20 neighbours,
        ``min_dist=0``, seeded by ``random_state``) and clusters that embedding; not
        the paper's method, chapter 6 measures what it gains. Needs more than 21 images.
    bf16 : bool
        Pretrain under bfloat16 autocast.
    device : str or None
        ``"cuda"``, ``"mps"``, ``"cpu"``; ``None`` picks the first available.
    random_state : int or None
        Seeds the weights, the shuffles and so the result (repeatable on CPU).
    verbose : bool
        Show a progress bar while pretraining.

    Attributes
    ----------
    labels_ : ndarray of int64, shape (n_samples,)
    linkage_ : ndarray of float64, shape (n_samples - 1, 4)
        SciPy linkage matrix of the points clustered (the codes, or their UMAP
        embedding): cut it at another k with :func:`caeward.cluster.cut_linkage`,
        draw it with ``scipy``'s dendrogram.
    embedding_ : ndarray of float32, shape (n_samples, code_dim)
        The codes.
    manifold_embedding_ : ndarray of float32, shape (n_samples, n_clusters), or None
        The codes' UMAP embedding with ``manifold="umap"``; ``None`` without it.
    autoencoder_ : torch.nn.Module
    loss_curve_ : list of float
        Mean reconstruction loss per epoch.
    """

    def __init__(self, n_clusters: int = 10, architecture: str = "proposed", code_dim: int = 10,
                 epochs: int = 200, batch_size: int = 256, lr: float = 1e-3, linkage: str = "ward",
                 manifold: str | None = None, bf16: bool = False, device: str | None = None,
                 random_state: int | None = None, verbose: bool = False):
        self.n_clusters = n_clusters
        self.architecture = architecture
        self.code_dim = code_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.linkage = linkage
        self.manifold = manifold
        self.bf16 = bf16
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y=None):
        """Pretrain the autoencoder on ``X``, embed ``X`` and cluster the codes.

        Parameters
        ----------
        X : array-like, shape (n, h, w) or (n, 1, h, w), square images
            Any numeric dtype: uint8 is divided by 255; other values are scaled
            to [0, 1] by the data's minimum and maximum unless already in [0, 1].
        y : ignored

        Returns
        -------
        self
        """
        images = self._validate(X)
        seed = 0 if self.random_state is None else int(self.random_state)
        device = pick_device(self.device)
        seed_everything(seed)
        self.autoencoder_ = _ARCHITECTURES[self.architecture](
            image_size=images.shape[-1], code_dim=self.code_dim)
        x = to_tensor(images, device)
        self.loss_curve_ = pretrain(self.autoencoder_, x, self.epochs, batch_size=self.batch_size,
                                    lr=self.lr, seed=seed, bf16=self.bf16, progress=self.verbose)
        self.embedding_ = embed(self.autoencoder_, x)
        points = self.embedding_
        self.manifold_embedding_ = None
        if self.manifold == "umap":
            points = self.manifold_embedding_ = manifold.umap_embed(points, seed, self._umap_settings())
        self.linkage_ = cluster.linkage(points, self.linkage)
        self.labels_ = cluster.cut_linkage(self.linkage_, self.n_clusters)
        return self

    def _umap_settings(self) -> manifold.UMAPSettings:
        return manifold.UMAPSettings(n_components=self.n_clusters)  # N2D: one dimension per cluster

    def _validate(self, X) -> np.ndarray:
        if not isinstance(self.n_clusters, (int, np.integer)) or self.n_clusters < 1:
            raise ValueError(f"n_clusters must be a positive integer, got {self.n_clusters!r}")
        if self.architecture not in _ARCHITECTURES:
            raise ValueError(f"architecture must be one of {tuple(_ARCHITECTURES)}, "
                             f"got {self.architecture!r}")
        if self.linkage not in cluster.LINKAGES:
            raise ValueError(f"linkage must be one of {tuple(cluster.LINKAGES)}, got {self.linkage!r}")
        if self.manifold not in (None, "umap"):
            raise ValueError(f'manifold must be None or "umap", got {self.manifold!r}')
        X = np.asarray(X)
        if X.ndim == 4:
            if X.shape[1] != 1:
                raise ValueError(f"4-d input must be (n, 1, h, w) single-channel images, got shape "
                                 f"{X.shape}; convert colour images to grey first")
            X = X[:, 0]
        if X.ndim != 3:
            raise ValueError(f"X must be images of shape (n, h, w) or (n, 1, h, w), got shape {X.shape}")
        if X.shape[1] != X.shape[2]:
            raise ValueError(f"images must be square, got {X.shape[1]}×{X.shape[2]}; pad or crop them")
        if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
            raise ValueError(f"X must be numeric, got dtype {X.dtype}")
        if len(X) < self.n_clusters:
            raise ValueError(f"{len(X)} images cannot form {self.n_clusters} clusters: "
                             "give at least n_clusters images")
        if self.manifold == "umap":
            manifold.check_n_samples(len(X), self._umap_settings())  # before training, not after
        if X.dtype == np.uint8:
            return X
        X = X.astype(np.float32)
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinite values; clean or impute them first")
        lo, hi = float(X.min()), float(X.max())
        if lo < 0.0 or hi > 1.0:
            X = (X - lo) / (hi - lo) if hi > lo else np.zeros_like(X)
        return X
