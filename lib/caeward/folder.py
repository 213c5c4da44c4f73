"""A folder of image files as the square grey images the recipes take.

Introduced in chapter 8 (*Clustering your own images*) with ``python -m caeward
cluster`` (:mod:`caeward.folder_cli`). Pillow reads PNG, JPEG, BMP, GIF (its first
frame), TIFF and WebP. Each image is turned upright (EXIF), laid on white where it is
transparent (as a viewer shows it), made grey, scaled so that its longer side is
``side`` pixels and padded to a square with the commonest grey of its border, so that
its aspect ratio is kept. Files are only ever read: nothing is written into the folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .runtime import progress_bar

__all__ = ["FolderImages", "read_folder", "image_files", "to_square_grey"]


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
    """

    images: np.ndarray
    paths: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)


def image_files(folder: str | os.PathLike) -> list[Path]:
    """Every regular file under ``folder``, recursively, sorted by relative path.

    Links to folders are not followed (no loops); hidden files and folders (a name
    starting with ``.``) are left out, as a file browser does.
    """
    folder = Path(folder)
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root) / f for f in files if not f.startswith(".") and (Path(root) / f).is_file()]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def to_square_grey(image, side: int) -> np.ndarray:
    """A Pillow image as a (side, side) float32 array in [0, 1], aspect kept by padding."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    grey = image.convert("L")
    width, height = grey.size
    scale = side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    grey = grey.resize(size, Image.Resampling.LANCZOS)
    pixels = np.asarray(grey)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    square = Image.new("L", (side, side), int(np.bincount(border).argmax()))
    square.paste(grey, ((side - size[0]) // 2, (side - size[1]) // 2))
    return np.asarray(square, dtype=np.float32) / 255.0


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
        Files Pillow cannot read are listed in ``skipped`` with the reason.
    """
    from PIL import Image, UnidentifiedImageError

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    if side < 1:
        raise ValueError(f"side must be at least 1 pixel, got {side}")
    files = image_files(folder)
    images, paths, skipped = [], [], []
    with progress_bar(files, desc="reading", unit="file", disable=not progress or not files) as bar:
        for path in bar:
            relative = path.relative_to(folder).as_posix()
            try:
                images.append(_read_one(path, side))
                paths.append(relative)
            except UnidentifiedImageError:
                skipped.append((relative, "not an image Pillow can read"))
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
                skipped.append((relative, f"{type(exc).__name__}: {exc}".strip()))
    array = np.stack(images) if images else np.zeros((0, side, side), dtype=np.float32)
    return FolderImages(array, paths, skipped)
