"""A fitted ``CAEWard`` saved to a folder and loaded back, verified, without pickles.

Introduced in chapter 8 (*Clustering your own images*): fit once, then
:meth:`caeward.CAEWard.predict` new images into the same clusters, in another process
or on another day. The folder holds ``model.safetensors`` (the autoencoder's weights
and the fitted arrays: codes, labels, tree) and ``model.json``, its record: the
parameters, the fitted scalars and the SHA-256 of the weights file. Loading checks the
record first (:func:`caeward.files.load_verified`), so changed or truncated bytes are
refused before anything is built from them; safetensors holds tensors only, so
nothing in the file can run code.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .files import VerificationError, load_verified, save_verified

__all__ = ["save_model", "load_model", "FORMAT"]

#: The version of what the folder holds; a folder of another version is refused.
FORMAT = 1
_WEIGHTS, _RECORD = "model.safetensors", "model.json"
#: The fitted arrays saved beside the weights (``manifold_embedding_`` may be None).
_ARRAYS = ("embedding_", "labels_", "linkage_", "manifold_embedding_")


def save_model(model, folder: str | os.PathLike) -> Path:
    """Save a fitted :class:`caeward.CAEWard` into ``folder`` (created; files replaced atomically).

    Returns
    -------
    Path
        The folder.
    """
    import torch
    from safetensors.torch import save_file
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "autoencoder_")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {f"autoencoder.{k}": v.detach().cpu().contiguous() for k, v in model.autoencoder_.state_dict().items()}
    for name in _ARRAYS:
        value = getattr(model, name)
        if value is not None:
            tensors[name] = torch.from_numpy(np.ascontiguousarray(value))
    params = {k: v for k, v in model.get_params().items() if k != "random_state"}
    info = {"format": FORMAT, "class": type(model).__name__, "params": params, "seed": model._seed(),
            "image_size": int(model.image_size_), "n_clusters": int(model.n_clusters_),
            "loss_curve": [float(v) for v in model.loss_curve_],
            "data_range": list(getattr(model, "data_range_", ()) or ()) or None}
    save_verified(folder / _WEIGHTS, folder / _RECORD, lambda tmp: save_file(tensors, str(tmp)), info)
    return folder


def load_model(folder: str | os.PathLike, estimator_class, architectures: dict):
    """The :class:`caeward.CAEWard` saved in ``folder`` by :func:`save_model`, on the CPU.

    ``estimator_class`` and ``architectures`` (name -> network class) are the
    estimator's, passed in by :meth:`caeward.CAEWard.load` so that this module does not
    import the estimator that imports it.

    Raises
    ------
    FileNotFoundError
        No saved model there.
    VerificationError
        The files fail their checks, or were saved in another format.
    """
    from safetensors.torch import load as load_tensors

    folder = Path(folder)
    data = (folder / _WEIGHTS).read_bytes() if (folder / _WEIGHTS).exists() else None
    if data is None and not (folder / _RECORD).exists():
        raise FileNotFoundError(f"no saved model in {folder} (expected {_WEIGHTS} and {_RECORD})")
    info = load_verified(folder / _WEIGHTS, folder / _RECORD, data)
    if info.get("format") != FORMAT or info.get("class") != estimator_class.__name__:
        raise VerificationError(f"{folder} holds a model of format {info.get('format')!r}, not {FORMAT}: "
                                "fit and save it again with this version of caeward")
    tensors = load_tensors(data)
    params = dict(info["params"], random_state=info["seed"], device="cpu")
    model = estimator_class(**params)
    network = architectures[params["architecture"]](image_size=info["image_size"], code_dim=params["code_dim"])
    network.load_state_dict({k.removeprefix("autoencoder."): v for k, v in tensors.items()
                             if k.startswith("autoencoder.")})
    network.eval()
    model.autoencoder_ = network
    for name in _ARRAYS:
        setattr(model, name, tensors[name].numpy() if name in tensors else None)
    model.k_choice_ = None  # the evidence of an automatic k is not saved; the choice is
    model.children_ = model.linkage_[:, :2].astype(np.int64)
    model.distances_ = model.linkage_[:, 2].copy()
    model.n_leaves_ = len(model.labels_)
    model.n_clusters_, model.image_size_ = info["n_clusters"], info["image_size"]
    model.n_features_in_ = model.image_size_ ** 2
    model.loss_curve_ = info["loss_curve"]
    if info["data_range"] is not None:
        model.data_range_ = tuple(info["data_range"])
    return model
