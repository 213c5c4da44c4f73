"""Several seeds of one autoencoder trained at once, as one batched model.

Small networks leave a GPU waiting on kernel launches: S trainings of the same
architecture cost nearly what one does when their parameters are stacked into one
model and every layer runs once for all S (``torch.func.stack_module_state`` and
``vmap``; convolutions become grouped convolutions). Each seed keeps what makes it
that seed's training: the initial weights of its own model (built under its seed,
as a single training builds it), its own shuffle of every epoch
(:func:`caeward.train.epoch_order`), and its own optimiser state. Adam and SGD update
every element on its own, and the summed loss gives each seed's parameters the
gradient of that seed's loss alone, so one optimiser over the stack does what S
optimisers do: the same arithmetic per seed as :func:`caeward.train.pretrain`, up to
float rounding (the grouped kernels add up in another order).

The checkpoints are one per seed, in :func:`caeward.train.pretrain`'s format, so a
batched training and a single one are interchangeable: either resumes the other.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

import torch
from torch import nn

from .train import (TrainingDiverged, autocast, check_schedule, checkpoint_losses, checkpoint_state, epoch_loss,
                    epoch_order, load_checkpoint, make_optimizer, save_checkpoint)

__all__ = ["pretrain_seeds"]


def pretrain_seeds(models: list[nn.Module], x: torch.Tensor, epochs: int, *, seeds: list[int],
                   batch_size: int = 256, optimizer: str = "adam", lr: float = 1e-3, momentum: float = 0.9,
                   checkpoints: list | None = None, bf16: bool = False, progress: bool = True,
                   desc: str = "pretrain") -> list[list[float]]:
    """Train S models of one architecture to reconstruct ``x``, as S calls of
    :func:`caeward.train.pretrain` would, batched into one.

    Parameters
    ----------
    models : list of nn.Module, length S
        Autoencoders of one class and configuration, each built (seeded) as its single
        training builds it; trained in place on the device ``x`` lives on. No
        buffers that change in training (no batch norm): none of the book's have.
    x : Tensor, shape (n, 1, h, w)
        The training set, on the device.
    epochs : int
    seeds : list of int, length S
        Each model's shuffle seed, as ``pretrain``'s ``seed``.
    batch_size : int
    optimizer : {"adam", "sgd"}
    lr, momentum : float
    checkpoints : list of path, length S, optional
        Each seed's checkpoint, written after every epoch in ``pretrain``'s format. If
        they exist, training resumes from them; they must then all exist and hold the
        same number of epochs.
    bf16 : bool
    progress : bool
    desc : str

    Returns
    -------
    list of list of float, shape (S, epochs)
        Each seed's mean training loss per epoch.

    Raises
    ------
    TrainingDiverged
        An epoch's loss is not finite for some seed (no checkpoint of that epoch is
        written for any seed).
    """
    from torch.func import functional_call, stack_module_state, vmap
    from tqdm.auto import tqdm

    check_schedule(epochs, batch_size)
    if not models or len(models) != len(seeds):
        raise ValueError(f"give one seed per model: {len(models)} models, {len(seeds)} seeds")
    paths = [Path(p) for p in checkpoints] if checkpoints is not None else [None] * len(models)
    if len(paths) != len(models):
        raise ValueError(f"give one checkpoint per model: {len(models)} models, {len(paths)} checkpoints")
    device = x.device
    for model in models:
        model.to(device).train()
    losses, optimizer_states = _resume(models, paths, epochs)
    params, buffers = stack_module_state(models)  # leaves of shape (S, ...), copies of each model's
    opt = make_optimizer(list(params.values()), optimizer, lr, momentum)
    if optimizer_states:
        opt.load_state_dict(_stack_optimizer_states(optimizer_states))
    base = copy.deepcopy(models[0]).to("meta")  # the architecture only; the weights come from params

    def reconstruct(p, b, batch):
        return functional_call(base, (p, b), (batch,))[1]

    n, done = len(x), len(losses[0])
    bar = tqdm(range(done, epochs), desc=f"{desc} ({len(models)} seeds)", disable=not progress, unit="epoch",
               initial=done, total=epochs)
    for epoch in bar:
        start = time.perf_counter()
        orders = torch.stack([epoch_order(n, seed, epoch, device) for seed in seeds])
        total = torch.zeros(len(models), device=device)
        for i in range(0, n, batch_size):
            batches = x[orders[:, i:i + batch_size]]  # (S, b, 1, h, w): each seed its own batch
            with autocast(device, bf16):
                recon = vmap(reconstruct)(params, buffers, batches)
            loss = vmap(nn.functional.mse_loss)(recon.float(), batches)  # (S,)
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()  # each seed's parameters get its own loss's gradient
            opt.step()
            total += loss.detach() * batches.shape[1]
        for s, seed in enumerate(seeds):
            try:
                losses[s].append(epoch_loss(total[s], n, epoch, lr))
            except TrainingDiverged as exc:
                exc.seed = seed  # which of the batch diverged
                raise
        rate = len(models) * n / (time.perf_counter() - start)
        bar.set_postfix(samples_per_s=f"{rate:,.0f}")
        for s, path in enumerate(paths):
            if path is not None:
                save_checkpoint(path, checkpoint_state(_seed_state(models[0], params, buffers, s),
                                                       _seed_optimizer_state(opt.state_dict(), s), losses[s]))
    bar.close()
    with torch.no_grad():  # the trained weights back into each seed's own model
        for s, model in enumerate(models):
            model.load_state_dict(_seed_state(model, params, buffers, s))
            model.eval()
    return losses


def _resume(models, paths, epochs) -> tuple[list[list[float]], list[dict]]:
    """Load each seed's checkpoint into its model: the losses so far per seed and the
    optimiser states (empty when none of them exists)."""
    present = [p is not None and p.exists() for p in paths]
    if not any(present):
        return [[] for _ in models], []
    if not all(present):
        missing = [str(p) for p, here in zip(paths, present) if not here]
        raise ValueError(f"some seeds have a checkpoint and others not ({', '.join(missing)}); "
                         "train them apart, or batch only seeds that got as far")
    losses, optimizer_states = [], []
    for model, path in zip(models, paths):
        state = load_checkpoint(path)
        model.load_state_dict(state["model"])
        losses.append(checkpoint_losses(state, path, epochs))
        optimizer_states.append(state["optimizer"])
    if len({len(found) for found in losses}) > 1:
        raise ValueError(f"the checkpoints hold different numbers of epochs ({[len(f) for f in losses]}); "
                         "batch only seeds that got as far")
    return losses, optimizer_states


def _seed_state(model: nn.Module, params: dict, buffers: dict, s: int) -> dict:
    """Seed ``s``'s ``state_dict``, in ``model``'s order, as copies (a saved view would
    carry the whole stack)."""
    return {name: (params[name] if name in params else buffers[name])[s].detach().clone()
            for name in model.state_dict()}


def _stack_optimizer_states(states: list[dict]) -> dict:
    """One optimiser state of the stacked parameters from the seeds' own (same step count)."""
    stacked = {}
    for index, entry in states[0]["state"].items():
        stacked[index] = {key: torch.stack([st["state"][index][key] for st in states])
                          if torch.is_tensor(value) and value.dim() > 0 else value
                          for key, value in entry.items()}
    return {"state": stacked, "param_groups": copy.deepcopy(states[0]["param_groups"])}


def _seed_optimizer_state(state: dict, s: int) -> dict:
    """Seed ``s``'s part of the stacked optimiser's state, shaped as a single training's."""
    return {"state": {index: {key: value[s].clone() if torch.is_tensor(value) and value.dim() > 0
                              else (value.clone() if torch.is_tensor(value) else value)
                              for key, value in entry.items()}
                      for index, entry in state["state"].items()},
            "param_groups": copy.deepcopy(state["param_groups"])}
