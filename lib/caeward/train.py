"""Autoencoder pretraining (the paper's eq. 3) with checkpoints that resume.

Introduced in chapter 2 (*Convolutional vs stacked autoencoders*).

The whole data set is one tensor on the device and batches are index slices of it:
no per-sample Python loop, no DataLoader workers. Each epoch's shuffle comes from a
generator seeded by ``(seed, epoch)``, so an interrupted run that resumes from its
last checkpoint sees exactly the batches an uninterrupted run would have seen.

Memory. A training step frees what the step before it allocated, tensor for tensor.
glibc's ``malloc`` hands blocks above its threshold (128 KB at first) back to the
operating system when they are freed and trims the top of its heap, so every step
faulted its activations' pages in afresh: on DCEC's CAE thousands of page faults a
batch, and much of an epoch's CPU time spent in the kernel. :func:`keep_freed_memory`,
called by :func:`pretrain`, raises both thresholds once for the process, and the next
step reuses the memory. It changes where tensors live, not what is computed: a
training's numbers are the same bit for bit.

Checkpoints are plain ``state_dict``s (model and optimiser), written atomically after
every epoch with their SHA-256 recorded beside them, verified before use and loaded
with ``torch.load(..., weights_only=True)``.

:data:`TRAINING_VERSION` names the arithmetic of a training: the cache of the book's
trainings is keyed by it (with the model's configuration, the data, the epochs and the
seed), so a change here or in :mod:`caeward.models` that changes what a training
computes must bump it; a change that computes the same (a docstring, a rename) must not.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .files import VerificationError, load_verified, save_verified

__all__ = ["TRAINING_VERSION", "CheckpointError", "TrainingDiverged", "to_tensor", "pretrain", "embed",
           "reconstruction_error", "save_checkpoint", "load_checkpoint", "checkpoint_record", "check_schedule",
           "make_optimizer", "epoch_order", "epoch_loss", "checkpoint_state", "checkpoint_losses",
           "autocast", "keep_freed_memory"]

#: The version of what a training computes (models, initialisation, batches, loss,
#: optimiser steps). Bump it when that arithmetic changes; never for a change that
#: leaves every number as it was.
TRAINING_VERSION = 1


class CheckpointError(VerificationError):
    """A checkpoint is missing a part, unreadable, or fails its SHA-256 check."""


class TrainingDiverged(ValueError):
    """The reconstruction loss of an epoch is not finite: the learning rate is too high
    for the data (or the data hold extreme values)."""

    def __init__(self, epoch: int, loss: float, lr: float):
        super().__init__(f"training diverged at epoch {epoch}: its mean loss is {loss}; "
                         f"lower the learning rate (lr={lr:g} now, try {lr / 10:g})")
        self.epoch, self.loss, self.lr = epoch, loss, lr


#: glibc's ``mallopt`` parameters (``malloc.h``) and the values
#: :func:`keep_freed_memory` sets: freed blocks below 32 MB stay in the heap, and up
#: to 256 MB of free memory at its top is kept rather than handed back.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_TRIM_BYTES, _MMAP_BYTES = 256 << 20, 32 << 20
_memory_kept: bool | None = None


def keep_freed_memory() -> bool:
    """Make glibc's ``malloc`` keep the memory a training step frees for the next step.

    Once per process, on Linux with glibc (elsewhere nothing is done): blocks below
    32 MB are served from the heap, not mapped and unmapped each time, and up to
    256 MB of free heap is kept. Without it a CPU training spent much of its time
    faulting in the pages of activations it had just freed. The setting stays
    for the rest of the process; it changes no number a computation gives.

    Returns
    -------
    bool
        Whether the thresholds are set.
    """
    global _memory_kept
    if _memory_kept is None:
        _memory_kept = False
        if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
            try:
                mallopt = ctypes.CDLL(None).mallopt
            except (OSError, AttributeError):
                return False
            mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
            mallopt.restype = ctypes.c_int
            _memory_kept = (mallopt(_M_MMAP_THRESHOLD, _MMAP_BYTES) == 1
                            and mallopt(_M_TRIM_THRESHOLD, _TRIM_BYTES) == 1)
    return _memory_kept


def to_tensor(images, device: str | torch.device = "cpu") -> torch.Tensor:
    """Images as a float32 tensor of shape (n, 1, h, w) scaled to [0, 1].

    Accepts uint8 images (divided by 255) or floats already in [0, 1].
    """
    x = torch.as_tensor(np.asarray(images))
    if x.dim() == 3:
        x = x.unsqueeze(1)
    if x.dtype == torch.uint8:
        x = x.float().div_(255.0)
    return x.to(device=device, dtype=torch.float32)


def autocast(device: torch.device, bf16: bool):
    """bfloat16 autocast on ``device`` when ``bf16``, else nothing."""
    if not bf16:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def checkpoint_record(path: Path) -> Path:
    """The file beside a checkpoint that records its SHA-256."""
    path = Path(path)
    return path.with_name(path.name + ".sha256.json")


def save_checkpoint(path: Path, state: dict) -> None:
    """``torch.save`` atomically, with the checkpoint's SHA-256 recorded beside it."""
    save_verified(Path(path), checkpoint_record(path), lambda tmp: torch.save(state, tmp),
                  {"format": "torch state dict", "training_version": TRAINING_VERSION})


def load_checkpoint(path: Path) -> dict:
    """Load a checkpoint written by :func:`save_checkpoint`, after checking its SHA-256
    (``weights_only=True``: no pickled code is run).

    Raises
    ------
    CheckpointError
        The checkpoint or its record is missing, damaged or unreadable.
    """
    import io

    path = Path(path)
    try:
        data = path.read_bytes()
        load_verified(path, checkpoint_record(path), data)
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(f"checkpoint {path} cannot be used ({exc})") from exc


def pretrain(model: nn.Module, x: torch.Tensor, epochs: int, *, batch_size: int = 256,
             optimizer: str = "adam", lr: float = 1e-3, momentum: float = 0.9, seed: int = 0,
             checkpoint: str | os.PathLike | None = None, bf16: bool = False,
             progress: bool = True, desc: str = "pretrain") -> list[float]:
    """Train ``model`` to reconstruct ``x`` with the mean squared error (eq. 3).

    Parameters
    ----------
    model : nn.Module
        An autoencoder whose ``forward`` returns ``(code, reconstruction)``; it is
        trained in place on the device ``x`` lives on.
    x : Tensor, shape (n, 1, h, w)
        The whole training set, already on the device (see :func:`to_tensor`).
    epochs : int
        Total epochs; with a checkpoint, training resumes after its last epoch.
    batch_size : int
    optimizer : {"adam", "sgd"}
        Adam (DCEC) or SGD with momentum (DEC-keras's SAE: lr 1, momentum 0.9).
    lr, momentum : float
    seed : int
        Seeds each epoch's shuffle (and nothing else: seed the model's initial
        weights before building it).
    checkpoint : path, optional
        Written after every epoch; if it exists, training resumes from it (after its
        SHA-256 check: a damaged one raises :class:`CheckpointError`).
    bf16 : bool
        Run forward passes under ``torch.autocast`` with bfloat16.
    progress : bool
        Show a tqdm bar with epoch, loss and samples/s.

    Returns
    -------
    list of float
        Mean training loss of every epoch, from the first (including resumed ones).

    Raises
    ------
    TrainingDiverged
        An epoch's loss is not finite (nothing of that epoch is checkpointed).
    """
    from .runtime import progress_bar

    check_schedule(epochs, batch_size)
    keep_freed_memory()
    device = x.device
    model.to(device).train()
    opt = make_optimizer(model.parameters(), optimizer, lr, momentum)

    losses: list[float] = []
    path = Path(checkpoint) if checkpoint is not None else None
    if path is not None and path.exists():
        state = load_checkpoint(path)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        losses = checkpoint_losses(state, path, epochs)

    n = len(x)
    bar = progress_bar(range(len(losses), epochs), desc=desc, disable=not progress, unit="epoch",
               initial=len(losses), total=epochs)
    for epoch in bar:
        start = time.perf_counter()
        order = epoch_order(n, seed, epoch, device)
        total = torch.zeros((), device=device)
        for i in range(0, n, batch_size):
            batch = x[order[i:i + batch_size]]
            with autocast(device, bf16):
                _, recon = model(batch)
            loss = nn.functional.mse_loss(recon.float(), batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach() * len(batch)
        losses.append(epoch_loss(total, n, epoch, lr))
        rate = n / (time.perf_counter() - start)
        bar.set_postfix(loss=f"{losses[-1]:.5f}", samples_per_s=f"{rate:,.0f}")
        if path is not None:
            save_checkpoint(path, checkpoint_state(model.state_dict(), opt.state_dict(), losses))
    bar.close()
    model.eval()
    return losses


# ------------------------------------------------ pieces shared with train_batched

def check_schedule(epochs: int, batch_size: int) -> None:
    """A clear error for a negative number of epochs or an empty batch."""
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")


def make_optimizer(params, optimizer: str, lr: float, momentum: float = 0.9) -> torch.optim.Optimizer:
    """Adam, or SGD with momentum, over ``params``. Both update each element on its own,
    so one optimiser over the stacked parameters of S seeds does what S would."""
    if optimizer == "adam":
        return torch.optim.Adam(params, lr=lr)
    if optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum)
    raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")


def epoch_order(n: int, seed: int, epoch: int, device) -> torch.Tensor:
    """The shuffle of epoch ``epoch`` (from 0) of a training seeded ``seed``, shape (n,):
    fixed by the two, so a resumed or batched training sees the same batches."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))
    return order.to(device)


def epoch_loss(total: torch.Tensor, n: int, epoch: int, lr: float) -> float:
    """The mean loss of epoch ``epoch`` (from 0) from its summed loss; checked before the
    checkpoint, so that the checkpoint keeps the last sound epoch."""
    loss = float(total) / n
    if not np.isfinite(loss):
        raise TrainingDiverged(epoch + 1, loss, lr)
    return loss


def checkpoint_state(model_state: dict, optimizer_state: dict, losses: list[float]) -> dict:
    """What a checkpoint holds: the model's and the optimiser's ``state_dict`` and the
    epoch losses so far."""
    return {"model": model_state, "optimizer": optimizer_state,
            "losses": torch.tensor(losses, dtype=torch.float64)}


def checkpoint_losses(state: dict, path, epochs: int) -> list[float]:
    """The epoch losses a loaded checkpoint holds, refused if more than ``epochs``."""
    losses = [float(v) for v in state["losses"]]
    if len(losses) > epochs:
        raise ValueError(f"checkpoint {path} holds {len(losses)} epochs, more than the "
                         f"{epochs} asked for; delete it or ask for more epochs")
    return losses


@torch.no_grad()
def embed(model: nn.Module, x: torch.Tensor, batch_size: int = 4096) -> np.ndarray:
    """The codes of ``x`` as a float32 array of shape (n, code_dim)."""
    model.eval()
    return torch.cat([model.encode(x[i:i + batch_size]).float().cpu()
                      for i in range(0, len(x), batch_size)]).numpy()


@torch.no_grad()
def reconstruction_error(model: nn.Module, x: torch.Tensor, batch_size: int = 4096) -> float:
    """Mean squared reconstruction error over ``x`` (a label-free model criterion)."""
    model.eval()
    total = 0.0
    for i in range(0, len(x), batch_size):
        batch = x[i:i + batch_size]
        _, recon = model(batch)
        total += float(nn.functional.mse_loss(recon.float(), batch, reduction="sum"))
    return total / x.numel()
