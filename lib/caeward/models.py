"""Autoencoders: the stacked one of DEC/IDEC, DCEC's convolutional one, and the
paper's encoder-reinforced CAE (with and without skip connections).

Introduced in chapter 2 (*Convolutional vs stacked autoencoders*); the deeper
encoder and the skip connections are studied in chapter 5 (*Ablation*).

Every model takes images of shape ``(n, 1, s, s)`` (float, scaled to [0, 1]) and has
``encode(x) -> z`` of shape ``(n, code_dim)``, ``decode(z) -> x'`` and
``forward(x) -> (z, x')``.

Padding. DCEC's Keras code uses ``padding="same"`` for its stride-2 convolutions;
for a 5×5 kernel on an even size Keras pads 1 pixel before and 2 after. PyTorch pads
symmetrically, so we pad 2 on both sides: the output sizes are the same (s/2), the
sampling grid is shifted by one pixel. Transposed convolutions use
``padding=k//2, output_padding=1`` to double the size exactly.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["StackedAutoencoder", "ConvAutoencoder", "DeepConvAutoencoder", "head_geometry"]


class StackedAutoencoder(nn.Module):
    """The fully connected autoencoder of DEC and IDEC: 784-500-500-2000-10.

    ReLU between layers; the code layer and the output layer are linear.

    Parameters
    ----------
    image_size : int
        Side of the square input (the input dimension is ``image_size**2``).
    hidden : tuple of int
        Widths of the hidden layers, mirrored in the decoder.
    code_dim : int
    init : {"default", "dec"}
        ``"dec"`` initialises weights as DEC-keras does for MNIST
        (variance scaling 1/3, fan-in, uniform), which its lr=1 SGD pretraining needs.
    """

    def __init__(self, image_size: int = 28, hidden=(500, 500, 2000), code_dim: int = 10,
                 init: str = "default"):
        super().__init__()
        self.image_size, self.code_dim = image_size, code_dim
        dims = [image_size * image_size, *hidden, code_dim]
        self.encoder = _mlp(dims)
        self.decoder = _mlp(dims[::-1])
        if init == "dec":
            for layer in self.modules():
                if isinstance(layer, nn.Linear):
                    bound = math.sqrt(3 * (1 / 3) / layer.in_features)  # VarianceScaling(1/3, fan_in, uniform)
                    nn.init.uniform_(layer.weight, -bound, bound)
                    nn.init.zeros_(layer.bias)
        elif init != "default":
            raise ValueError(f"init must be 'default' or 'dec', got {init!r}")

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.image_size)
        return self.encoder(x.flatten(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(-1, 1, self.image_size, self.image_size)

    def forward(self, x):
        z = self.encode(x)
        return z, self.decode(z)


def _mlp(dims) -> nn.Sequential:
    layers = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(dims) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def head_geometry(size: int) -> tuple[int, bool]:
    """Side of the feature map after DCEC's stride-2 3×3 head convolution on a map of
    side ``size``, and whether that convolution pads ("same", when ``size`` is even)
    or not ("valid", when odd: 7 -> 3 for MNIST, as in DCEC)."""
    if size % 2 == 0:
        return size // 2, True
    return (size - 3) // 2 + 1, False


class _ConvDecoder(nn.Module):
    """DCEC's decoder: dense -> (C, m, m) -> transposed convs back to (1, s, s).

    ``channels`` lists the encoder's stage widths from the input side, e.g.
    ``(32, 64, 128)`` for DCEC: the decoder goes 128 -> 64 -> 32 -> 1, the first
    transposed convolution undoing the head (3×3), the others 5×5 stride 2.
    """

    def __init__(self, channels, head_size: int, head_same: bool, code_dim: int):
        super().__init__()
        self.shape = (channels[-1], head_size, head_size)
        self.dense = nn.Sequential(nn.Linear(code_dim, math.prod(self.shape)), nn.ReLU())
        outs = list(channels[-2::-1]) + [1]
        ups = [nn.ConvTranspose2d(channels[-1], outs[0], 3, stride=2,
                                  padding=1 if head_same else 0, output_padding=1 if head_same else 0)]
        for a, b in zip(outs[:-1], outs[1:]):
            ups.append(nn.ConvTranspose2d(a, b, 5, stride=2, padding=2, output_padding=1))
        self.ups = nn.ModuleList(ups)

    def forward(self, z, skips=None):
        h = self.dense(z).view(-1, *self.shape)
        for i, up in enumerate(self.ups):
            h = up(h)
            if i < len(self.ups) - 1:
                if skips is not None:
                    h = h + skips[-1 - i]
                h = torch.relu(h)
        return h  # linear output, as DCEC's last layer


class _ConvAutoencoderBase(nn.Module):
    """What both CAEs share: ``_encode`` returns the code and the stage outputs, which
    the decoder adds back when ``skip`` is set."""

    skip: bool

    def encode(self, x):
        return self._encode(x)[0]

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        z, skips = self._encode(x)
        return z, self.decoder(z, skips if self.skip else None)


class ConvAutoencoder(_ConvAutoencoderBase):
    """DCEC's convolutional autoencoder ("CAE" in the paper's Table 1).

    Encoder: conv 32@5×5 stride 2 -> 64@5×5 stride 2 -> 128@3×3 stride 2 (valid on
    28×28, giving 3×3; "same" when the map is even, e.g. USPS's 16×16) -> flatten ->
    dense ``code_dim`` (linear). The decoder mirrors it with transposed convolutions
    and a linear last layer. ReLU everywhere else.

    Parameters
    ----------
    image_size : int
        Side of the square input; a multiple of 4, at least 12.
    channels : tuple of int
        Widths of the three convolutions.
    code_dim : int
    skip : bool
        Add each encoder feature map to the decoder's map of the same size (the
        paper's negative result: better reconstruction, worse clustering).
    """

    def __init__(self, image_size: int = 28, channels=(32, 64, 128), code_dim: int = 10,
                 skip: bool = False):
        super().__init__()
        _check_size(image_size, 4, "ConvAutoencoder")
        self.image_size, self.code_dim, self.skip = image_size, code_dim, skip
        c1, c2, c3 = channels
        head_size, head_same = head_geometry(image_size // 4)
        self.stages = nn.ModuleList([
            nn.Conv2d(1, c1, 5, stride=2, padding=2),
            nn.Conv2d(c1, c2, 5, stride=2, padding=2),
        ])
        self.head = nn.Conv2d(c2, c3, 3, stride=2, padding=1 if head_same else 0)
        self.to_code = nn.Linear(c3 * head_size * head_size, code_dim)
        self.decoder = _ConvDecoder(channels, head_size, head_same, code_dim)

    def _encode(self, x):
        _check_input(x, self.image_size)
        skips, h = [], x
        for stage in self.stages:
            h = torch.relu(stage(h))
            skips.append(h)
        h = torch.relu(self.head(h))
        return self.to_code(h.flatten(1)), skips


class DeepConvAutoencoder(_ConvAutoencoderBase):
    """The paper's encoder-reinforced CAE ("proposed" in Table 1): this book's design.

    The paper's Fig. 3, which gave the layers, is lost; the text says only that the
    encoder repeats convolution and sub-sampling more deeply than DCEC's, with few
    parameters. Our design, configurable for the ablation:

    - ``len(stages)`` stages, each ``convs_per_stage`` 3×3 convolutions ("same")
      followed by 2×2 max-pooling: 28 -> 14 -> 7 with the default two stages;
    - a head: one more 3×3 convolution at the last stage's width, then a 3×3
      stride-2 convolution to ``head_channels`` (valid on 7×7, giving 3×3, as DCEC);
    - a linear dense layer to the ``code_dim`` code;
    - DCEC's decoder (dense, then transposed convolutions), so the two CAEs differ
      in the encoder only.

    Parameters
    ----------
    image_size : int
        Side of the square input; a multiple of ``2**len(stages)``.
    stages : tuple of int
        Widths of the convolution stages.
    convs_per_stage : int
    head_channels : int
    code_dim : int
    skip : bool
        Add each stage's output to the decoder's map of the same size.
    """

    def __init__(self, image_size: int = 28, stages=(32, 64), convs_per_stage: int = 2,
                 head_channels: int = 128, code_dim: int = 10, skip: bool = False):
        super().__init__()
        if len(stages) < 1 or convs_per_stage < 1:
            raise ValueError("DeepConvAutoencoder needs at least one stage of at least one convolution")
        _check_size(image_size, 2 ** len(stages), "DeepConvAutoencoder")
        self.image_size, self.code_dim, self.skip = image_size, code_dim, skip
        blocks, c_in = [], 1
        for width in stages:
            layers = []
            for _ in range(convs_per_stage):
                layers += [nn.Conv2d(c_in, width, 3, padding=1), nn.ReLU()]
                c_in = width
            blocks.append(nn.Sequential(*layers, nn.MaxPool2d(2)))
        self.stages = nn.ModuleList(blocks)
        head_size, head_same = head_geometry(image_size // 2 ** len(stages))
        self.head = nn.Sequential(
            nn.Conv2d(c_in, c_in, 3, padding=1), nn.ReLU(),
            nn.Conv2d(c_in, head_channels, 3, stride=2, padding=1 if head_same else 0), nn.ReLU(),
        )
        self.to_code = nn.Linear(head_channels * head_size * head_size, code_dim)
        self.decoder = _ConvDecoder((*stages, head_channels), head_size, head_same, code_dim)

    def _encode(self, x):
        _check_input(x, self.image_size)
        skips, h = [], x
        for stage in self.stages:
            h = stage(h)
            skips.append(h)
        return self.to_code(self.head(h).flatten(1)), skips


def _check_size(size: int, multiple: int, name: str) -> None:
    if size < 3 * multiple or size % multiple:
        raise ValueError(
            f"{name} takes square images whose side is a multiple of {multiple} and at "
            f"least {3 * multiple}, got {size}; pad or resize the images (e.g. 28 or 32 for "
            "MNIST-like data, 16 for USPS)")


def _check_input(x: torch.Tensor, size: int) -> None:
    if x.dim() != 4 or x.shape[1] != 1 or x.shape[2] != size or x.shape[3] != size:
        raise ValueError(f"expected images of shape (n, 1, {size}, {size}), got {tuple(x.shape)}")
