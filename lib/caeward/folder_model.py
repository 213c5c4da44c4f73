"""A clustered folder's model: place new images into the clusters a recipe found.

Introduced in chapter 8 (*Clustering your own images*). ``python -m caeward cluster``
saves one in ``DIR/model/``; ``python -m caeward assign DIR/model NEW_FOLDER --out OUT``
(or :meth:`FolderModel.assign`) gives each new image a cluster.

A tree has no rule of its own for a new point, so a new image takes the cluster of the
training image nearest to it in the recipe's representation *before* any UMAP step
(pixels, HOG features on the training folder's principal axes, or the CAE's codes):
the image the tree would most likely have merged it with first. UMAP is not applied
to new images (its fitted graph would have to be saved as a pickle); for the UMAP
recipes the nearest neighbour in the space UMAP was computed from stands in for it.
A training image given again gets its own cluster back.

The folder holds ``model.npz`` (arrays only, read with ``allow_pickle=False``) and
``model.json``, its record with the SHA-256 of the arrays
(:func:`caeward.files.save_verified`); the CAE recipes add the trained estimator in
``cae/`` (:mod:`caeward.saved_model`). Changed bytes are refused before use.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .files import VerificationError, load_verified, save_verified
from .recipes import RECIPES, hog_descriptors, project

__all__ = ["FORMAT", "FolderModel"]

#: The version of what the folder holds; a folder of another version is refused
#: (2: the HOG recipes' features are square-rooted, :data:`caeward.recipes.HOG`).
FORMAT = 2
_ARRAYS, _RECORD, _CAE = "model.npz", "model.json", "cae"
#: Nearest training images are searched this many new images at a time (memory).
_CHUNK = 2_048


@dataclass
class FolderModel:
    """The clusters of a folder, and how to place a new image among them.

    Attributes
    ----------
    recipe : str
        The recipe that clustered the folder (one of :data:`caeward.recipes.RECIPES`).
    side : int
        The square side images are read at.
    features : ndarray of float32, shape (n_images, n_features)
        The training images' representation before any UMAP step.
    labels : ndarray of int64, shape (n_images,)
        Their clusters.
    projection : tuple of ndarray or None
        The HOG recipes' ``(mean, axes)``.
    cae : CAEWard or None
        The CAE recipes' trained estimator (its ``transform`` gives the codes).
    """

    recipe: str
    side: int
    features: np.ndarray
    labels: np.ndarray
    projection: tuple | None = None
    cae: object | None = None

    @property
    def n_clusters(self) -> int:
        return int(self.labels.max()) + 1

    @classmethod
    def from_result(cls, result, side: int) -> "FolderModel":
        """The model of a :class:`caeward.recipes.RecipeResult` of images read at ``side``."""
        return cls(result.recipe, int(side), np.asarray(result.features, dtype=np.float32),
                   np.asarray(result.labels, dtype=np.int64), result.projection, result.model)

    def represent(self, images) -> np.ndarray:
        """The representation of ``images`` (float in [0, 1], shape (n, side, side))."""
        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 3 or images.shape[1:] != (self.side, self.side):
            raise ValueError(f"images must have shape (n, {self.side}, {self.side}), got {images.shape}")
        if self.recipe.startswith("proposed-"):
            return np.asarray(self.cae.transform(images), dtype=np.float32)
        if self.recipe.startswith("hog-"):
            return project(hog_descriptors(images), self.projection)
        return images.reshape(len(images), -1)

    def assign(self, images) -> np.ndarray:
        """The cluster of each image: that of the nearest training image.

        Parameters
        ----------
        images : array-like, shape (n, side, side)
            Grey values in [0, 1], read as the folder was (:func:`caeward.folder.read_folder`).

        Returns
        -------
        ndarray of int64, shape (n,)
        """
        from sklearn.metrics import pairwise_distances_argmin

        new = self.represent(images)
        nearest = np.concatenate([pairwise_distances_argmin(new[i:i + _CHUNK], self.features)
                                  for i in range(0, len(new), _CHUNK)]) if len(new) else np.zeros(0, int)
        return self.labels[nearest].astype(np.int64)

    def save(self, folder: str | os.PathLike) -> Path:
        """Write the model into ``folder`` (created; each file replaced atomically)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {"features": self.features, "labels": self.labels}
        if self.projection is not None:
            arrays["mean"], arrays["axes"] = self.projection
        if self.cae is not None:
            self.cae.save(folder / _CAE)
        info = {"format": FORMAT, "recipe": self.recipe, "side": self.side, "n_clusters": self.n_clusters,
                "n_images": int(len(self.labels)), "cae": self.cae is not None}
        save_verified(folder / _ARRAYS, folder / _RECORD, lambda tmp: _write_npz(tmp, arrays), info)
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike) -> "FolderModel":
        """A model written by :meth:`save`, checked before use.

        Raises
        ------
        FileNotFoundError
            ``folder`` holds no model.
        caeward.files.VerificationError
            Its files changed since they were written, or are not a model of this format.
        """
        folder = Path(folder)
        try:
            data = (folder / _ARRAYS).read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(f"{folder} holds no saved model ({_ARRAYS}, {_RECORD}): give the "
                                    "model/ folder that 'python -m caeward cluster' wrote") from None
        info = load_verified(folder / _ARRAYS, folder / _RECORD, data)
        if info.get("format") != FORMAT or info.get("recipe") not in RECIPES:
            raise VerificationError(f"{folder} holds a model of another format ({info.get('format')!r}); "
                                    f"this caeward reads format {FORMAT}")
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            found = {name: arrays[name] for name in arrays.files}
        cae = None
        if info["cae"]:
            from .estimator import CAEWard  # torch only for the CAE recipes

            cae = CAEWard.load(folder / _CAE)
        projection = (found["mean"], found["axes"]) if "axes" in found else None
        return cls(info["recipe"], int(info["side"]), found["features"], found["labels"].astype(np.int64),
                   projection, cae)


def _write_npz(path: Path, arrays: dict) -> None:
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
