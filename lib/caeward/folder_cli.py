"""``python -m caeward cluster FOLDER --out DIR``: a folder of images to clusters you can look at.

Introduced in chapter 8 (*Clustering your own images*); :func:`cluster_folder` is the
same as one Python function. It reads every image under FOLDER
(:func:`caeward.folder.read_folder`), clusters them with a recipe
(:func:`caeward.recipes.run_recipe`) and writes to DIR (:mod:`caeward.report`):

- ``labels.csv``: each image's path relative to FOLDER and its cluster;
- ``clusters/cluster-NN.png``: one contact sheet per cluster, with its count;
- ``dendrogram.png``: the tree's last merges and the cut (not for k-means);
- ``report.html``: one page with the recipe, counts, time, the tree and every sheet.

Examples
--------
::

    python -m caeward cluster photos/ --out photos-clusters
    python -m caeward cluster scans/ --out out --k auto --recipe proposed-ward --steps 2000

Nothing is written into FOLDER. A mistake (a missing folder, no images, an unwritable
DIR, DIR inside FOLDER, an option out of range) is one line on stderr and exit status
2, before any training.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import folder as folder_reading
from . import report
from .recipes import DEFAULT_BATCH_SIZE, DEFAULT_RECIPE, DEFAULT_STEPS, RECIPES, RecipeResult, check_recipe, run_recipe
from .files import usable_folder
from .runtime import check_device

__all__ = ["cluster_folder", "FolderClustering", "FolderError", "main"]

#: The smallest side the CAE recipes take, and the multiple it must be of.
_CAE_MIN_SIDE, _CAE_SIDE_MULTIPLE = 12, 4


class FolderError(ValueError):
    """A mistake in what :func:`cluster_folder` was asked: one line, exit status 2."""


@dataclass
class FolderClustering:
    """What :func:`cluster_folder` did.

    Attributes
    ----------
    paths : list of str
        The images clustered, relative to the folder.
    labels : ndarray of int64, shape (n_images,)
    skipped : list of (str, str)
        Files not read, and why.
    result : RecipeResult
    out : Path
        Where the files were written.
    seconds : float
    """

    paths: list[str]
    labels: np.ndarray
    skipped: list[tuple[str, str]]
    result: RecipeResult
    out: Path
    seconds: float


def _check_out(folder: Path, out: Path) -> None:
    """Refuse DIR inside FOLDER (or FOLDER itself) and a DIR this process cannot write."""
    folder_real, out_real = folder.resolve(), out.resolve()
    if out_real == folder_real or folder_real in out_real.parents:
        raise FolderError(f"--out {out} lies inside {folder}: choose a folder outside it "
                          "(nothing is ever written into the images' folder)")
    try:
        usable_folder(out_real)
    except ValueError as exc:
        raise FolderError(f"--out {out}: {exc}") from exc


def _check_options(recipe, k, distance_threshold, steps, batch_size, side, seed, device) -> None:
    if (k is None) == (distance_threshold is None):
        raise FolderError("give one of --k and --distance-threshold")
    if isinstance(k, str) and k != "auto":
        raise FolderError(f"--k takes a whole number >= 1 or 'auto', got {k!r}")
    if isinstance(k, (int, np.integer)) and (isinstance(k, bool) or k < 1):
        raise FolderError(f"--k takes a whole number >= 1 or 'auto', got {k!r}")
    if distance_threshold is not None and (recipe == "pixels-kmeans" or not distance_threshold >= 0):
        raise FolderError("--distance-threshold takes a height >= 0 and a recipe with a tree (not "
                          "pixels-kmeans)")
    try:
        check_recipe(recipe, k, distance_threshold)
    except ValueError as exc:
        raise FolderError(str(exc)) from exc
    for name, value in (("--steps", steps), ("--batch-size", batch_size), ("--side", side)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise FolderError(f"{name} takes a whole number >= 1, got {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise FolderError(f"--seed takes a whole number >= 0, got {seed!r}")
    if recipe in ("auto", "proposed-ward", "proposed-umap-ward") and (side < _CAE_MIN_SIDE or side % _CAE_SIDE_MULTIPLE):
        raise FolderError(f"the CAE recipes take a --side that is a multiple of {_CAE_SIDE_MULTIPLE} and at "
                          f"least {_CAE_MIN_SIDE}, got {side}")
    if device is not None:
        try:
            check_device(device)
        except ValueError as exc:
            raise FolderError(str(exc)) from exc


def cluster_folder(folder: str | os.PathLike, out: str | os.PathLike, *, k: int | str | None = 10,
                   distance_threshold: float | None = None, recipe: str = DEFAULT_RECIPE,
                   steps: int = DEFAULT_STEPS, seed: int = 0, device: str | None = None,
                   batch_size: int = DEFAULT_BATCH_SIZE, side: int = 28, progress: bool = True) -> FolderClustering:
    """Cluster every image under ``folder`` and write labels, sheets, tree and report to ``out``.

    Parameters
    ----------
    folder : path
        Read recursively; never written to.
    out : path
        Created if needed; must not lie inside ``folder``.
    k : int, "auto" or None
        The number of clusters; ``"auto"`` chooses it
        (:func:`caeward.number_of_clusters.choose_k`); ``None`` with ``distance_threshold``.
    distance_threshold : float or None
        Cut the Ward tree where merges rise above this height instead.
    recipe : str
        One of :data:`caeward.recipes.RECIPES` (default: the one chapter 8's guide
        recommends for an image set you know nothing about).
    steps, batch_size : int
        The CAE's pretraining in optimizer steps (CAE recipes only).
    seed : int
    device : str or None
    side : int
        Images are fitted into squares of this many pixels (aspect kept by padding).
    progress : bool
        Progress bars on reading, training and embedding.

    Returns
    -------
    FolderClustering

    Raises
    ------
    FolderError
        Bad input, before any training.
    """
    start = time.perf_counter()
    folder, out = Path(folder), Path(out)
    if not folder.is_dir():
        raise FolderError(f"{folder} is not a folder" + ("" if folder.exists() else " (it does not exist)"))
    _check_options(recipe, k, distance_threshold, steps, batch_size, side, seed, device)
    _check_out(folder, out)
    read = folder_reading.read_folder(folder, side=side, progress=progress)
    if len(read.paths) == 0:
        raise FolderError(f"no image Pillow can read under {folder} ({len(read.skipped)} other files)")
    if isinstance(k, (int, np.integer)) and k > len(read.paths):
        raise FolderError(f"{len(read.paths)} images cannot form {k} clusters")
    if len(read.paths) < 2:
        raise FolderError(f"only one image under {folder}: there is nothing to cluster")
    try:
        result = run_recipe(read.images, recipe, n_clusters=k, distance_threshold=distance_threshold,
                            steps=steps, batch_size=batch_size, seed=seed, device=device, progress=progress)
    except ValueError as exc:  # too few images for UMAP's neighbours, say
        raise FolderError(str(exc)) from exc
    seconds = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)
    report.write_labels(out / "labels.csv", read.paths, result.labels)
    sheets = report.write_contact_sheets(out / "clusters", read.images, result.labels)
    dendrogram = None
    if result.linkage is not None:
        dendrogram = "dendrogram.png"
        report.write_dendrogram(out / dendrogram, result.linkage, result.n_clusters)
    settings = {"k": k, "distance_threshold": distance_threshold, "side": side, "seed": seed}
    if result.epochs is not None:
        settings.update(steps=steps, epochs=result.epochs, batch_size=batch_size)
    if recipe == "auto":
        settings.update(recipe="auto: " + result.recipe)
    note = ""
    if result.k_choice is not None:
        note = f"k = {result.n_clusters} was chosen from the data (--k auto)."
    counts = np.bincount(result.labels, minlength=result.n_clusters).tolist()
    report.write_report(out / "report.html", folder_name=folder.name or str(folder), recipe=result.recipe,
                        recipe_text=RECIPES[result.recipe], settings=settings, counts=counts, sheets=sheets,
                        seconds=seconds, dendrogram=dendrogram, skipped=read.skipped, note=note)
    return FolderClustering(read.paths, result.labels, read.skipped, result, out, seconds)


def _k(text: str):
    if text == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number or 'auto', got {text!r}") from None


def parser() -> argparse.ArgumentParser:
    """The ``cluster`` command's options."""
    p = argparse.ArgumentParser(prog="python -m caeward cluster", description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", help="the folder of images (read recursively, never written)")
    p.add_argument("--out", required=True, help="the folder to write to (not inside FOLDER)")
    p.add_argument("--k", type=_k, default=None, help="number of clusters, or 'auto' (default 10)")
    p.add_argument("--distance-threshold", type=float, help="cut the tree at this height instead of --k")
    p.add_argument("--recipe", default=DEFAULT_RECIPE, help=f"auto (by the folder's size), or one of "
                                                            f"{', '.join(RECIPES)} (default {DEFAULT_RECIPE})")
    p.add_argument("--steps", type=int, default=DEFAULT_STEPS, help="CAE pretraining, in optimizer steps "
                                                                    f"(default {DEFAULT_STEPS})")
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                   help=f"CAE training batch size (default {DEFAULT_BATCH_SIZE})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", help="cpu, cuda, mps (default: the first available)")
    p.add_argument("--side", type=int, default=28, help="square side in pixels (default 28)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status (2 for a mistake in what was asked)."""
    args = parser().parse_args(argv)
    k = args.k if args.k is not None or args.distance_threshold is not None else 10
    try:
        done = cluster_folder(args.folder, args.out, k=k, distance_threshold=args.distance_threshold,
                              recipe=args.recipe, steps=args.steps, seed=args.seed, device=args.device,
                              batch_size=args.batch_size, side=args.side)
    except FolderError as exc:
        print(f"caeward cluster: error: {exc}", file=sys.stderr)
        return 2
    for path, why in done.skipped:
        print(f"skipped {path}: {why}", file=sys.stderr)
    print(f"{len(done.paths)} images in {done.result.n_clusters} clusters ({done.seconds:.1f} s); "
          f"open {done.out / 'report.html'}")
    return 0
