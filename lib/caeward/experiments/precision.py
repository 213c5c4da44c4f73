"""Whether bfloat16 pretraining leaves the experiment unchanged: the rule and its check.

Shown in the appendix *How the numbers were made*. Pretraining could run under
bfloat16 autocast (``Budget.bf16``), which is faster on some CPUs, but the book trains
in float32 unless this check passes. The check: the proposed CAE retrained on
MNIST-test under the ``full-bf16`` budget (the full budget but for the precision,
stored apart in ``results/full-bf16``) beside its float32 runs. The rule, fixed before
any bf16 run: bf16 passes if, for both clusterings, its mean ACC and mean NMI lie
within one float32 standard deviation (over all float32 seeds) of the float32 mean.
A seed in bf16 is a different training from the same seed in float32, so this
compares two sets of trainings.
"""

from __future__ import annotations

from .views.formatting import mean_sd

__all__ = ["PRECISION_METHODS", "precision_frame", "bf16_verdicts"]

PRECISION_METHODS = ("proposed-kmeans", "proposed-ward")


def precision_frame(results, dataset: str = "mnist-test"):
    """One row per run of :data:`PRECISION_METHODS` on ``dataset``: ``method``,
    ``precision`` (``"bf16"``, ``"float32"``), ``seed``, ``recon_mse``, ``ACC``, ``NMI``."""
    import pandas as pd

    return pd.DataFrame([{"method": r.method,
                          "precision": "bf16" if r.config["budget"].get("bf16") else "float32",
                          "seed": r.seed, "recon_mse": r.autoencoder["reconstruction_mse"],
                          "ACC": 100 * r.metrics["acc"], "NMI": 100 * r.metrics["nmi"]}
                         for r in results if r.method in PRECISION_METHODS and r.dataset == dataset])


def bf16_verdicts(frame):
    """The rule applied per clustering.

    Returns
    -------
    pandas.DataFrame
        One row per method: the float32 and bf16 means ± sd (and seeds) of ACC and NMI,
        and ``within one sd`` (bool, False where float32 has fewer than two seeds or
        bf16 has no run).
    """
    import pandas as pd

    rows = []
    for method, part in frame.groupby("method", sort=False):
        f32, b16 = part[part["precision"] == "float32"], part[part["precision"] == "bf16"]
        row = {"method": method}
        passes = len(f32) >= 2 and len(b16) >= 1
        for metric in ("ACC", "NMI"):
            row[f"{metric}, float32"] = _pm(f32[metric])
            row[f"{metric}, bf16"] = _pm(b16[metric])
            if passes:
                passes = abs(b16[metric].mean() - f32[metric].mean()) <= f32[metric].std(ddof=1)
        row["within one sd"] = bool(passes)
        rows.append(row)
    return pd.DataFrame(rows)


def _pm(values) -> str:
    return f"{mean_sd(values)} ({len(values)})" if len(values) else "–"
