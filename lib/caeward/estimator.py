"""``CAEWard``: the paper's method as a scikit-learn estimator, for your own images.

Introduced in chapter 4 (*The full experiment*), where it is the method of the last
row of Table 1; its ``manifold="umap"`` option is chapter 6's (*Beyond the paper*),
``n_clusters="auto"`` chapters 7 and 8's (*How many clusters?*, *Clustering your
own images*), and chapter 8 runs it on images that are not MNIST. The algorithm lives in
:mod:`caeward.models`, :mod:`caeward.train`, :mod:`caeward.manifold` and
:mod:`caeward.cluster`; this module validates parameters and input, then wires them
up, as scikit-learn's ``AgglomerativeClustering`` does.
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from . import cluster, manifold, models
from .cut import UMAP_COMPONENTS_UNKNOWN_K, check_cut, cut
from .runtime import check_device, pick_device, seeded
from .train import embed, pretrain, to_tensor

__all__ = ["CAEWard"]

# The names of the book's registry (caeward.experiments.registry.AUTOENCODERS).
_ARCHITECTURES = {"proposed": models.DeepConvAutoencoder, "cae": models.ConvAutoencoder}
# Both halve the side twice and end in a 3x3 head: the size rule :mod:`caeward.models` enforces.
_SIDE_MULTIPLE, _MIN_SIDE = 4, 12


class CAEWard(ClusterMixin, TransformerMixin, BaseEstimator):
    """Convolutional autoencoder + agglomerative (Ward) clustering of its codes.

    Pretrains a convolutional autoencoder on the images, embeds them as codes and
    builds the Ward tree of the codes (Park & Ko 2020), then cuts it into flat clusters.

    Parameters
    ----------
    n_clusters : int, "auto" or None, default=10
        Number of flat clusters cut from the tree; ``"auto"`` chooses it from the
        points clustered, without labels
        (:func:`caeward.number_of_clusters.choose_k_with_margin`, candidates 2..20: a
        best guess, its plausible span, and whether the data decide it); ``None``
        with ``distance_threshold``.
    distance_threshold : float or None, default=None
        Cut the tree where merges rise above this height instead (as
        ``AgglomerativeClustering``); needs ``n_clusters=None``. Heights are SciPy's:
        for Ward, sqrt(2 x the increase in within-cluster sum of squares) of the codes.
    architecture : {"proposed", "cae"}, default="proposed"
        The encoder-reinforced CAE (:class:`~caeward.models.DeepConvAutoencoder`)
        or DCEC's convolutional autoencoder (:class:`~caeward.models.ConvAutoencoder`).
    code_dim : int, default=10
        Size of the code layer.
    epochs : int, default=200
        Pretraining epochs (the book's full budget uses 200), at least 1.
    batch_size : int, default=256
    lr : float, default=1e-3
        Adam's learning rate.
    linkage : {"ward", "single", "complete", "average"}, default="ward"
    manifold : {None, "umap"}, default=None
        ``None`` clusters the codes themselves: the paper's method. ``"umap"`` first
        embeds them with UMAP as N2D does (one component per cluster, at least 2; 20
        neighbours; ``min_dist=0``; seeded by ``random_state``) and clusters that
        embedding: not the paper's method, chapter 6 measures what it gains.
    scaling : {None, "dataset", "image"}, default=None
        How pixel values reach [0, 1]. ``None``: uint8 images are divided by 255 and
        any other input must already lie in [0, 1] (else a ``ValueError`` says how to
        scale). ``"dataset"``: min-max over the whole of ``X``. ``"image"``: min-max
        of each image on its own (a blank image becomes zeros). Nothing is rescaled
        silently.
    bf16 : bool, default=False
        Pretrain under bfloat16 autocast.
    device : str or None, default=None
        ``"cuda"``, ``"mps"``, ``"cpu"``; ``None`` picks the first available. It runs the
        training and the linkage: Ward on a CUDA device uses the exact GPU engine
        (:mod:`caeward.ward_torch`), elsewhere fastcluster.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the shuffles and so the result (repeatable on one machine).
        ``None`` means 0; a ``RandomState`` gives the seed it draws next.
    verbose : bool, default=False
        Show a progress bar while pretraining.

    Attributes
    ----------
    labels_ : ndarray of int64, shape (n_samples,)
    n_clusters_ : int
        The number of clusters found (``n_clusters``, what the threshold gave, or
        what ``"auto"`` chose).
    k_choice_ : KChoice or None
        With ``n_clusters="auto"``: the choice, its ``plausible`` span, whether it is
        ``decided``, and the evidence per criterion
        (:class:`caeward.number_of_clusters.KChoice`); ``None`` otherwise.
    children_ : ndarray of int64, shape (n_samples - 1, 2)
        The children of each merge, as ``AgglomerativeClustering`` gives them: values
        below ``n_samples`` are samples, ``n_samples + i`` is the cluster made by
        merge ``i``.
    distances_ : ndarray of float64, shape (n_samples - 1,)
        The height of each merge (as ``AgglomerativeClustering`` with
        ``compute_distances=True``; for Ward, scikit-learn's and SciPy's heights agree).
    n_leaves_ : int
        The number of leaves of the tree: ``n_samples``.
    linkage_ : ndarray of float64, shape (n_samples - 1, 4)
        SciPy linkage matrix of the points clustered (the codes, or their UMAP
        embedding): cut it at another k with :func:`caeward.cluster.cut_linkage`,
        draw it with ``scipy``'s dendrogram.
    embedding_ : ndarray of float32, shape (n_samples, code_dim)
        The codes of the training images.
    manifold_embedding_ : ndarray of float32, shape (n_samples, n_components), or None
        The codes' UMAP embedding with ``manifold="umap"``; ``None`` without it.
    autoencoder_ : torch.nn.Module
    loss_curve_ : list of float
        Mean reconstruction loss per epoch.
    image_size_ : int
        The side of the images it was fitted on; :meth:`transform` takes the same.
    n_features_in_ : int
        Pixels per image (``image_size_ ** 2``), as a flattened ``X`` has columns.
    data_range_ : tuple of float
        With ``scaling="dataset"``: the training data's minimum and maximum, which
        :meth:`transform` scales new images by (clipped to [0, 1]).

    See Also
    --------
    sklearn.cluster.AgglomerativeClustering : Ward on the features themselves; the
        same ``children_``, ``distances_`` and ``distance_threshold``.
    caeward.cluster.linkage : the linkage of any points, as a SciPy linkage matrix.
    caeward.cluster.cut_linkage : another cut of ``linkage_`` without refitting.
    caeward.folder_cli.cluster_folder : a folder of image files to clusters and a report.

    Notes
    -----
    ``X`` holds square single-channel images, as ``(n, h, w)``, ``(n, 1, h, w)`` or
    flattened ``(n, h*w)``, at least 2 of them and at least ``n_clusters``. Both
    architectures halve the side twice, so the side must be a multiple of 4 and at
    least 12 (12, 16, 28, 32...); anything else is refused before training.
    ``load_digits().data`` holds 8x8 images: too small; upscale them to 16x16 first,
    as the example does. :meth:`predict` puts a new image in the cluster of the training
    image whose code is nearest; :meth:`save` and :meth:`load` keep a fitted model.

    Examples
    --------
    scikit-learn's handwritten digits, 8x8 pixels with values 0..16, repeated 2x2 to
    16x16 and divided by 16; a short training of DCEC's autoencoder on 300 of them:

    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from caeward import CAEWard
    >>> digits = load_digits()
    >>> images = np.kron(digits.images[:300], np.ones((2, 2))) / 16.0
    >>> model = CAEWard(n_clusters=10, architecture="cae", epochs=3, device="cpu",
    ...                 random_state=0).fit(images)
    >>> model.labels_.shape, model.n_clusters_, model.embedding_.shape
    ((300,), 10, (300, 10))
    >>> model.children_.shape, model.n_leaves_, bool(np.all(np.diff(model.distances_) >= 0))
    ((299, 2), 300, True)
    >>> model.transform(images[:2]).shape
    (2, 10)
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "distance_threshold": [Interval(Real, 0, None, closed="left"), None],
        "architecture": [StrOptions(set(_ARCHITECTURES))],
        "code_dim": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "linkage": [StrOptions(set(cluster.LINKAGES))],
        "manifold": [StrOptions({"umap"}), None],
        "scaling": [StrOptions({"dataset", "image"}), None],
        "bf16": ["boolean"],
        "device": [str, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, n_clusters: int | None = 10, *, distance_threshold: float | None = None,
                 architecture: str = "proposed", code_dim: int = 10, epochs: int = 200, batch_size: int = 256,
                 lr: float = 1e-3, linkage: str = "ward", manifold: str | None = None, scaling: str | None = None,
                 bf16: bool = False, device: str | None = None, random_state=None, verbose: bool = False):
        self.n_clusters = n_clusters
        self.distance_threshold = distance_threshold
        self.architecture = architecture
        self.code_dim = code_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.linkage = linkage
        self.manifold = manifold
        self.scaling = scaling
        self.bf16 = bf16
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True    # flattened square images
        tags.input_tags.three_d_array = True  # (n, h, w)
        tags.input_tags.allow_nan = False
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Pretrain the autoencoder on ``X``, embed ``X`` and cluster the codes.

        Parameters
        ----------
        X : array-like, shape (n, h, w), (n, 1, h, w) or (n, h*w)
            Square single-channel images, uint8 or in [0, 1] (see ``scaling``).
        y : ignored

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Bad parameters or input (before any training), an unavailable ``device``,
            or a training that diverged (naming the epoch; lower ``lr``).
        """
        # bool is an Integral to Python and to scikit-learn's checks: refuse it by name
        for name in ("n_clusters", "epochs", "batch_size", "code_dim"):
            value = getattr(self, name)
            if isinstance(value, (bool, np.bool_)):
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
        check_cut(self.n_clusters, self.distance_threshold)
        device = check_device(self.device) if self.device is not None else pick_device()
        images = self._images(X, fitting=True)
        side = images.shape[-1]
        # after the pixel values' checks, which scikit-learn's checks expect to speak first
        if side < _MIN_SIDE or side % _SIDE_MULTIPLE:
            raise ValueError(f"the autoencoders take square images whose side is a multiple of "
                             f"{_SIDE_MULTIPLE} and at least {_MIN_SIDE}, got {side}×{side}; "
                             "pad or resize them (load_digits' 8x8: repeat each pixel 2x2 to 16x16)")
        if self.manifold == "umap":
            manifold.check_n_samples(len(images), self._umap_settings())
        check_cut(self.n_clusters, self.distance_threshold, len(images))  # too few images for "auto"
        seed = self._seed()
        with seeded(seed):  # the caller's generators and flags are left as they were
            # an image side the network does not take fails here, before any training
            autoencoder = _ARCHITECTURES[self.architecture](image_size=images.shape[-1], code_dim=self.code_dim)
            x = to_tensor(images, device)
            loss_curve = pretrain(autoencoder, x, self.epochs, batch_size=self.batch_size, lr=self.lr,
                                  seed=seed, bf16=self.bf16, progress=self.verbose)
            codes = embed(autoencoder, x)
        points, embedded = codes, None
        if self.manifold == "umap":
            points = embedded = manifold.umap_embed(codes, seed, self._umap_settings())
        Z = cluster.linkage(points, self.linkage, device=device)
        flat = cut(Z, n_clusters=self.n_clusters, distance_threshold=self.distance_threshold, points=points,
                   random_state=seed)
        # fitted attributes only once everything has worked: a failed fit leaves none half set
        self.autoencoder_, self.loss_curve_, self.embedding_ = autoencoder, loss_curve, codes
        self.manifold_embedding_, self.linkage_, self.k_choice_ = embedded, Z, flat.k_choice
        self.children_ = Z[:, :2].astype(np.int64)
        self.distances_ = Z[:, 2].copy()
        self.n_leaves_ = len(images)
        self.labels_, self.n_clusters_ = flat.labels, flat.n_clusters
        self.image_size_ = images.shape[-1]
        self.n_features_in_ = self.image_size_ ** 2
        return self

    def transform(self, X) -> np.ndarray:
        """The codes of images under the fitted autoencoder.

        Parameters
        ----------
        X : array-like, shape (n, h, w), (n, 1, h, w) or (n, h*w)
            Images of the side it was fitted on, scaled as at ``fit``.

        Returns
        -------
        ndarray of float32, shape (n, code_dim)
        """
        check_is_fitted(self, "autoencoder_")
        images = self._images(X, fitting=False)
        if images.shape[-1] != self.image_size_:
            raise ValueError(f"the model was fitted on {self.image_size_}×{self.image_size_} images, "
                             f"got {images.shape[-1]}×{images.shape[-1]}")
        device = next(self.autoencoder_.parameters()).device
        return embed(self.autoencoder_, to_tensor(images, device))

    def predict(self, X) -> np.ndarray:
        """The cluster of each image: that of the training image whose code is nearest.

        A tree has no rule of its own for a new point; the nearest training code's
        cluster is the one the tree would most likely merge it into first (a training
        image given again gets its own cluster back).

        Parameters
        ----------
        X : array-like, shape (n, h, w), (n, 1, h, w) or (n, h*w)
            Images of the side it was fitted on, scaled as at ``fit``.

        Returns
        -------
        ndarray of int64, shape (n,)
        """
        from sklearn.metrics import pairwise_distances_argmin

        codes = self.transform(X)
        return self.labels_[pairwise_distances_argmin(codes, self.embedding_)].astype(np.int64)

    def save(self, folder) -> "Path":
        """Save the fitted model into ``folder``, verified (:mod:`caeward.saved_model`)."""
        from .saved_model import save_model

        return save_model(self, folder)

    @classmethod
    def load(cls, folder) -> "CAEWard":
        """A model saved by :meth:`save`, checked before use, on the CPU."""
        from .saved_model import load_model

        return load_model(folder, cls, _ARCHITECTURES)

    def fit_transform(self, X, y=None, **fit_params) -> np.ndarray:
        """``fit(X)``, then the codes of ``X`` (``embedding_``)."""
        return self.fit(X, y).embedding_

    # ------------------------------------------------------------------ helpers

    def _seed(self) -> int:
        if self.random_state is None:
            return 0
        if isinstance(self.random_state, np.random.RandomState):
            return int(self.random_state.randint(np.iinfo(np.int32).max))
        return int(self.random_state)  # an int >= 0: the parameter constraints saw to it

    def _umap_settings(self) -> manifold.UMAPSettings:
        # N2D: one dimension per cluster; with a threshold the count is not known in advance
        k = self.n_clusters if isinstance(self.n_clusters, Integral) else UMAP_COMPONENTS_UNKNOWN_K
        return manifold.UMAPSettings.for_clusters(k)

    def _images(self, X, fitting: bool) -> np.ndarray:
        """``X`` as an (n, s, s) array of uint8 or float32 in [0, 1], or a clear error."""
        X = check_array(X, accept_sparse=False, dtype="numeric", allow_nd=True, ensure_all_finite=True,
                        ensure_min_samples=2 if fitting else 1, estimator=self, input_name="X")
        if X.ndim == 2:
            side = math.isqrt(X.shape[1])
            if side * side != X.shape[1]:
                raise ValueError(f"2-d X must hold flattened square images (n, s*s), but {X.shape[1]} "
                                 "features is not a square number; reshape X to (n, h, w)")
            X = X.reshape(len(X), side, side)
        elif X.ndim == 4:
            if X.shape[1] != 1:
                raise ValueError(f"4-d input must be (n, 1, h, w) single-channel images, got shape "
                                 f"{X.shape}; convert colour images to grey first")
            X = X[:, 0]
        if X.ndim != 3:
            raise ValueError(f"X must be images of shape (n, h, w), (n, 1, h, w) or (n, h*w), got shape {X.shape}")
        if X.shape[1] != X.shape[2]:
            raise ValueError(f"images must be square, got {X.shape[1]}×{X.shape[2]}; pad or crop them")
        if X.shape[1] == 0:
            raise ValueError("images are 0×0: there are no pixels to learn from")
        if fitting and isinstance(self.n_clusters, Integral):
            if len(X) < self.n_clusters:
                raise ValueError(f"{len(X)} images cannot form {self.n_clusters} clusters: "
                                 "give at least n_clusters images")
            distinct = len(np.unique(X.reshape(len(X), -1), axis=0))
            if distinct < self.n_clusters:  # as KMeans warns: some clusters split identical images
                warnings.warn(f"the data hold {distinct} distinct images, fewer than n_clusters="
                              f"{self.n_clusters}: some clusters split identical images apart",
                              ConvergenceWarning, stacklevel=4)
        if X.dtype == np.uint8 and self.scaling is None:
            return X
        X = X.astype(np.float32)
        if self.scaling == "dataset":  # the training data's range, also for transform
            if fitting:
                self.data_range_ = (float(X.min()), float(X.max()))
            lo, hi = self.data_range_
            return np.clip((X - lo) / (hi - lo), 0, 1) if hi > lo else np.zeros_like(X)
        if self.scaling == "image":
            lo, hi = X.min(axis=(1, 2), keepdims=True), X.max(axis=(1, 2), keepdims=True)
            return np.where(hi > lo, (X - lo) / np.where(hi > lo, hi - lo, 1), 0).astype(np.float32)
        lo, hi = float(X.min()), float(X.max())
        if lo < 0.0 or hi > 1.0:
            what = "Negative values in data: pixel" if lo < 0.0 else "Pixel"
            raise ValueError(f"{what} values lie in [{lo:g}, {hi:g}], not [0, 1]: divide by the maximum "
                             "(X / 255 for 8-bit images, X / 16 for load_digits), pass uint8, or set "
                             "scaling='dataset' or scaling='image'")
        return X

