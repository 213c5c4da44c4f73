"""How the book writes a mean over seeds: ``mean ± sd``, in one place.

The sd is the sample standard deviation (ddof=1); one value is written as its mean
alone, since one seed has no spread. ``compact=True`` joins the parts with no-break
spaces, so that a narrow table cell does not wrap between them.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["NBSP", "compact_mean_sd", "mean_sd", "mean_sd_text"]

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
