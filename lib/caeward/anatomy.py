"""Looking inside an autoencoder: its layer table, and where a local error's gradient goes.

Introduced in chapter 2 (*Convolutional vs stacked autoencoders*), which uses it to
make the paper's Fig. 1 concrete; chapter 5 prints the deeper encoders' tables.
:mod:`caeward.models` builds the networks; this module only reads them.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["layer_table", "region_gradients"]

# Leaf modules worth a row: the ones that compute (activations are noted, not listed).
_SHOWN = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.MaxPool2d)


def _describe(module: nn.Module) -> str:
    if isinstance(module, nn.Linear):
        return f"dense {module.in_features} → {module.out_features}"
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        kind = "conv" if isinstance(module, nn.Conv2d) else "transposed conv"
        k, s = module.kernel_size, module.stride
        return f"{kind} {module.out_channels}@{k[0]}×{k[1]}" + (f", stride {s[0]}" if s[0] > 1 else "")
    if isinstance(module, nn.MaxPool2d):
        return f"max-pool {module.kernel_size}×{module.kernel_size}"
    return type(module).__name__


def _leaf_outputs(model: nn.Module, x: torch.Tensor, keep_grad: bool):
    """Run ``model(x)`` and collect ``(name, module, output)`` of every shown leaf module,
    in the order they ran."""
    seen, hooks = [], []
    for name, module in model.named_modules():
        if isinstance(module, _SHOWN):
            def hook(mod, inputs, output, name=name):
                if keep_grad:
                    output.retain_grad()
                seen.append((name, mod, output))
            hooks.append(module.register_forward_hook(hook))
    try:
        out = model(x)
    finally:
        for h in hooks:
            h.remove()
    return seen, out


def layer_table(model: nn.Module, image_size: int = 28):
    """One row per layer as the data flows: part, name, what it is, output shape, parameters.

    Parameters
    ----------
    model : nn.Module
        One of :mod:`caeward.models` (``forward(x) -> (code, reconstruction)``).
    image_size : int

    Returns
    -------
    pandas.DataFrame
        Columns ``part`` (encoder/decoder), ``layer``, ``does``, ``output`` (shape of
        one sample's output) and ``parameters``. Activations (ReLU) are not rows.
    """
    import pandas as pd

    device = next(model.parameters()).device
    with torch.no_grad():
        seen, _ = _leaf_outputs(model, torch.zeros(1, 1, image_size, image_size, device=device), False)
    rows = []
    for name, module, output in seen:
        rows.append({"part": "decoder" if name.startswith("decoder") else "encoder", "layer": name,
                     "does": _describe(module), "output": "×".join(map(str, output.shape[1:])),
                     "parameters": sum(p.numel() for p in module.parameters(recurse=False))})
    table = pd.DataFrame(rows)
    listed = int(table["parameters"].sum())
    total = sum(p.numel() for p in model.parameters())
    if listed != total:  # a layer type we do not list holds parameters: say so rather than hide it
        raise ValueError(f"layer_table lists {listed:,} of the model's {total:,} parameters")
    return table


def region_gradients(model: nn.Module, image: torch.Tensor, rows: slice, cols: slice) -> dict:
    """Where the gradient of a reconstruction error confined to one output region goes.

    The loss is the squared error of the reconstruction over ``image[rows, cols]``
    only (the paper's Fig. 1: an error at one place of the output). One backward
    pass; a value counts as reached when its gradient is not exactly zero.

    Parameters
    ----------
    model : nn.Module
        An autoencoder of :mod:`caeward.models`, in eval mode.
    image : Tensor, shape (1, 1, s, s)
    rows, cols : slice
        The output region.

    Returns
    -------
    dict
        ``input``: ndarray (s, s), the absolute gradient at each input pixel;
        ``layers``: one dict per layer (in data-flow order) with ``layer``,
        ``does``, ``params_reached`` (fraction of the layer's weights with a
        non-zero gradient) and ``positions`` -- for a convolutional layer an
        ndarray (h, w) of bools, which positions of its output map received
        gradient in any channel; for a dense layer the fraction of its units that did.
    """
    model.zero_grad(set_to_none=True)
    x = image.detach().clone().requires_grad_(True)
    seen, (_, recon) = _leaf_outputs(model, x, keep_grad=True)
    mask = torch.zeros_like(recon)
    mask[..., rows, cols] = 1.0
    loss = ((recon - image.detach()) ** 2 * mask).sum()
    loss.backward()
    layers = []
    for name, module, output in seen:
        grad = output.grad if output.grad is not None else torch.zeros_like(output)
        if grad.dim() == 4:
            positions = (grad[0] != 0).any(dim=0).cpu().numpy()
        else:
            positions = float((grad[0] != 0).float().mean())
        weight = getattr(module, "weight", None)
        reached = (float((weight.grad != 0).float().mean()) if weight is not None and weight.grad is not None
                   else (0.0 if weight is not None else np.nan))
        layers.append({"layer": name, "does": _describe(module), "params_reached": reached,
                       "positions": positions})
    model.zero_grad(set_to_none=True)
    return {"input": x.grad[0, 0].abs().cpu().numpy(), "layers": layers}
