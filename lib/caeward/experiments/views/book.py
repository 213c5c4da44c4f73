"""How the book shows its numbers: one figure style, numbers glued into the prose,
tables that fit the page.

Every chapter's setup cell applies the style (:func:`caeward.experiments.setup`). A
chapter states its findings in words with the numbers pasted from the computation
(:func:`glue`, myst-nb's ``{glue:text}`` role), so that re-executing it keeps prose and
numbers in step; tables go through :func:`show_table`, which refuses a table too wide
for the page.
"""

from __future__ import annotations

import math

import pandas as pd

from .formatting import mean_sd_text

__all__ = ["FIGURE_WIDTH", "MAX_COLUMNS", "use_book_style", "figure_size", "cluster_colours", "glue",
           "glue_scores", "glue_table", "signed", "show_table"]

FIGURE_WIDTH = 6.8
"""Inches: the book's text column (~700 px) at the 100 dpi figures are drawn at, so that
a figure is shown at its own size and its 10-pt text stays 10 pt."""

MAX_COLUMNS = 8
"""The most columns a table may have and still fit the text column."""

_STYLE = {
    "figure.figsize": (FIGURE_WIDTH, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.constrained_layout.use": True,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 11,
    "axes.grid": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "viridis",
}


def use_book_style() -> None:
    """Apply the book's figure style to matplotlib (every chapter's setup does)."""
    import matplotlib as mpl

    mpl.rcParams.update(_STYLE)


def figure_size(height: float, width: float = FIGURE_WIDTH) -> tuple[float, float]:
    """``(width, height)`` in inches, refusing a width over the text column's."""
    if width > FIGURE_WIDTH + 1e-9:
        raise ValueError(f"a figure {width} in wide does not fit the book's column "
                         f"({FIGURE_WIDTH} in); draw fewer panels per row")
    return width, height


def cluster_colours(n_clusters: int) -> list:
    """One colour per cluster, the same in every panel: tab10, then tab20 past ten."""
    import matplotlib as mpl

    cmap = mpl.colormaps["tab10" if n_clusters <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n_clusters)]


def signed(value: float, digits: int = 2) -> str:
    """A difference with its sign and a real minus: ``+1.20``, ``−3.40``."""
    return f"{value:+.{digits}f}".replace("-", "−")


def glue(name: str, value, fmt: str | None = "{:.2f}") -> None:
    """Format ``value`` and paste it under ``name`` for the chapter's prose.

    In the chapter's markdown, ``{glue:text}`name``` shows the text. Returns nothing,
    so that a cell ending in a call to it shows no output. Where myst-nb is not
    installed (a notebook opened in Colab), nothing is pasted.

    Parameters
    ----------
    name : str
        The name the markdown refers to.
    value : object
        A number, or text.
    fmt : str or None
        ``str.format`` pattern for numbers; None keeps ``str(value)``.
    """
    if isinstance(value, str) or fmt is None:
        text = str(value)
    else:
        text = fmt.format(value).replace("-", "−")
    try:
        from myst_nb import glue as _glue
    except ImportError:
        return
    _glue(name, text, display=False)


def glue_scores(prefix: str, row) -> None:
    """Glue one row of :func:`~caeward.experiments.results_table`: ``<prefix>_acc`` and
    ``<prefix>_nmi`` (our mean ± sd, or the mean of one seed), ``<prefix>_paper_acc``
    and ``<prefix>_paper_nmi`` (the paper's numbers)."""
    for metric in ("acc", "nmi"):
        mean, sd = row[f"{metric}_mean"], row[f"{metric}_sd"]
        glue(f"{prefix}_{metric}", mean_sd_text(mean, sd))
        glue(f"{prefix}_paper_{metric}", row[f"paper_{metric}"])


def show_table(frame: pd.DataFrame, *, max_columns: int = MAX_COLUMNS, drop_constant: bool = True,
               keep: tuple[str, ...] = ()):
    """Display ``frame`` as the book shows tables: no index, no empty columns, and
    (by default) no column that says the same in every row, since a caption or the
    prose says it once.

    Parameters
    ----------
    frame : DataFrame
    max_columns : int
        Refuse a wider table (after dropping columns): split it per data set, or pivot.
    drop_constant : bool
        Drop columns whose every value is the same (not with a single row).
    keep : tuple of str
        Columns kept even when constant.

    Returns
    -------
    IPython.display.HTML
    """
    from IPython.display import HTML

    shown = frame.reset_index(drop=True)
    empty = [c for c in shown.columns if shown[c].isna().all()]
    shown = shown.drop(columns=empty)
    if drop_constant and len(shown) > 1:
        constant = [c for c in shown.columns
                    if c not in keep and shown[c].astype(str).nunique(dropna=False) == 1]
        shown = shown.drop(columns=constant)
    if shown.shape[1] > max_columns:
        raise ValueError(f"a table of {shown.shape[1]} columns does not fit the page (at most "
                         f"{max_columns}): {list(shown.columns)}; split it or pivot it")
    # "82.38 ± 4.58" stays on one line; everything else may wrap to fit the column
    shown = shown.apply(lambda col: col.map(
        lambda v: v.replace(" ± ", "\u00a0±\u00a0") if isinstance(v, str) else v))
    html = shown.to_html(index=False, na_rep="–", border=0, float_format=_float_text,
                         classes="caeward-table", escape=True)
    return HTML(html)


def glue_table(name: str, frame: pd.DataFrame, **options) -> None:
    """Paste a table where the prose wants it: :func:`show_table`'s HTML glued under
    ``name``, shown by a ``{glue} name`` directive in the markdown. ``options`` go to
    :func:`show_table`. Returns nothing; where myst-nb is not installed (Colab), the
    table is displayed in place instead."""
    table = show_table(frame, **options)
    try:
        from myst_nb import glue as _glue
    except ImportError:
        from IPython.display import display

        display(table)
        return
    _glue(name, table, display=False)


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{value:.2f}" if abs(value) >= 0.01 or value == 0 else f"{value:.3g}"


