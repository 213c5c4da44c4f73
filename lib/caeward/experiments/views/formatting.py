"""How the book writes its numbers: ``mean ± sd`` over seeds, an sd alone, the paper's, in one place.

The sd is the sample standard deviation (ddof=1); one value is written as its mean
alone, since one seed has no spread. ``compact=True`` joins the parts with no-break
spaces, so that a narrow table cell does not wrap between them. Where there is no
number (an sd of one seed, a number the paper does not give), a dash stands.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["NBSP", "compact_mean_sd", "mean_sd", "mean_sd_text", "paper_text", "sd_text"]

NBSP = "\u00a0"


def mean_sd_text(mean: float, sd: float, digits: int = 2, compact: bool = False) -> str:
    """``"mean ± sd"`` from a table's columns; the mean alone where the sd is NaN (one seed)."""
    if math.isnan(sd):
        return f"{mean:.{digits}f}"
    space = NBSP if compact else " "
    return f"{mean:.{digits}f}{space}±{space}{sd:.{digits}f}"


def mean_sd(values, digits: int = 2, compact: bool = False) -> str:
    """``"mean ± sd"`` of ``values``; the mean alone for one value."""
    values = np.asarray(values, dtype=float)
    sd = values.std(ddof=1) if len(values) > 1 else math.nan
    return mean_sd_text(float(values.mean()), sd, digits, compact)


def compact_mean_sd(values, digits: int = 2) -> str:
    """:func:`mean_sd` that does not wrap in a table cell; ``–`` for no values."""
    return mean_sd(values, digits, compact=True) if len(np.asarray(values)) else "–"


def sd_text(values) -> str:
    """The sd of ``values`` (ddof=1) to two decimals, or ``"–"`` for fewer than two."""
    return f"{np.std(values, ddof=1):.2f}" if len(values) > 1 else "–"


def paper_text(value) -> str:
    """One of the paper's numbers to two decimals, or ``"–"`` where it gives none."""
    return "–" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.2f}"
