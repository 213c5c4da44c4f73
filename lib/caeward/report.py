"""What ``python -m caeward cluster`` writes: labels, contact sheets, the tree, a map, a page.

Introduced in chapter 8 (*Clustering your own images*). Every file is written
atomically (to a temporary name beside it, then renamed), so that an interrupted run
leaves no half-written file under its name. ``report.html`` links the images beside it
by relative paths, so the output folder opens in a browser offline, also when moved.

File names are text in UTF-8 here; a name that cannot be (on Linux, one with a byte
that is not UTF-8) is written with that byte as ``\\xNN`` (:func:`printable_name`), and
the page says which names were so escaped.
"""

from __future__ import annotations

import csv
import html
import io
import os
from pathlib import Path

import numpy as np

from .files import atomic_path

__all__ = ["k_choice_sentence", "write_labels", "contact_sheet", "write_contact_sheets", "write_dendrogram", "write_map",
           "write_report", "printable_name", "representative_order", "cluster_name", "MAX_THUMBNAILS", "MAX_MAP_THUMBNAILS"]

#: The most thumbnails one contact sheet shows (the count says how many there are).
MAX_THUMBNAILS = 100
#: The most thumbnails the 2-d map shows (more would hide one another).
MAX_MAP_THUMBNAILS = 300
_COLUMNS = 10
_THUMB = 56  # pixels: 28-pixel images at twice their size


def printable_name(name: str) -> str:
    """``name`` as text that UTF-8 can hold: each byte of the file name that is not
    UTF-8 (Python holds it as a lone surrogate) written as ``\\xNN``; other names as
    they are."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:  # the name's own bytes, so that the escape shows the byte on disk
        return os.fsencode(name).decode("utf-8", errors="backslashreplace")
    except UnicodeError:
        return name.encode("utf-8", errors="backslashreplace").decode("utf-8")


def write_labels(path: str | os.PathLike, paths: list[str], labels: np.ndarray) -> None:
    """``labels.csv``: one row per image, ``path`` (relative to the folder) and ``cluster``.

    A path UTF-8 cannot hold is written as :func:`printable_name` gives it.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["path", "cluster"])
    writer.writerows(zip((printable_name(p) for p in paths), (int(label) for label in labels)))
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


def representative_order(points: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    """Each cluster's members, nearest its mean point first.

    Parameters
    ----------
    points : ndarray, shape (n, d)
        What was clustered.
    labels : ndarray of int, shape (n,)
        Clusters numbered 0..k-1.

    Returns
    -------
    list of ndarray of int
        For cluster c, the indices of its members by Euclidean distance of their point
        to the cluster's mean point (ties in index order).
    """
    points = np.asarray(points, dtype=np.float64).reshape(len(labels), -1)
    order = []
    for c in range(int(labels.max()) + 1):
        members = np.flatnonzero(labels == c)
        distance = np.linalg.norm(points[members] - points[members].mean(axis=0), axis=1)
        order.append(members[np.argsort(distance, kind="stable")])
    return order


def cluster_name(c: int, k: int) -> str:
    """``cluster-NN``: cluster ``c`` of ``k``, numbered with at least two digits."""
    return f"cluster-{c:0{max(2, len(str(k - 1)))}d}"


def write_contact_sheets(folder: str | os.PathLike, images: np.ndarray, labels: np.ndarray,
                         progress: bool = False, points: np.ndarray | None = None) -> list[str]:
    """One contact sheet per cluster, ``cluster-NN.png`` in ``folder``; returns their names.

    Parameters
    ----------
    folder : path
    images : ndarray, shape (n, side, side)
    labels : ndarray of int, shape (n,)
        Clusters numbered 0..k-1.
    progress : bool
        Unused (the sheets are quick).
    points : ndarray, shape (n, d), optional
        What was clustered: each sheet then shows its most representative images
        first, those nearest the cluster's mean point (:func:`representative_order`),
        so that the first hundred shown of a large cluster are its typical ones.
        Without it, images keep their order.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    k = int(labels.max()) + 1
    order = (representative_order(points, labels) if points is not None
             else [np.flatnonzero(labels == c) for c in range(k)])
    for c in range(k):
        members = images[order[c]]
        shown = min(len(members), MAX_THUMBNAILS)
        first = "nearest the centre first" if points is not None else ""
        title = f"cluster {c}: {len(members)} image{'s' if len(members) != 1 else ''}" + (
            f" (the {shown} nearest its centre shown)" if shown < len(members) and first
            else f" (the first {shown} shown)" if shown < len(members)
            else f", {first}" if first and len(members) > 1 else "")
        name = cluster_name(c, k) + ".png"
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


def write_map(path: str | os.PathLike, points: np.ndarray, images: np.ndarray, labels: np.ndarray, *,
              max_thumbnails: int = MAX_MAP_THUMBNAILS, seed: int = 0) -> int:
    """A 2-d map of the images as a PNG: the first two principal components of
    ``points``, every image a dot coloured by its cluster, and small thumbnails of up
    to ``max_thumbnails`` of them (a seeded random choice) framed in that colour.

    Parameters
    ----------
    path : path
    points : ndarray, shape (n, d)
        What was clustered.
    images : ndarray, shape (n, side, side)
        Grey values in [0, 1].
    labels : ndarray of int, shape (n,)
    max_thumbnails : int
    seed : int
        Seeds the principal components and the choice of thumbnails.

    Returns
    -------
    int
        How many thumbnails are shown.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    xy = _plane(points, seed)
    k = int(labels.max()) + 1
    colours = plt.get_cmap("tab10" if k <= 10 else "tab20" if k <= 20 else "turbo")
    colour = [colours(c if k <= 20 else c / max(1, k - 1)) for c in range(k)]
    rng = np.random.default_rng(seed)
    shown = np.sort(rng.choice(len(xy), min(max_thumbnails, len(xy)), replace=False))
    fig, ax = plt.subplots(figsize=(8, 7), dpi=100)
    ax.scatter(xy[:, 0], xy[:, 1], s=6, c=[colour[c] for c in labels], zorder=1)
    zoom = 20 / images.shape[-1]  # thumbnails of about 20 pixels, whatever the side
    grey = Normalize(0, 1)  # 0 black, 1 white, whatever an image's own range
    for i in shown:
        thumb = OffsetImage(np.clip(images[i], 0, 1), cmap="gray", norm=grey, zoom=zoom)
        ax.add_artist(AnnotationBbox(thumb, xy[i], frameon=True, pad=0.1, zorder=2,
                                     bboxprops={"edgecolor": colour[labels[i]], "linewidth": 1.5}))
    for c in range(min(k, 20)):  # a legend of more than 20 entries helps no one
        ax.scatter([], [], s=30, color=colour[c], label=f"cluster {c}")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    ax.set_xlabel("first principal component")
    ax.set_ylabel("second principal component")
    ax.set_title(f"The images on the first two principal components of what was clustered "
                 f"({len(shown)} of {len(xy)} as thumbnails)", fontsize=9)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
    plt.close(fig)
    return len(shown)


def _plane(points: np.ndarray, seed: int) -> np.ndarray:
    """The first two principal components of ``points`` (zeros where there are fewer)."""
    from sklearn.decomposition import PCA

    points = np.asarray(points, dtype=np.float64).reshape(len(points), -1)
    xy = np.zeros((len(points), 2))
    components = min(2, points.shape[1], len(points))
    if components and np.ptp(points, axis=0).max() > 0:
        xy[:, :components] = PCA(components, random_state=seed).fit_transform(points)
    return xy


def k_choice_sentence(k_choice) -> str:
    """One line on an automatic k: decided, or the best guess and its plausible span."""
    k = int(k_choice.k)
    if getattr(k_choice, "decided", None) is None:  # a single criterion's choice
        return f"k = {k} was chosen from the data (--k auto)."
    low, high = k_choice.plausible
    if k_choice.decided:
        return (f"k = {k}: the three k criteria agree (--k auto)." if k > 1 else
                "k = 1: no cluster structure was found (the three k criteria agree; --k auto).")
    guess = "k = 1 (no cluster structure found)" if k == 1 else f"k = {k}"
    return (f"The data do not say how many clusters there are: the best guess is {guess}, and "
            f"anything from {low} to {high} is plausible (--k auto); give --k if you know it.")


def _k_choice_html(k_choice) -> str:
    """The automatic choice of k: the rule, its score per candidate k, the k chosen."""
    e = html.escape
    if getattr(k_choice, "decided", None) is not None:
        return _margin_html(k_choice)
    scores = np.asarray(k_choice.scores.get(k_choice.rule, []), dtype=np.float64)
    threshold = (k_choice.settings or {}).get("threshold") if k_choice.rule == "prediction_strength" else None
    bold = " style='font-weight:bold'"
    rows = "".join(
        f"<tr{bold if int(k) == int(k_choice.k) else ''}><td>{int(k)}</td>"
        f"<td>{_score(score)}</td></tr>"
        for k, score in zip(k_choice.ks, scores))
    rule = e(k_choice.rule.replace("_", " "))
    how = (f"the largest k whose {rule} reaches {threshold:g}" if threshold is not None
           else f"the k its {rule} points at")
    chosen = (f"<b>k = {int(k_choice.k)}</b>" if int(k_choice.k) > 1
              else "<b>k = 1</b>: no candidate k is supported, so no cluster structure was found")
    return ("<h2>How k was chosen</h2>"
            f"<p>The rule is {how} (computed in the {e(str(k_choice.space))} space of {k_choice.n_used} "
            f"images); it gives {chosen}.</p>"
            f"<table><tr><th>k</th><th>{rule}</th></tr>{rows}</table>")


def _score(value) -> str:
    return f"{value:.3f}" if np.isfinite(value) else "&ndash;"


def _margin_html(k_choice) -> str:
    """:func:`caeward.number_of_clusters.choose_k_with_margin`'s three choices and scores."""
    e = html.escape
    choices = "".join(f"<li>{e(name.replace('_', ' '))}: k = {int(k)}</li>" for name, k in k_choice.choices.items())
    silhouette = np.asarray(k_choice.scores.get("silhouette", []), dtype=np.float64)
    strength = np.asarray(k_choice.scores.get("prediction_strength", []), dtype=np.float64)
    bold = " style='font-weight:bold'"
    rows = "".join(f"<tr{bold if int(k) == int(k_choice.k) else ''}><td>{int(k)}</td><td>{_score(a)}</td>"
                   f"<td>{_score(b)}</td></tr>" for k, a, b in zip(k_choice.ks, silhouette, strength))
    return ("<h2>How k was chosen</h2>"
            f"<p>{e(k_choice_sentence(k_choice))}</p>"
            "<p>Three choices are weighed: the silhouette's best k and the largest k whose prediction "
            "strength reaches 0.8, both on a UMAP embedding of what was clustered, and prediction "
            f"strength on the points themselves ({k_choice.n_used} images). Where they agree, k is "
            "decided; otherwise the guess is the silhouette's k, and the three span what is plausible.</p>"
            f"<ul>{choices}</ul>"
            f"<table><tr><th>k</th><th>silhouette (UMAP)</th><th>prediction strength (UMAP)</th></tr>{rows}"
            "</table>")


def write_report(path: str | os.PathLike, *, folder_name: str, recipe: str, recipe_text: str,
                 settings: dict, counts: list[int], sheets: list[str], seconds: float,
                 dendrogram: str | None, skipped: list[tuple[str, str]], note: str = "",
                 hidden: int = 0, escaped: list[str] = (), k_choice=None, map_image: str | None = None,
                 map_shown: int = 0, copied: str | None = None, ordered: bool = False) -> None:
    """``report.html``: the recipe and its settings, the time, the counts, how k was
    chosen, the dendrogram, the map, every contact sheet and the files left out;
    images by relative links, nothing fetched from elsewhere.

    Parameters
    ----------
    folder_name : str
    recipe, recipe_text : str
        The recipe that ran, and what it is in words.
    settings : dict
    counts : list of int
        Images per cluster.
    sheets : list of str
        The contact sheets' names in ``clusters/``, by cluster.
    seconds : float
    dendrogram : str or None
        The tree's PNG beside the page (``None``: k-means built none).
    skipped : list of (str, str)
        Files that could not be read, and why.
    note : str
    hidden : int
        Hidden files and folders left out.
    escaped : list of str
        The names that UTF-8 could not hold, as written (:func:`printable_name`).
    k_choice : KChoice or None
        With ``--k auto``: the evidence for the k chosen.
    map_image : str or None
        The 2-d map's PNG beside the page; ``map_shown`` thumbnails on it.
    copied : str or None
        The folder beside the page holding a copy of each image by cluster.
    ordered : bool
        Whether the sheets show the images nearest each cluster's mean point first
        (:func:`write_contact_sheets` with ``points``).
    """
    e = html.escape
    p = printable_name
    rows = "".join(f"<tr><td>{c}</td><td>{n}</td><td><a href='#c{c}'>sheet</a></td></tr>"
                   for c, n in enumerate(counts))
    settings_text = ", ".join(f"{e(p(str(k)))}={e(p(str(v)))}" for k, v in settings.items())
    if skipped:
        left_out = "<ul>" + "".join(f"<li>{e(p(name))}: {e(p(why))}</li>" for name, why in skipped) + "</ul>"
    else:
        left_out = f"<p>Every file{' that is not hidden' if hidden else ''} was read as an image.</p>"
    if hidden:
        left_out += (f"<p>{hidden} hidden entr{'ies were' if hidden != 1 else 'y was'} left out (files and "
                     "folders whose names start with '.'), as a file browser leaves them; a hidden folder "
                     "counts once, however much it holds.</p>")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Clusters of {e(p(folder_name))}</title>",
        "<style>body{font-family:sans-serif;max-width:760px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}"
        "img{max-width:100%}</style></head><body>",
        f"<h1>Clusters of {e(p(folder_name))}</h1>",
        f"<p><b>Recipe:</b> {e(recipe)} ({e(recipe_text)})<br><b>Settings:</b> {settings_text}<br>"
        f"<b>Images clustered:</b> {sum(counts)} into {len(counts)} clusters<br>"
        f"<b>Time:</b> {seconds:.1f} s (reading, training and clustering)</p>",
        f"<p>{e(note)}</p>" if note else "",
        _escaped_html(escaped),
        "<h2>Counts</h2><table><tr><th>cluster</th><th>images</th><th></th></tr>" + rows + "</table>",
        _k_choice_html(k_choice) if k_choice is not None else "",
        "<h2>Dendrogram</h2>" + (f"<img src='{e(dendrogram)}' alt='dendrogram with the cut'>" if dendrogram
                                 else "<p>k-means builds no tree.</p>"),
        ("<h2>Map</h2><p>Each dot is an image, coloured by its cluster, on the first two principal "
         f"components of what was clustered; {map_shown} are drawn as thumbnails. Clusters that "
         "overlap here may still be apart in more dimensions.</p>"
         f"<img src='{e(map_image)}' alt='the images on a 2-d map, coloured by cluster'>") if map_image else "",
        "<h2>Clusters</h2>" + ("<p>Each sheet shows its cluster's most representative images first: "
                               "those nearest the cluster's mean point.</p>" if ordered else ""),
        *(f"<h3 id='c{c}'>Cluster {c}: {counts[c]} images</h3><img src='clusters/{e(name)}' "
          f"alt='contact sheet of cluster {c}'>" for c, name in enumerate(sheets)),
        "<h2>Files skipped</h2>" + left_out,
        f"<p>Labels: <a href='labels.csv'>labels.csv</a>"
        + (f"; a copy of each image, by cluster: <a href='{e(copied)}/'>{e(copied)}/</a>" if copied else "")
        + "</p></body></html>\n",
    ]
    with atomic_path(path) as tmp:
        Path(tmp).write_text("\n".join(parts), encoding="utf-8")


def _escaped_html(escaped) -> str:
    if not escaped:
        return ""
    e = html.escape
    listed = "".join(f"<li>{e(name)}</li>" for name in escaped[:20])
    more = f"<li>and {len(escaped) - 20} more</li>" if len(escaped) > 20 else ""
    return (f"<p><b>{len(escaped)} file name{'s' if len(escaped) != 1 else ''} could not be written in "
            "UTF-8</b> (a byte that is not UTF-8 in the name); here and in labels.csv each such byte is "
            f"written as \\xNN:</p><ul>{listed}{more}</ul>")
