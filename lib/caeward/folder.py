"""A folder of image files as the square grey images the recipes take.

Introduced in chapter 8 (*Clustering your own images*) with ``python -m caeward
cluster`` (:mod:`caeward.folder_cli`). Pillow reads PNG, JPEG, BMP, GIF (its first
frame), TIFF and WebP. Each image is turned upright (EXIF), laid on white where it is
transparent (as a viewer shows it), made grey, scaled so that its longer side is
``side`` pixels and padded to a square with the commonest grey of its border, so that
its aspect ratio is kept. Files are only ever read: nothing is written into the folder.

Deeper images are read at their true values: 16-bit greyscale (PNG, TIFF) as the
value over 65535, 32-bit integer images whose values fit in 16 bits likewise, and
floating-point TIFFs as they are when their values lie in [0, 1]; any other range
cannot be told black from white, so such a file is skipped with the reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .runtime import progress_bar

__all__ = ["FolderImages", "read_folder", "image_files", "to_square_grey"]

#: Pillow's modes of 16-bit greyscale images (PNG, TIFF; the byte orders).
_MODES_16_BIT = ("I;16", "I;16L", "I;16B", "I;16N")


class UnreadableValues(ValueError):
    """An image whose values cannot be read as grey levels (the message says why, in one line)."""


@dataclass
class FolderImages:
    """The images read from a folder.

    Attributes
    ----------
    images : ndarray of float32, shape (n, side, side)
        Grey values in [0, 1].
    paths : list of str
        Each image's path relative to the folder (``/`` separated), in the order of
        ``images``: sorted.
    skipped : list of (str, str)
        Every file that could not be read as an image: its relative path and why.
    hidden : int
        Hidden files and folders left out (names starting with ``.``); a hidden folder
        counts once, however much it holds.
    """

    images: np.ndarray
    paths: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    hidden: int = 0


def image_files(folder: str | os.PathLike) -> list[Path]:
    """Every regular file under ``folder``, recursively, sorted by relative path.

    Links to folders are not followed (no loops); hidden files and folders (a name
    starting with ``.``) are left out, as a file browser does.
    """
    return _walk(folder)[0]


def _walk(folder) -> tuple[list[Path], int]:
    """:func:`image_files`, and how many hidden entries were left out (a report says so)."""
    folder = Path(folder)
    found, hidden = [], 0
    for root, dirs, files in os.walk(folder):
        hidden += sum(d.startswith(".") for d in dirs) + sum(f.startswith(".") for f in files)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root) / f for f in files if not f.startswith(".") and (Path(root) / f).is_file()]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix()), hidden


def to_square_grey(image, side: int) -> np.ndarray:
    """A Pillow image as a (side, side) float32 array in [0, 1], aspect kept by padding.

    Raises
    ------
    UnreadableValues
        A floating-point image with values outside [0, 1] (or not finite), or a 32-bit
        integer one with values outside 16 bits.
    """
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)
    deep = _deep_values(image)
    if deep is not None:
        return _square_of_values(deep, side)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    grey = image.convert("L")
    width, height = grey.size
    size = _fitted_size(width, height, side)
    grey = grey.resize(size, Image.Resampling.LANCZOS)
    pixels = np.asarray(grey)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    square = Image.new("L", (side, side), int(np.bincount(border).argmax()))
    square.paste(grey, ((side - size[0]) // 2, (side - size[1]) // 2))
    return np.asarray(square, dtype=np.float32) / 255.0


def _fitted_size(width: int, height: int, side: int) -> tuple[int, int]:
    scale = side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _deep_values(image) -> np.ndarray | None:
    """The grey values in [0, 1] of an image deeper than 8 bits; ``None`` for the others.

    Pillow's ``convert("L")`` clips such images at 255 (a 16-bit scan turns almost all
    white) or truncates floats to 0, so their values are scaled here instead.
    """
    if image.mode in _MODES_16_BIT:
        return np.asarray(image, dtype=np.float64) / 65535.0
    if image.mode == "I":  # 32-bit integers; older Pillow opens 16-bit PNGs so too
        values = np.asarray(image, dtype=np.float64)
        if values.size and (values.min() < 0 or values.max() > 65535):
            raise UnreadableValues(f"32-bit integer values from {values.min():.0f} to {values.max():.0f} "
                                   "do not fit in 16 bits: cannot tell which is white")
        return values / 65535.0
    if image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        if not np.isfinite(values).all():
            raise UnreadableValues("floating-point values that are not finite (NaN or infinite)")
        if values.size and (values.min() < 0 or values.max() > 1):
            raise UnreadableValues(f"floating-point values from {values.min():g} to {values.max():g}, outside "
                                   "[0, 1]: cannot tell black from white")
        return values
    return None


def _square_of_values(values: np.ndarray, side: int) -> np.ndarray:
    """:func:`to_square_grey` for grey values in [0, 1] beyond 8 bits, kept as floats."""
    from PIL import Image

    height, width = values.shape
    size = _fitted_size(width, height, side)
    grey = Image.fromarray(values.astype(np.float32), "F").resize(size, Image.Resampling.LANCZOS)
    pixels = np.clip(np.asarray(grey, dtype=np.float32), 0.0, 1.0)  # Lanczos overshoots at edges
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    # the commonest border grey, as for 8-bit images: counted in 8-bit steps (floats
    # rarely repeat exactly), then the median of the border values in that step
    steps = np.round(border * 255).astype(np.int64)
    pad = np.median(border[steps == np.bincount(steps).argmax()])
    square = np.full((side, side), pad, dtype=np.float32)
    left, top = (side - size[0]) // 2, (side - size[1]) // 2
    square[top:top + size[1], left:left + size[0]] = pixels
    return square


def _read_one(path: Path, side: int) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        image.seek(0)  # an animated GIF or a multi-page TIFF: its first frame
        image.load()
        return to_square_grey(image, side)


def read_folder(folder: str | os.PathLike, side: int = 28, progress: bool = False) -> FolderImages:
    """Read every image under ``folder`` (recursively) as a square grey image.

    Parameters
    ----------
    folder : path
    side : int
        The side of the square images, in pixels (at least 1).
    progress : bool
        Show a progress bar.

    Returns
    -------
    FolderImages
        Files Pillow cannot read (or whose values cannot be read as grey levels) are
        listed in ``skipped`` with the reason; hidden ones are only counted.
    """
    from PIL import Image, UnidentifiedImageError

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    if side < 1:
        raise ValueError(f"side must be at least 1 pixel, got {side}")
    files, hidden = _walk(folder)
    images, paths, skipped = [], [], []
    with progress_bar(files, desc="reading", unit="file", disable=not progress or not files) as bar:
        for path in bar:
            relative = path.relative_to(folder).as_posix()
            try:
                images.append(_read_one(path, side))
                paths.append(relative)
            except UnidentifiedImageError:
                skipped.append((relative, "not an image Pillow can read"))
            except UnreadableValues as exc:
                skipped.append((relative, str(exc)))
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
                skipped.append((relative, f"{type(exc).__name__}: {exc}".strip()))
    array = np.stack(images) if images else np.zeros((0, side, side), dtype=np.float32)
    return FolderImages(array, paths, skipped, hidden)
