"""DEC, IDEC and DCEC: deep clustering by self-training on a pretrained autoencoder.

Introduced in chapter 4 (*The full experiment*), where they are the baselines of
Table 1. Faithful to the reference code (DEC-keras, IDEC, DCEC by X. Guo):

- soft assignment (Student's t, ``alpha = 1``):
  ``q_ij = (1 + ||z_i - mu_j||^2 / alpha)^(-(alpha+1)/2) / sum_j' (...)``;
- target distribution over **all** samples: ``p_ij = (q_ij^2 / f_j) / sum_j' (...)``
  with ``f_j = sum_i q_ij``, recomputed every ``update_interval`` batches;
- loss ``gamma * KL(P || Q) + MSE`` (IDEC, DCEC; ``gamma = 0.1``) or ``KL(P || Q)``
  alone (DEC), where KL is summed over clusters and averaged over the batch, and the
  MSE is Keras's (mean over pixels and batch);
- batches taken in order through the data set, as ``train_on_batch`` did;
- stop when fewer than ``tol`` of the labels changed between two updates, or at
  ``maxiter`` batches; centres initialised by k-means (``n_init = 20``) on the codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .cluster import kmeans as _kmeans

__all__ = ["soft_assignment", "target_distribution", "SelfTraining", "self_train"]


def soft_assignment(z: torch.Tensor, centres: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    """Student's t similarity of each code to each centre, rows summing to 1.

    Parameters
    ----------
    z : Tensor, shape (n, d)
    centres : Tensor, shape (k, d)

    Returns
    -------
    q : Tensor, shape (n, k)
    """
    sq = torch.cdist(z, centres).pow(2)
    q = (1.0 + sq / alpha).pow(-(alpha + 1.0) / 2.0)
    return q / q.sum(dim=1, keepdim=True)


def target_distribution(q: torch.Tensor) -> torch.Tensor:
    """DEC's auxiliary target: square ``q``, divide by cluster frequency, renormalise rows.

    Parameters
    ----------
    q : Tensor, shape (n, k)
        Soft assignments of *all* samples (the frequencies are over the whole set).
    """
    weight = q.pow(2) / q.sum(dim=0)
    return weight / weight.sum(dim=1, keepdim=True)


@dataclass(frozen=True)
class SelfTraining:
    """Settings of the self-training stage.

    Attributes
    ----------
    gamma : float or None
        Weight of the clustering loss beside the reconstruction loss (IDEC, DCEC);
        ``None`` for DEC's clustering loss alone.
    optimizer : {"adam", "sgd"}
    lr, momentum : float
    batch_size, update_interval, maxiter : int
    tol : float
    alpha : float
    """

    gamma: float | None = 0.1
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    batch_size: int = 256
    update_interval: int = 140
    maxiter: int = 20_000
    tol: float = 1e-3
    alpha: float = 1.0


def self_train(model: nn.Module, x: torch.Tensor, n_clusters: int, settings: SelfTraining,
               seed: int = 0, kmeans_n_init: int = 20, progress: bool = True) -> dict:
    """Run DEC / IDEC / DCEC self-training on a pretrained autoencoder, in place.

    Parameters
    ----------
    model : nn.Module
        A pretrained autoencoder (``encode``, ``forward -> (z, x')``).
    x : Tensor, shape (n, 1, h, w), on the training device
    n_clusters : int
    settings : SelfTraining
    seed : int
        Seeds the k-means initialisation.

    Returns
    -------
    dict
        ``labels`` (ndarray (n,)), ``iterations`` run, ``stopped`` ("tol" or
        "maxiter"), ``delta_label`` at the last update, and the ``centres``.
    """
    from .runtime import progress_bar

    from .train import embed

    device = x.device
    init_labels, init_centres = _kmeans(embed(model, x), n_clusters, n_init=kmeans_n_init,
                                        random_state=seed, return_centers=True)
    centres = nn.Parameter(torch.as_tensor(init_centres, dtype=torch.float32, device=device))
    params = list(model.parameters()) + [centres]
    if settings.optimizer == "adam":
        opt = torch.optim.Adam(params, lr=settings.lr)
    elif settings.optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=settings.lr, momentum=settings.momentum)
    else:
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {settings.optimizer!r}")

    n, bs = len(x), settings.batch_size
    labels_last = init_labels
    labels, delta, stopped, index, ite = init_labels, 1.0, "maxiter", 0, 0
    p = None
    bar = progress_bar(total=settings.maxiter, desc="self-training", disable=not progress, unit="batch")
    for ite in range(settings.maxiter):
        if ite % settings.update_interval == 0:
            with torch.no_grad():
                model.eval()
                q = torch.cat([soft_assignment(model.encode(x[i:i + 4096]), centres, settings.alpha)
                               for i in range(0, n, 4096)])
                p = target_distribution(q)
                labels = q.argmax(1).cpu().numpy()
                delta = float(np.mean(labels != labels_last))
                labels_last = labels
            bar.set_postfix(delta_label=f"{delta:.4f}")
            if ite > 0 and delta < settings.tol:
                stopped = "tol"
                break
            model.train()
        batch = slice(index * bs, min((index + 1) * bs, n))
        index = 0 if (index + 1) * bs >= n else index + 1
        xb, pb = x[batch], p[batch]
        z, recon = model(xb)
        q_b = soft_assignment(z, centres, settings.alpha)
        kl = (pb * (torch.log(pb.clamp_min(1e-12)) - torch.log(q_b.clamp_min(1e-12)))).sum(1).mean()
        loss = kl if settings.gamma is None else settings.gamma * kl + nn.functional.mse_loss(recon, xb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        bar.update(1)
    else:
        ite = settings.maxiter
    bar.close()
    model.eval()
    return {"labels": labels.astype(np.int64), "iterations": int(ite), "stopped": stopped,
            "delta_label": delta, "centres": centres.detach().cpu().numpy()}
