"""Exact Ward linkage in PyTorch by rounds of reciprocal nearest neighbours.

Introduced in chapter 3 (*Ward linkage, derived*), section "Exact Ward at scale".

Ward linkage is *reducible*: if clusters A and B are merged, no other cluster C gets
closer to A ∪ B than it was to the nearer of A and B. Two consequences make the
algorithm parallel:

1. if A and B are each other's nearest neighbours (a *reciprocal* pair), the greedy
   algorithm merges them at some point, whatever else happens first, so **every
   reciprocal pair can be merged in one round**;
2. after a round, a cluster whose nearest neighbour took no part in a merge keeps
   it, so only the new clusters and those that lost their neighbour search again.

A search is a blocked matrix product over the clusters' centroids and sizes, with
Ward's distance ``|A||B| / (|A| + |B|) * ||m_A - m_B||^2``; memory stays
O(block * n + n * d) and never holds the n(n-1)/2 distance matrix. At the end the
merges are ordered by height into a SciPy linkage matrix (children before parents,
SciPy's numbering), with SciPy's height ``sqrt(2 * Ward distance)``.

Exactness. Everything is float64. The search uses ``||a||^2 + ||b||^2 - 2 a·b`` on
centred data, and each merge's height is recomputed from the exact difference of
the two centroids. A cluster's height is never below its children's (Ward is
monotone; this guards the last bit against rounding). Ties go to the lowest slot
(input order), so the output is deterministic; if rounding ever leaves a round
without a reciprocal pair, the single closest pair is merged instead.

On a CPU, :func:`caeward.cluster.linkage` keeps fastcluster as the default engine:
this one materialises blocks of distances and is slower there. It is the engine for
GPUs.
"""

from __future__ import annotations

import numpy as np
import torch

from ._validation import as_points  # one validation for every linkage

__all__ = ["ward_linkage_torch", "reciprocal_pairs", "merge_pairs"]


def reciprocal_pairs(nn: torch.Tensor, nn_dist: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The clusters to merge in one round: every pair of mutual nearest neighbours.

    Ward is reducible, so the greedy algorithm merges each such pair sooner or later
    and all of them can be merged at once (chapter 3).

    Parameters
    ----------
    nn : Tensor of int64, shape (m,)
        Each cluster's nearest neighbour (by Ward's distance).
    nn_dist : Tensor of float64, shape (m,)
        The distance to it.

    Returns
    -------
    a, b : Tensor of int64, shape (k,)
        The pairs, each once (``a < b``); the closest pair alone when rounding left no
        mutual pair.
    """
    slots = torch.arange(len(nn), device=nn.device)
    a = slots[(nn[nn] == slots) & (slots < nn)]  # i's neighbour's neighbour is i
    if len(a) == 0:  # only rounding can get here: fall back to the closest pair
        i = nn_dist.argmin().reshape(1)
        return torch.minimum(i, nn[i]), torch.maximum(i, nn[i])
    return a, nn[a]


def merge_pairs(C: torch.Tensor, S: torch.Tensor, H: torch.Tensor, a: torch.Tensor,
                b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Merge each cluster ``b[i]`` into ``a[i]``, in place: Ward's merge height, the
    merged mean and size.

    Parameters
    ----------
    C : Tensor of float64, shape (m, d)
        The clusters' means.
    S, H : Tensor of float64, shape (m,)
        Their sizes, and the height each was formed at.
    a, b : Tensor of int64, shape (k,)

    Returns
    -------
    h, size : Tensor of float64, shape (k,)
        SciPy's height, sqrt(2 |A||B| / (|A| + |B|) * ||mean_A - mean_B||^2) (never below
        a child's, which only rounding could cause), and the merged sizes.
    """
    sa, sb = S[a], S[b]
    diff = C[a] - C[b]
    h = torch.sqrt(2.0 * sa * sb / (sa + sb) * (diff * diff).sum(1))
    h = torch.maximum(h, torch.maximum(H[a], H[b]))
    C[a] = (sa[:, None] * C[a] + sb[:, None] * C[b]) / (sa + sb)[:, None]
    S[a], H[a] = sa + sb, h
    return h, sa + sb


def _block_rows(n: int, device: torch.device, block_bytes: int | None) -> int:
    if block_bytes is None:
        if device.type == "cuda":
            free, _ = torch.cuda.mem_get_info(device)
            block_bytes = max(256 << 20, free // 4)  # leave room for the caller's tensors
        else:
            block_bytes = 256 << 20
    # a block of rows holds about four (rows, n) float64 temporaries
    return max(1, min(n, block_bytes // (32 * max(n, 1))))


def _nearest(C, S, sqnorm, queries, rows):
    """Nearest neighbour (Ward distance, lowest slot on ties) of each query slot."""
    dist = torch.empty(len(queries), dtype=C.dtype, device=C.device)
    arg = torch.empty(len(queries), dtype=torch.long, device=C.device)
    for start in range(0, len(queries), rows):
        q = queries[start:start + rows]
        d2 = (sqnorm[q, None] + sqnorm[None, :]) - 2.0 * (C[q] @ C.T)
        d2.clamp_(min=0.0)
        sq = S[q, None]
        w = d2.mul_(sq * S[None, :] / (sq + S[None, :]))
        w[torch.arange(len(q), device=C.device), q] = float("inf")
        dist[start:start + rows], arg[start:start + rows] = w.min(dim=1)
    return dist, arg


@torch.no_grad()
def ward_linkage_torch(X, device: str | torch.device | None = None,
                       block_bytes: int | None = None, info: dict | None = None) -> np.ndarray:
    """Exact Ward linkage of points, computed with PyTorch on any device.

    Parameters
    ----------
    X : array-like, shape (n_samples, n_features)
        Finite numeric points, validated as :func:`caeward.cluster.linkage` does
        (which dispatches here): NaN, infinities, booleans, objects and empty or
        non-2-d input are refused with a ``ValueError``.
    device : str or torch.device, optional
        Where to compute (default: CPU).
    block_bytes : int, optional
        Memory for one block of distances (default: a quarter of the free memory
        on CUDA, 256 MiB elsewhere).
    info : dict, optional
        If given, receives ``merges_per_round`` and ``searches_per_round`` (how
        many clusters searched for a new nearest neighbour after each round).

    Returns
    -------
    Z : ndarray of float64, shape (n_samples - 1, 4)
        A SciPy linkage matrix, equal to ``scipy.cluster.hierarchy.ward(X)`` up to
        rounding and the order of exactly tied merges.
    """
    from .runtime import check_device

    device = torch.device(check_device(str(device)) if device is not None else "cpu")
    X = as_points(X)
    n = len(X)
    if n < 2:
        return np.empty((0, 4))
    C = torch.as_tensor(X - X.mean(axis=0), device=device)     # centred: smaller norms, less rounding
    S = torch.ones(n, dtype=torch.float64, device=device)       # cluster sizes
    H = torch.zeros(n, dtype=torch.float64, device=device)      # height each cluster was formed at
    ids = torch.arange(n, device=device)                       # provisional ids: n + creation order
    rows = _block_rows(n, device, block_bytes)
    sqnorm = (C * C).sum(1)
    nn_dist, nn = _nearest(C, S, sqnorm, torch.arange(n, device=device), rows)

    merges_a, merges_b, heights, sizes, rounds = [], [], [], [], []
    per_round, searches = [], []
    created, round_no = 0, 0
    while len(C) > 1:
        m = len(C)
        a, b = reciprocal_pairs(nn, nn_dist)
        merges_a.append(ids[a]), merges_b.append(ids[b])
        h, size = merge_pairs(C, S, H, a, b)
        k = len(a)
        per_round.append(k)
        heights.append(h), sizes.append(size), rounds.append(torch.full((k,), round_no, device=device))
        ids[a] = n + created + torch.arange(k, device=device)
        created, round_no = created + k, round_no + 1

        merged = torch.zeros(m, dtype=torch.bool, device=device)
        merged[a] = merged[b] = True
        keep = torch.ones(m, dtype=torch.bool, device=device)
        keep[b] = False
        stale = merged[nn] | merged           # lost their neighbour, or are new
        new_index = torch.cumsum(keep, 0) - 1  # old slot -> compacted slot
        C, S, H, ids = C[keep], S[keep], H[keep], ids[keep]
        nn, nn_dist, stale = new_index[nn[keep]], nn_dist[keep], stale[keep]
        if len(C) > 1:
            sqnorm = (C * C).sum(1)
            queries = stale.nonzero().flatten()
            searches.append(len(queries))
            nn_dist[queries], nn[queries] = _nearest(C, S, sqnorm, queries, _block_rows(len(C), device, block_bytes))

    if info is not None:
        info["merges_per_round"], info["searches_per_round"] = per_round, searches
    ida = torch.cat(merges_a).cpu().numpy()
    idb = torch.cat(merges_b).cpu().numpy()
    height = torch.cat(heights).cpu().numpy()
    size = torch.cat(sizes).cpu().numpy()
    rnd = torch.cat(rounds).cpu().numpy()
    # SciPy's order: by height; a child's round precedes its parent's, so ties keep
    # children first. Then renumber clusters by their row in that order.
    order = np.lexsort((rnd, height))
    relabel = np.arange(2 * n - 1)
    relabel[n + order] = n + np.arange(n - 1)
    a_new, b_new = relabel[ida[order]], relabel[idb[order]]
    Z = np.empty((n - 1, 4))
    Z[:, 0], Z[:, 1] = np.minimum(a_new, b_new), np.maximum(a_new, b_new)
    Z[:, 2], Z[:, 3] = height[order], size[order]
    return Z
