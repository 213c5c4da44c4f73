"""Input checks shared by the clustering engines (private).

:mod:`caeward.cluster`, :mod:`caeward.ward_torch`, :mod:`caeward.number_of_clusters`
and :mod:`caeward.cut` all take points and numbers of clusters; they validate them
here, once, so that no engine imports another for its checks (scikit-learn keeps such
helpers in ``sklearn.utils.validation`` for the same reason).
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_points", "check_k"]


def as_points(X, name: str = "X") -> np.ndarray:
    """``X`` as a C-contiguous float64 array of shape (n_samples, n_features), or a
    ``ValueError`` that says what is wrong with it."""
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-d (n_samples, n_features), got shape {X.shape}; "
                         "flatten images first, e.g. X.reshape(len(X), -1)")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} is empty: shape {X.shape}")
    if not np.issubdtype(X.dtype, np.number):
        raise ValueError(f"{name} must be numeric, got dtype {X.dtype}")
    X = np.ascontiguousarray(X, dtype=np.float64)
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return X


def check_k(n_clusters, n_samples: int) -> None:
    """Refuse a number of clusters that is not a whole number in [1, n_samples]."""
    if not isinstance(n_clusters, (int, np.integer)) or isinstance(n_clusters, bool):
        raise ValueError(f"n_clusters must be an integer, got {n_clusters!r}")
    if not 1 <= n_clusters <= n_samples:
        raise ValueError(f"n_clusters must be between 1 and the number of samples "
                         f"({n_samples}), got {n_clusters}")
