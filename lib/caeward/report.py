"""What ``python -m caeward cluster`` writes: labels, contact sheets, the tree, a page.

Introduced in chapter 8 (*Clustering your own images*). Every file is written
atomically (to a temporary name beside it, then renamed), so that an interrupted run
leaves no half-written file under its name. ``report.html`` links the images beside it
by relative paths, so the output folder opens in a browser offline, also when moved.
"""

from __future__ import annotations

import csv
import html
import io
import os
from pathlib import Path

import numpy as np

from .files import atomic_path

__all__ = ["write_labels", "contact_sheet", "write_contact_sheets", "write_dendrogram", "write_report",
           "MAX_THUMBNAILS"]

#: The most thumbnails one contact sheet shows (the count says how many there are).
MAX_THUMBNAILS = 100
_COLUMNS = 10
_THUMB = 56  # pixels: 28-pixel images at twice their size


def write_labels(path: str | os.PathLike, paths: list[str], labels: np.ndarray) -> None:
    """``labels.csv``: one row per image, ``path`` (relative to the folder) and ``cluster``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["path", "cluster"])
    writer.writerows(zip(paths, (int(label) for label in labels)))
    with atomic_path(path) as tmp:
        Path(tmp).write_text(buffer.getvalue(), encoding="utf-8")


def contact_sheet(images: np.ndarray, title: str):
    """A Pillow image: ``title`` over a grid of up to :data:`MAX_THUMBNAILS` thumbnails.

    Parameters
    ----------
    images : ndarray, shape (n, side, side)
        Grey values in [0, 1].
    title : str
    """
    from PIL import Image, ImageDraw

    shown = images[:MAX_THUMBNAILS]
    rows = max(1, -(-len(shown) // _COLUMNS))
    header, gap = 24, 2
    sheet = Image.new("L", (_COLUMNS * (_THUMB + gap) + gap, header + rows * (_THUMB + gap) + gap), 255)
    ImageDraw.Draw(sheet).text((gap + 2, 6), title, fill=0)
    for i, image in enumerate(shown):
        thumb = Image.fromarray(np.round(255 * np.clip(image, 0, 1)).astype(np.uint8), "L")
        thumb = thumb.resize((_THUMB, _THUMB), Image.Resampling.NEAREST)
        row, column = divmod(i, _COLUMNS)
        sheet.paste(thumb, (gap + column * (_THUMB + gap), header + gap + row * (_THUMB + gap)))
    return sheet


def write_contact_sheets(folder: str | os.PathLike, images: np.ndarray, labels: np.ndarray,
                         progress: bool = False) -> list[str]:
    """One contact sheet per cluster, ``cluster-NN.png`` in ``folder``; returns their names.

    Parameters
    ----------
    folder : path
    images : ndarray, shape (n, side, side)
    labels : ndarray of int, shape (n,)
        Clusters numbered 0..k-1.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    k = int(labels.max()) + 1
    width = max(2, len(str(k - 1)))
    for c in range(k):
        members = images[labels == c]
        shown = min(len(members), MAX_THUMBNAILS)
        title = f"cluster {c}: {len(members)} image{'s' if len(members) != 1 else ''}" + (
            f" (the first {shown} shown)" if shown < len(members) else "")
        name = f"cluster-{c:0{width}d}.png"
        with atomic_path(folder / name) as tmp:
            contact_sheet(members, title).save(tmp, format="PNG")
        names.append(name)
    return names


def write_dendrogram(path: str | os.PathLike, Z: np.ndarray, n_clusters: int, p: int = 30) -> None:
    """The last ``p`` merges of the tree, with a dashed line where it is cut into
    ``n_clusters`` clusters, as a PNG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from scipy.cluster import hierarchy as sch

    heights = Z[:, 2]
    n = len(Z) + 1
    # the cut falls between the last merge kept and the first undone
    kept = heights[n - n_clusters - 1] if n_clusters < n else 0.0
    undone = heights[n - n_clusters] if n_clusters > 1 else heights[-1]
    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=100)
    sch.dendrogram(Z, truncate_mode="lastp", p=min(p, n), ax=ax, color_threshold=0,
                   above_threshold_color="0.3", leaf_font_size=8)
    ax.axhline((kept + undone) / 2, color="tab:red", linestyle="--", linewidth=1)
    ax.set_ylabel("merge height")
    ax.set_title(f"The last {min(p, n)} merges; the dashed line cuts {n_clusters} clusters")
    with atomic_path(path) as tmp:  # bbox "tight" trims the margins whatever layout engine is set
        fig.savefig(tmp, format="png", bbox_inches="tight")
    plt.close(fig)


def write_report(path: str | os.PathLike, *, folder_name: str, recipe: str, recipe_text: str,
                 settings: dict, counts: list[int], sheets: list[str], seconds: float,
                 dendrogram: str | None, skipped: list[tuple[str, str]], note: str = "") -> None:
    """``report.html``: the recipe and its settings, the time, the counts, the
    dendrogram, every contact sheet and the files skipped; images by relative links."""
    e = html.escape
    rows = "".join(f"<tr><td>{c}</td><td>{n}</td><td><a href='#c{c}'>sheet</a></td></tr>"
                   for c, n in enumerate(counts))
    settings_text = ", ".join(f"{e(str(k))}={e(str(v))}" for k, v in settings.items())
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Clusters of {e(folder_name)}</title>",
        "<style>body{font-family:sans-serif;max-width:760px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}"
        "img{max-width:100%}</style></head><body>",
        f"<h1>Clusters of {e(folder_name)}</h1>",
        f"<p><b>Recipe:</b> {e(recipe)} ({e(recipe_text)})<br><b>Settings:</b> {settings_text}<br>"
        f"<b>Images clustered:</b> {sum(counts)} into {len(counts)} clusters<br>"
        f"<b>Time:</b> {seconds:.1f} s (reading, training and clustering)</p>",
        f"<p>{e(note)}</p>" if note else "",
        "<h2>Counts</h2><table><tr><th>cluster</th><th>images</th><th></th></tr>" + rows + "</table>",
        "<h2>Dendrogram</h2>" + (f"<img src='{e(dendrogram)}' alt='dendrogram with the cut'>" if dendrogram
                                 else "<p>k-means builds no tree.</p>"),
        "<h2>Clusters</h2>",
        *(f"<h3 id='c{c}'>Cluster {c}: {counts[c]} images</h3><img src='clusters/{e(name)}' "
          f"alt='contact sheet of cluster {c}'>" for c, name in enumerate(sheets)),
        "<h2>Files skipped</h2>" + ("<ul>" + "".join(f"<li>{e(p)}: {e(why)}</li>" for p, why in skipped)
                                    + "</ul>" if skipped else "<p>None.</p>"),
        "<p>Labels: <a href='labels.csv'>labels.csv</a></p></body></html>\n",
    ]
    with atomic_path(path) as tmp:
        Path(tmp).write_text("\n".join(parts), encoding="utf-8")
