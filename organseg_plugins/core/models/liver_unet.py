"""The liver CT paper's U-Net (Sattari et al. 2025, Table 4) in plain PyTorch (no framework import).

Table 4, for a ``512 x 512 x 1`` input and the defaults (``base_channels=16``, ``num_levels=5``)::

    encoder level l = 1..5, f_l = 16 * 2**(l-1) = 16, 32, 64, 128, 256 filters:
        Convolution f_l 3x3 s1 ReLU -> Dropout -> Convolution f_l 3x3 s1 ReLU -> MaxPooling 2x2 s2
        (no pooling after the deepest level, 32 x 32 x 256)
    decoder level l = 4..1:
        Conv2DTranspose f_l 2x2 s2 (no activation) -> Concatenate with encoder level l (2 f_l channels)
        -> Convolution f_l 3x3 ReLU -> Dropout -> Convolution f_l 3x3 ReLU
    Convolution 1 filter 1x1 (Sigmoid in the table)                                      -> 512 x 512 x 1

That is the table's 19 "Convolution" rows (10 encoder, 8 decoder, the 1x1) plus 4 transposed
convolutions; 3x3 convolutions are zero-padded by 1 ("same"), so every level keeps its size and the
skip connection needs no cropping. Choices where the paper is silent (all constructor options):

* Dropout rates are not given: default 0.1, 0.1, 0.2, 0.2, 0.3 per encoder level, and each decoder
  level uses the rate of the encoder level at its resolution (0.2, 0.2, 0.1, 0.1 from the deepest up).
  Element-wise :class:`torch.nn.Dropout` (as Keras' ``Dropout``), active only in ``train()`` mode.
* The network returns **logits**: the table's final sigmoid is applied by the loss
  (BCE-with-logits) and at inference (``sigmoid > threshold``).
* Initialisation: He-normal (fan-in, ReLU gain) with zero bias for the 3x3 convolutions that feed a
  ReLU (``init="he_normal"``, the usual choice for this Keras-style U-Net); the transposed and the final
  1x1 convolutions keep PyTorch's default. ``init="default"`` keeps PyTorch's default everywhere.

Table 4's "Feature Size"/"Output Shape" columns are inconsistent in the decoder: for the convolution
after each concatenation they list e.g. ``64x64x128 -> 64x64x256`` and for the following dropout
``64x64x256 -> 64x64x128`` (a dropout cannot change the channel count). The "Filters" column (128)
and the table's own concatenation row (``-> 64x64x256``) fix the intended shapes: that convolution maps
the ``2 f_l`` concatenated channels to ``f_l`` and the dropout keeps ``f_l``. This module follows the
Filters column; :meth:`LiverUNet.layer_shapes` lists the resulting per-row shapes.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = ["LiverUNet", "ConvDropoutConv", "TABLE4_DROPOUT"]

TABLE4_DROPOUT = (0.1, 0.1, 0.2, 0.2, 0.3)  # the paper gives none; the usual Keras U-Net rates


class ConvDropoutConv(nn.Module):
    """One U-Net level of Table 4: Convolution 3x3-ReLU, Dropout, Convolution 3x3-ReLU.

    Args:
        in_channels: input channels (``2 * out_channels`` after a decoder concatenation).
        out_channels: filters of both convolutions.
        dropout: dropout probability between the two convolutions (0 disables it).
    """

    def __init__(self, in_channels: int, out_channels: int, dropout: float) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.relu1 = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.relu2 = nn.ReLU(inplace=True)

    def forward(self, x: Tensor, record: list | None = None) -> Tensor:
        """Apply the block; with ``record`` append one ``(layer type, (H, W, C))`` per Table 4 row."""
        x = self.relu1(self.conv1(x))
        _note(record, "Convolution", x)
        x = self.dropout(x)
        _note(record, "Dropout", x)
        x = self.relu2(self.conv2(x))
        _note(record, "Convolution", x)
        return x


def _note(record: list | None, name: str, x: Tensor) -> None:
    if record is not None:
        record.append((name, (int(x.shape[2]), int(x.shape[3]), int(x.shape[1]))))


class LiverUNet(nn.Module):
    """U-Net of the liver CT paper (Sattari et al. 2025, Table 4); see the module docstring.

    ``forward`` returns single-channel logits ``(N, out_channels, H, W)``; ``forward_features`` the
    last decoder feature map ``(N, base_channels, H, W)`` (what the mmseg backbone adapter returns).
    H and W must be multiples of ``2 ** (num_levels - 1)`` (16 by default).

    Args:
        in_channels: image channels (1: grayscale CT, as in the paper).
        base_channels: filters of the first level; level ``l`` has ``base_channels * 2**l`` (16 -> 256).
        num_levels: encoder levels including the bottleneck (5 in Table 4).
        dropout: one dropout rate per encoder level (``num_levels`` values); decoder level ``l`` reuses
            the rate of encoder level ``l``. A single float applies to every level.
        out_channels: channels of the final 1x1 convolution (1: binary liver mask); ``None`` builds
            the network without it (a feature extractor whose ``forward`` equals ``forward_features``).
        init: ``"he_normal"`` (default) or ``"default"`` (PyTorch's initialisation); see module docstring.
    """

    def __init__(self, in_channels: int = 1, base_channels: int = 16, num_levels: int = 5,
                 dropout: float | Sequence[float] = TABLE4_DROPOUT, out_channels: int | None = 1,
                 init: str = "he_normal") -> None:
        super().__init__()
        if num_levels < 1:
            raise ValueError(f"num_levels must be >= 1, got {num_levels}")
        if in_channels < 1 or base_channels < 1:
            raise ValueError(f"in_channels and base_channels must be >= 1, got {in_channels}, {base_channels}")
        rates = [float(dropout)] * num_levels if isinstance(dropout, int | float) else [float(p) for p in dropout]
        if len(rates) != num_levels:
            raise ValueError(f"dropout needs one rate per level ({num_levels}), got {len(rates)}: {rates}")
        if any(not 0.0 <= p < 1.0 for p in rates):
            raise ValueError(f"dropout rates must be in [0, 1), got {rates}")
        if init not in ("he_normal", "default"):
            raise ValueError(f"init must be 'he_normal' or 'default', got {init!r}")
        self.in_channels = in_channels
        self.base_channels = base_channels
        self.num_levels = num_levels
        self.dropout_rates = tuple(rates)
        self.out_channels = out_channels
        widths = [base_channels * 2 ** level for level in range(num_levels)]
        self.widths = tuple(widths)

        self.encoders = nn.ModuleList()
        prev = in_channels
        for width, rate in zip(widths, rates):
            self.encoders.append(ConvDropoutConv(prev, width, rate))
            prev = width
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        # decoder stage i goes from level num_levels-1-i up to level num_levels-2-i (deepest first)
        self.upsamples = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for level in range(num_levels - 2, -1, -1):
            self.upsamples.append(nn.ConvTranspose2d(widths[level + 1], widths[level], kernel_size=2, stride=2))
            self.decoders.append(ConvDropoutConv(2 * widths[level], widths[level], rates[level]))
        self.head = nn.Conv2d(base_channels, out_channels, kernel_size=1) if out_channels else None
        if init == "he_normal":
            for block in [*self.encoders, *self.decoders]:
                for conv in (block.conv1, block.conv2):
                    nn.init.kaiming_normal_(conv.weight, mode="fan_in", nonlinearity="relu")
                    nn.init.zeros_(conv.bias)

    @property
    def size_divisor(self) -> int:
        """Input height and width must be multiples of this (one halving per pooling)."""
        return 2 ** (self.num_levels - 1)

    def _check_input(self, x: Tensor) -> None:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"LiverUNet expects (N, {self.in_channels}, H, W), got {tuple(x.shape)}")
        h, w = x.shape[-2:]
        d = self.size_divisor
        if h % d or w % d:
            raise ValueError(f"LiverUNet input {h}x{w} is not a multiple of {d} (2**(num_levels-1)); resize or "
                             f"pad it (mmseg: data_preprocessor size/size_divisor and test_cfg size_divisor={d})")

    def forward_features(self, x: Tensor, record: list | None = None) -> Tensor:
        """Encoder + decoder of Table 4 up to the last 3x3 convolution: ``(N, base_channels, H, W)``.

        Args:
            x: images ``(N, in_channels, H, W)``, H and W multiples of :attr:`size_divisor`.
            record: if a list, one ``(Table 4 layer type, (H, W, C))`` per table row is appended
                (batch element shapes, the table's H x W x C order).
        """
        self._check_input(x)
        _note(record, "Input", x)
        skips = []
        for level, block in enumerate(self.encoders):
            x = block(x, record)
            if level < self.num_levels - 1:
                skips.append(x)
                x = self.pool(x)
                _note(record, "MaxPooling", x)
        for up, block in zip(self.upsamples, self.decoders):
            x = up(x)
            _note(record, "Conv2DTranspose", x)
            x = torch.cat([x, skips.pop()], dim=1)  # Table 4 order: upsampled map first, then the skip
            _note(record, "Concatenate", x)
            x = block(x, record)
        return x

    def forward(self, x: Tensor, record: list | None = None) -> Tensor:
        """Logits ``(N, out_channels, H, W)`` (no sigmoid); the features if built with ``out_channels=None``."""
        x = self.forward_features(x, record)
        if self.head is None:
            return x
        x = self.head(x)
        _note(record, "Convolution", x)
        return x

    @torch.no_grad()
    def layer_shapes(self, height: int = 512, width: int = 512) -> list[tuple[str, tuple[int, int, int]]]:
        """Per-row output shapes as in Table 4: ``[(layer type, (H, W, C)), ...]`` for one image.

        Runs one forward pass on zeros (on the parameters' device) in eval mode and restores the mode.

        Args:
            height: input height (multiple of :attr:`size_divisor`).
            width: input width.

        Returns:
            ``("Input", (H, W, in_channels))`` followed by one entry per Table 4 row in order
            (Convolution, Dropout, MaxPooling, Conv2DTranspose, Concatenate).
        """
        was_training = self.training
        self.eval()
        try:
            param = next(self.parameters())
            x = torch.zeros(1, self.in_channels, height, width, device=param.device, dtype=param.dtype)
            record: list = []
            self.forward(x, record)
        finally:
            self.train(was_training)
        return record
