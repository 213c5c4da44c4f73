"""``python -m caeward cluster FOLDER --out DIR``: a folder of images to clusters you can look at.

Introduced in chapter 8 (*Clustering your own images*); :func:`cluster_folder` is the
same as one Python function. It reads every image under FOLDER
(:func:`caeward.folder.read_folder`), clusters them with a recipe
(:func:`caeward.recipes.run_recipe`) and writes to DIR (:mod:`caeward.report`):

- ``labels.csv``: each image's path relative to FOLDER and its cluster;
- ``clusters/cluster-NN.png``: one contact sheet per cluster, with its count, its most
  representative images (nearest the cluster's mean point) first;
- ``dendrogram.png``: the tree's last merges and the cut (not for k-means);
- ``map.png``: the images on the first two principal components of what was
  clustered, coloured by cluster, some as thumbnails;
- ``report.html``: one page with the recipe, counts, time, how k was chosen (``--k
  auto``), the tree, the map and every sheet;
- ``model/``: what it takes to place new images into these clusters
  (:class:`caeward.folder_model.FolderModel`); ``python -m caeward assign DIR/model
  NEW_FOLDER --out OUT`` writes their ``labels.csv`` and sheets;
- with ``--copy``, ``files/cluster-NN/<path>``: a copy of each image by cluster.

Examples
--------
::

    python -m caeward cluster photos/ --out photos-clusters
    python -m caeward cluster scans/ --out out --k auto --recipe proposed-ward --steps 2000
    python -m caeward cluster scans/ --out out --k 5 --overwrite --copy
    python -m caeward assign out/model new-scans/ --out new-out

Nothing is written into FOLDER. DIR must be a new or an empty folder (``--overwrite``
replaces one that is not); everything is written into a hidden folder beside it and
moved into place only when complete, so a failed or interrupted run leaves DIR as it
was. A mistake (a missing folder, no images, too few images for the recipe, an
unwritable DIR, DIR inside FOLDER, an option out of range) is one line on stderr and
exit status 2, before any training; so is a failed write (a full disk, say) or Ctrl-C.
"""

from __future__ import annotations

import argparse
import errno
import os
import secrets
import shutil
import socket
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import folder as folder_reading
from . import report
from .folder_model import FolderModel
from .cut import auto_min_samples
from .files import process_alive, usable_folder, write_failure
from .manifold import UMAPSettings
from .recipes import (DEFAULT_BATCH_SIZE, DEFAULT_RECIPE, DEFAULT_STEPS, RECIPES, RecipeResult, check_recipe,
                      choose_recipe, run_recipe)
from .runtime import check_device

__all__ = ["assign_folder", "assign_main", "cluster_folder", "FolderClustering", "FolderError",
           "FolderInterrupted", "main"]

#: The smallest side the CAE recipes take, and the multiple it must be of.
_CAE_MIN_SIDE, _CAE_SIDE_MULTIPLE = 12, 4

#: The smallest side the HOG recipes take: 2 x 2 cells of at least 2 pixels.
_HOG_MIN_SIDE = 4

#: Marks the hidden folders beside DIR that a run writes into (``new``) or sets an old
#: DIR aside in (``old``): ``.<DIR's name>.caeward-<role>-<host>-<pid>-<random>``.
_MARK = ".caeward-"


class FolderError(ValueError):
    """A mistake in what :func:`cluster_folder` was asked, or a write that failed: one
    line, exit status 2; DIR is then left as it was."""


class FolderInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`cluster_folder`; the message says what was left."""


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
    hidden : int
        Hidden files and folders left out (names starting with ``.``; a hidden folder
        counts once).
    escaped : list of str
        File names UTF-8 cannot hold, as ``labels.csv`` and the report write them
        (:func:`caeward.report.printable_name`).
    copied : bool
        Whether ``files/`` holds a copy of each image by cluster.
    """

    paths: list[str]
    labels: np.ndarray
    skipped: list[tuple[str, str]]
    result: RecipeResult
    out: Path
    seconds: float
    hidden: int = 0
    escaped: list[str] = field(default_factory=list)
    copied: bool = False


def _check_out(folder: Path, out: Path, overwrite: bool) -> Path:
    """Refuse DIR inside FOLDER (or FOLDER itself), DIR holding FOLDER, a DIR that is a
    file or a folder with files in it (unless ``overwrite``), and a DIR whose parent this
    process cannot write (where the output is made); return DIR's real path."""
    folder_real, target = folder.resolve(), out.resolve()
    if target == folder_real or folder_real in target.parents:
        raise FolderError(f"--out {out} lies inside {folder}: choose a folder outside it "
                          "(nothing is ever written into the images' folder)")
    if target in folder_real.parents:
        raise FolderError(f"--out {out} holds the images' folder {folder}: choose a folder outside it "
                          "(replacing it would delete the images)")
    if target.parent == target:
        raise FolderError(f"--out {out} is the root of the file system: choose a folder in it")
    if os.path.lexists(target) and not os.path.isdir(target):
        why = "a link to nothing" if os.path.islink(target) else "a file, not a folder"
        raise FolderError(f"--out {out} is {why}: give a new or empty folder (nothing is deleted to make room)")
    if os.path.isdir(target) and not overwrite and _has_entries(target):
        raise FolderError(f"--out {out} is a folder with files in it: give a new or empty folder, or "
                          "--overwrite to replace it and everything in it")
    try:
        usable_folder(target.parent)  # the output is made beside DIR, then renamed into place
    except ValueError as exc:
        raise FolderError(f"--out {out}: {exc}") from exc
    return target


def _check_folder(folder: Path) -> None:
    """Refuse a FOLDER that is not a folder, saying whether it exists at all."""
    if not folder.is_dir():
        raise FolderError(f"{folder} is not a folder" + ("" if folder.exists() else " (it does not exist)"))


def _has_entries(path: Path) -> bool:
    with os.scandir(path) as entries:
        return next(entries, None) is not None


def _check_side(recipe: str, side: int, how: str = "") -> None:
    """Refuse a ``side`` the recipe cannot take (``how``: how the recipe was chosen)."""
    if recipe.startswith("proposed-") and (side < _CAE_MIN_SIDE or side % _CAE_SIDE_MULTIPLE):
        raise FolderError(f"the CAE recipes{how} take a --side that is a multiple of {_CAE_SIDE_MULTIPLE} and at "
                          f"least {_CAE_MIN_SIDE}, got {side}")
    if recipe.startswith("hog-") and side < _HOG_MIN_SIDE:
        raise FolderError(f"the HOG recipes{how} take a --side of at least {_HOG_MIN_SIDE} (2 x 2 cells of 2 "
                          f"pixels), got {side}")


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
    if recipe != "auto":  # "auto"'s recipe is known once the images are counted
        _check_side(recipe, side)
    if device is not None:
        try:
            check_device(device)
        except ValueError as exc:
            raise FolderError(str(exc)) from exc


def _check_images(folder: Path, read, recipe: str, k, distance_threshold, side: int) -> str:
    """Refuse, before any training, what the recipe would fail on with these images:
    too few for it, for its UMAP step or for choosing k; return the recipe that will run."""
    n = len(read.paths)
    if n == 0:
        hidden = f", {read.hidden} hidden left out" if read.hidden else ""
        raise FolderError(f"no image Pillow can read under {folder} ({len(read.skipped)} other files{hidden})")
    if n < 2:
        raise FolderError(f"only one image under {folder}: there is nothing to cluster")
    ran = choose_recipe(n) if recipe == "auto" else recipe
    how = f" ({ran}, chosen by --recipe auto for {n} images)" if recipe == "auto" else ""
    if recipe == "auto":
        _check_side(ran, side, how)
    if isinstance(k, (int, np.integer)) and k > n:
        raise FolderError(f"{n} images cannot form {k} clusters")
    short = []
    if "-umap-" in ran:  # the recipes' grammar: <representation>-umap-<clustering>
        neighbours = UMAPSettings().n_neighbors
        short.append((neighbours + 2, f"recipe {ran}{' (chosen by --recipe auto)' if how else ''} embeds them "
                                      f"with UMAP, whose {neighbours} neighbours need at least {neighbours + 2} "
                                      "(choose a recipe without UMAP, such as hog-ward or pixels-ward)"))
    if k == "auto":
        need = auto_min_samples()
        short.append((need, f"choosing k (--k auto) needs at least {need} (give --k a number)"))
    short = [why for need, why in short if n < need]
    if short:
        raise FolderError(f"{n} images are too few: " + "; and ".join(short))
    try:  # whatever else the recipe would refuse, with these images
        check_recipe(recipe, k, distance_threshold, n)
    except ValueError as exc:
        raise FolderError(str(exc)) from exc
    return ran


def cluster_folder(folder: str | os.PathLike, out: str | os.PathLike, *, k: int | str | None = 10,
                   distance_threshold: float | None = None, recipe: str = DEFAULT_RECIPE,
                   steps: int = DEFAULT_STEPS, seed: int = 0, device: str | None = None,
                   batch_size: int = DEFAULT_BATCH_SIZE, side: int = 28, progress: bool = True,
                   overwrite: bool = False, copy: bool = False) -> FolderClustering:
    """Cluster every image under ``folder`` and write labels, sheets, tree, map and report to ``out``.

    Parameters
    ----------
    folder : path
        Read recursively; never written to.
    out : path
        A folder that does not exist yet or is empty (see ``overwrite``); must not lie
        inside ``folder``. It appears, complete, only at the end.
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
    overwrite : bool
        Replace an ``out`` that has files in it (all of them are deleted, once the new
        output is complete).
    copy : bool
        Also copy (never move) each image into ``out/files/cluster-NN/`` under its path
        relative to ``folder``.

    Returns
    -------
    FolderClustering

    Raises
    ------
    FolderError
        Bad input, before any training; or a write that failed, with ``out`` left as it was.
    FolderInterrupted
        Ctrl-C (a :class:`KeyboardInterrupt`); ``out`` is left as it was, and no
        temporary folder behind.
    """
    try:
        return _cluster_folder(folder, out, k=k, distance_threshold=distance_threshold, recipe=recipe,
                               steps=steps, seed=seed, device=device, batch_size=batch_size, side=side,
                               progress=progress, overwrite=overwrite, copy=copy)
    except FolderInterrupted:
        raise
    except KeyboardInterrupt:  # the temporary folder is gone already (_publish)
        raise FolderInterrupted("interrupted: nothing was written") from None


def _cluster_folder(folder, out, *, k, distance_threshold, recipe, steps, seed, device, batch_size, side,
                    progress, overwrite, copy) -> FolderClustering:
    start = time.perf_counter()
    folder, out = Path(folder), Path(out)
    _check_folder(folder)
    _check_options(recipe, k, distance_threshold, steps, batch_size, side, seed, device)
    target = _check_out(folder, out, overwrite)
    read = folder_reading.read_folder(folder, side=side, progress=progress)
    _check_images(folder, read, recipe, k, distance_threshold, side)
    try:
        result = run_recipe(read.images, recipe, n_clusters=k, distance_threshold=distance_threshold,
                            steps=steps, batch_size=batch_size, seed=seed, device=device, progress=progress)
    except ValueError as exc:  # anything _check_images could not foresee
        raise FolderError(str(exc)) from exc
    seconds = time.perf_counter() - start
    names = [*read.paths, *(path for path, _ in read.skipped)]
    escaped = [report.printable_name(name) for name in names if report.printable_name(name) != name]
    settings = {"k": k, "distance_threshold": distance_threshold, "side": side, "seed": seed}
    if result.epochs is not None:
        settings.update(steps=steps, epochs=result.epochs, batch_size=batch_size)
    if recipe == "auto":
        settings.update(recipe="auto: " + result.recipe)

    def write(into: Path) -> None:
        _write_output(into, folder, read, result, settings=settings, seconds=seconds, escaped=escaped,
                      seed=seed, copy=copy)
        FolderModel.from_result(result, side).save(into / "model")

    try:
        _publish(target, out, overwrite, write)
    except OSError as exc:  # a full disk, a file in the way, no permission: DIR is as it was
        raise FolderError(f"cannot write --out {out}: {write_failure(exc)}; nothing was written") from exc
    return FolderClustering(read.paths, result.labels, read.skipped, result, out, seconds, read.hidden,
                            escaped, copy)


def _write_output(into: Path, folder: Path, read, result: RecipeResult, *, settings: dict, seconds: float,
                  escaped: list[str], seed: int, copy: bool) -> None:
    """Every file of the output, into the (temporary) folder ``into``."""
    report.write_labels(into / "labels.csv", read.paths, result.labels)
    sheets = report.write_contact_sheets(into / "clusters", read.images, result.labels, points=result.points)
    dendrogram = None
    if result.linkage is not None:
        dendrogram = "dendrogram.png"
        report.write_dendrogram(into / dendrogram, result.linkage, result.n_clusters)
    shown = report.write_map(into / "map.png", result.points, read.images, result.labels, seed=seed)
    note = ""
    if result.k_choice is not None:
        note = report.k_choice_sentence(result.k_choice)
    counts = np.bincount(result.labels, minlength=result.n_clusters).tolist()
    report.write_report(into / "report.html", folder_name=folder.name or str(folder), recipe=result.recipe,
                        recipe_text=RECIPES[result.recipe], settings=settings, counts=counts, sheets=sheets,
                        seconds=seconds, dendrogram=dendrogram, skipped=read.skipped, note=note,
                        hidden=read.hidden, escaped=escaped, k_choice=result.k_choice, map_image="map.png",
                        map_shown=shown, copied="files" if copy else None, ordered=True)
    if copy:  # last: the copies are the largest part, and worthless without the rest
        _copy_images(into / "files", folder, read.paths, result.labels)


def _copy_images(into: Path, folder: Path, paths: list[str], labels: np.ndarray) -> None:
    """Copy each image to ``into/cluster-NN/<its path relative to folder>``."""
    k = int(labels.max()) + 1
    for path, label in zip(paths, labels):
        destination = into / report.cluster_name(int(label), k) / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / path, destination)  # a copy, with its times: never a move


def _host() -> str:
    return socket.gethostname().replace("-", "_")


def _sibling_prefix(target: Path, role: str) -> str:
    # the name is cut so that the hidden name stays within a file system's 255 bytes
    return f".{target.name[:100]}{_MARK}{role}-{_host()}-"


def _sibling(target: Path, role: str) -> Path:
    """A fresh hidden name beside ``target``, marked with this host and process."""
    return target.parent / f"{_sibling_prefix(target, role)}{os.getpid()}-{secrets.token_hex(4)}"


def _remove_stale(target: Path) -> None:
    """Delete the output folders that a killed run (on this host) left beside ``target``.

    Only ``new`` ones: an ``old`` one is a DIR set aside, perhaps the only copy of it.
    """
    prefix = _sibling_prefix(target, "new")
    try:
        entries = [entry for entry in os.scandir(target.parent)
                   if entry.name.startswith(prefix) and entry.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for entry in entries:
        pid = entry.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
            shutil.rmtree(entry.path, ignore_errors=True)


def _publish(target: Path, out: Path, overwrite: bool, write) -> None:
    """``write(folder)`` into a fresh hidden folder beside ``target``, then move it to
    ``target``. On any failure or interrupt the hidden folder (and any parent folder made
    for it) is removed and ``target`` is as it was."""
    made: list[Path] = []
    new = None
    try:
        _make_parents(target.parent, made)
        _remove_stale(target)
        candidate = _sibling(target, "new")
        os.mkdir(candidate)
        new = candidate  # only a folder made here is ever deleted here
        write(new)
        old = _swap_in(new, target, out, overwrite)
    except BaseException:
        if new is not None:
            shutil.rmtree(new, ignore_errors=True)
        for folder in reversed(made):
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    if old is not None:
        _remove_old(old, out)


def _make_parents(folder: Path, made: list[Path]) -> None:
    """Make ``folder`` and the folders above it that are missing, listing each in ``made``."""
    missing = []
    while not os.path.lexists(folder) and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        folder.mkdir()
        made.append(folder)


def _swap_in(new: Path, target: Path, out: Path, overwrite: bool) -> Path | None:
    """Move the complete folder ``new`` to ``target``; return where an old ``target``
    was set aside (to be deleted), or ``None``. What stood at ``target`` is checked
    again: the run may have taken hours."""
    if os.path.lexists(target) and not os.path.isdir(target):
        raise FolderError(f"--out {out} became a file while this ran: nothing was written")
    if not os.path.lexists(target):
        os.rename(new, target)  # fails, rather than replaces, if a folder with files appeared there
        return None
    if not overwrite:
        try:
            os.rmdir(target)  # removes only an empty folder: files put there meanwhile stay
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            raise FolderError(f"--out {out} got files while this ran: nothing was written (give --overwrite "
                              "to replace it)") from None
        os.rename(new, target)
        return None
    old = _sibling(target, "old")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    return old


def _remove_old(old: Path, out: Path) -> None:
    """Delete the old output set aside; the new one is in place already."""
    try:
        shutil.rmtree(old)
    except KeyboardInterrupt:
        raise FolderInterrupted(f"interrupted: {out} is written and complete, but its old content, set aside "
                                f"in {old}, is not all deleted: delete it") from None
    except OSError as exc:
        warnings.warn(f"{out} is written and complete, but its old content, set aside in {old}, could not "
                      f"all be deleted ({write_failure(exc)})", stacklevel=3)


def assign_folder(model: str | os.PathLike, folder: str | os.PathLike, out: str | os.PathLike, *,
                  overwrite: bool = False, progress: bool = True) -> FolderClustering:
    """Place every image under ``folder`` into the clusters of a saved folder model.

    Parameters
    ----------
    model : path
        The ``model/`` folder ``python -m caeward cluster`` wrote
        (:class:`caeward.folder_model.FolderModel`).
    folder : path
        The new images, read recursively at the model's side; never written to.
    out : path
        New or empty (or ``overwrite``); gets ``labels.csv`` and one sheet per cluster
        (``clusters/cluster-NN.png``), written as :func:`cluster_folder` writes.

    Returns
    -------
    FolderClustering
        ``result`` is None.

    Raises
    ------
    FolderError
        No model, a model whose bytes changed, no images, or a write that failed.
    """
    from .files import VerificationError

    start = time.perf_counter()
    folder, out = Path(folder), Path(out)
    try:
        fitted = FolderModel.load(model)
    except (FileNotFoundError, VerificationError) as exc:
        raise FolderError(f"cannot use the model in {model}: {exc}") from None
    _check_folder(folder)
    target = _check_out(folder, out, overwrite)
    read = folder_reading.read_folder(folder, side=fitted.side, progress=progress)
    if not read.paths:
        raise FolderError(f"no image Pillow can read under {folder} ({len(read.skipped)} other files)")
    labels = fitted.assign(read.images)

    def write(into: Path) -> None:
        report.write_labels(into / "labels.csv", read.paths, labels)
        # every cluster of the model gets a sheet name, even one no new image went to
        report.write_contact_sheets(into / "clusters", read.images, labels)

    try:
        _publish(target, out, overwrite, write)
    except OSError as exc:
        raise FolderError(f"cannot write --out {out}: {write_failure(exc)}; nothing was written") from exc
    return FolderClustering(read.paths, labels, read.skipped, None, out, time.perf_counter() - start,
                            read.hidden)


def assign_parser() -> argparse.ArgumentParser:
    """The ``assign`` command's options."""
    p = argparse.ArgumentParser(prog="python -m caeward assign",
                                description="Place new images into the clusters of a folder clustered before.")
    p.add_argument("model", help="the model/ folder that 'python -m caeward cluster' wrote into its --out")
    p.add_argument("folder", help="the new images (read recursively, never written)")
    p.add_argument("--out", required=True, help="the folder to write labels.csv and sheets to: new or empty")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it has files in it")
    return p


def assign_main(argv: list[str] | None = None) -> int:
    """Run ``assign``; returns the exit status (2 for a mistake in what was asked)."""
    args = assign_parser().parse_args(argv)
    try:
        done = assign_folder(args.model, args.folder, args.out, overwrite=args.overwrite)
    except FolderError as exc:
        print(f"caeward assign: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("caeward assign: error: interrupted: nothing was written", file=sys.stderr)
        return 2
    name = report.printable_name
    for path, why in done.skipped:
        print(f"skipped {name(path)}: {name(why)}", file=sys.stderr)
    counts = np.bincount(done.labels).tolist()
    print(f"{len(done.paths)} images placed into clusters {counts} ({done.seconds:.1f} s); "
          f"see {name(str(done.out / 'labels.csv'))}")
    return 0


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
    p.add_argument("--out", required=True, help="the folder to write to: new or empty, not inside FOLDER")
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
    p.add_argument("--overwrite", action="store_true",
                   help="replace --out if it has files in it (they are deleted once the new output is complete)")
    p.add_argument("--copy", action="store_true",
                   help="also copy (never move) each image into DIR/files/cluster-NN/, under its path in FOLDER")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status (2 for a mistake in what was asked)."""
    args = parser().parse_args(argv)
    k = args.k if args.k is not None or args.distance_threshold is not None else 10
    try:
        done = cluster_folder(args.folder, args.out, k=k, distance_threshold=args.distance_threshold,
                              recipe=args.recipe, steps=args.steps, seed=args.seed, device=args.device,
                              batch_size=args.batch_size, side=args.side, overwrite=args.overwrite,
                              copy=args.copy)
    except FolderError as exc:
        print(f"caeward cluster: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl-C: one line, not a traceback
        why = str(exc) if isinstance(exc, FolderInterrupted) and str(exc) else "interrupted: nothing was written"
        print(f"caeward cluster: error: {why}", file=sys.stderr)
        return 2
    name = report.printable_name  # stdout may take no file name that is not UTF-8
    for path, why in done.skipped:
        print(f"skipped {name(path)}: {name(why)}", file=sys.stderr)
    if done.hidden:
        print(f"left out {done.hidden} hidden entr{'ies' if done.hidden != 1 else 'y'} (files and folders "
              "whose names start with '.')", file=sys.stderr)
    print(f"{len(done.paths)} images in {done.result.n_clusters} clusters ({done.seconds:.1f} s); "
          f"open {name(str(done.out / 'report.html'))}")
    return 0
