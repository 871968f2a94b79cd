"""ARU-Net (Liu et al. 2025, "Attention residual network for medical ultrasound image segmentation",
Sci Rep 15:22155) in plain PyTorch (no framework import).

Architecture (paper, section "Methods", Figures 2-5), for a ``3 x 512 x 512`` input and the default widths
``(64, 128, 256, 512, 1024)``::

    stem   conv3x3 3->64-BN-ReLU (= s), conv3x3 64->64-BN-ReLU, + s              -> feat1   64 x 512 x 512
    stage  pool, residual unit 64->128                                           -> feat2  128 x 256 x 256
    stage  pool, residual unit 128->256                                          -> feat3  256 x 128 x 128
    stage  pool, residual unit 256->512                                          -> feat4  512 x  64 x  64
    stage  pool, residual unit 512->1024                                         -> feat5 1024 x  32 x  32
    SpConvMixer bottleneck on feat5 (spatial attention, 5 ConvMixer blocks)      ->       1024 x  32 x  32
    4 decoder stages: up x2 (C -> C/2) -> multi-conv self-attention -> concat skip
                      -> channel attention -> conv3x3-BN-ReLU (2C' -> C')        ->         64 x 512 x 512
    1x1 convolution to ``num_classes`` logits (the mmseg adapter's decode-head ``conv_seg``)

* Residual unit ("Encoder"): ``F' = ReLU(BN(conv3x3(x))) + conv1x1(x)`` (the 3x3 raises the channels, the
  1x1 projects the input to the same width), ``F'' = F' + ReLU(BN(conv3x3(F')))``.
* SpConvMixer ("SpConvMixer block", Eq. 1-3): spatial attention (channel-wise max and mean maps, concatenated,
  ``k x k`` convolution (7 in the paper), sigmoid, times the input), then ``depth`` (5) ConvMixer blocks
  ``f' = BN(GELU(dwconv3x3(f))) + f``, ``f_t = BN(GELU(conv1x1(f')))``.
* Multi-convolution self-attention ("Multi-convolutional self-attention module"): ``p = BN(conv1x1(x))``,
  ``o = BN(conv3x3(x))``, ``d = BN(dilated conv3x3 d=2 (x))``,
  ``x + d * sigmoid(conv1x1(ReLU(cat(p, o))))``; placed after each decoder up-sampling.
* Channel attention ("Channel attention module") on the concatenated map at each fusion:
  ``x * sigmoid(FC3(FC1(maxpool(x)) * FC2(avgpool(x))))`` with ``FC1, FC2: C -> C / ratio``, ``FC3: C/ratio -> C``.

Choices the paper leaves open are constructor options; defaults are the paper's reading (``PRESETS["paper"]``):
max pooling 2x2; nearest x2 up-sampling (``upsample_mode``) followed by conv3x3-BN-ReLU (the paper's
up-sampling halves the channels, 1024x32x32 -> 512x64x64, so it contains a convolution); channel-attention ratio
16 and bias-free FCs; encoder convolutions without bias (they feed BN); PyTorch's default initialisation. The
paper's equations were lost in the text available here; Eq. 1-3 are read from its description and Figures 3-5.

``PRESETS["code"]`` builds what the authors' released code (GitHub whr-crypto/ARUNet, ``ARU/nets/unet.py``,
``ARU/nets/residual.py``, ``train.py``) builds, which differs from the paper: max pooling 3x3 stride 2 pad 1;
ConvMixer kernel 7 with the residual around both convolutions; spatial-attention kernel 5; channel attention
SE-style (average pooling only, FC-ReLU-FC-sigmoid, ratio 16); the self-attention has a BN before its sigmoid and
sits on up-stages 2-4 only; and its forward runs **neither** the spatial attention, the mixer nor the channel
attention although it builds them (``build_unused=True`` keeps those parameters so the count and state dict match;
they get no gradient). Its ``train.py`` initialises every convolution with N(0, 0.02) and BN weights with
N(1, 0.02) (``init="normal"``).

Ablation switches (Tables 6-7): ``residual_encoder`` (False: plain U-Net double conv3x3-BN-ReLU blocks),
``spconvmixer``, ``channel_attention``, ``self_attention``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = ["ARUNet", "ARUNetDecoder", "ARUNetEncoder", "ChannelAttention", "MultiConvSelfAttention",
           "PRESETS", "ResidualUnit", "SpConvMixer", "SpatialAttention", "aru_net_options"]

# Open choices of the paper. Keys prefixed by their owner (encoder / decoder) in ``aru_net_options``.
PRESETS: dict[str, dict] = {
    "paper": dict(
        encoder=dict(pool="max2", mixer_kernel=3, mixer_residual="depthwise", spatial_kernel=7,
                     run_spatial_attention=True, run_mixer=True, build_unused=False, init="default"),
        decoder=dict(channel_attention_type="maxavg", ca_ratio=16, sa_stages=(0, 1, 2, 3), sa_vote_bn=False,
                     run_channel_attention=True, build_unused=False, init="default"),
    ),
    "code": dict(
        encoder=dict(pool="max3s2", mixer_kernel=7, mixer_residual="both", spatial_kernel=5,
                     run_spatial_attention=False, run_mixer=False, build_unused=True, init="normal"),
        decoder=dict(channel_attention_type="se", ca_ratio=16, sa_stages=(1, 2, 3), sa_vote_bn=True,
                     run_channel_attention=False, build_unused=True, init="normal"),
    ),
}


def aru_net_options(preset: str = "paper") -> dict:
    """Return ``{"encoder": {...}, "decoder": {...}}`` keyword arguments of a preset (a copy).

    Raises:
        ValueError: unknown preset name.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown ARU-Net preset {preset!r}; choose one of {sorted(PRESETS)}")
    return {part: dict(opts) for part, opts in PRESETS[preset].items()}


def _conv_bn_relu(cin: int, cout: int, bias: bool) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=bias), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def _init_normal(module: nn.Module, std: float = 0.02) -> None:
    """The released code's ``weights_init``: conv weights N(0, std), BN weights N(1, std), BN bias 0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, 0.0, std)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, std)
            nn.init.zeros_(m.bias)


def _check_init(init: str) -> None:
    if init not in ("default", "normal"):
        raise ValueError(f"init must be 'default' or 'normal', got {init!r}")


class ResidualUnit(nn.Module):
    """The encoder's residual unit (Liu et al. 2025, "Encoder"): ``F' = CBR(x) + conv1x1(x)``, ``F'' = F' + CBR(F')``.

    With ``residual=False`` it is a plain U-Net block ``CBR(CBR(x))`` (ablation, Tables 6-7).

    Args:
        in_channels: input channels ``c``.
        out_channels: output channels ``c1``.
        residual: use the 1x1 projection and both sums.
        bias: bias of the convolutions (False: they feed BN; the code has none in the encoder).
    """

    def __init__(self, in_channels: int, out_channels: int, residual: bool = True, bias: bool = False) -> None:
        super().__init__()
        self.residual = residual
        self.conv1 = _conv_bn_relu(in_channels, out_channels, bias)
        self.conv2 = _conv_bn_relu(out_channels, out_channels, bias)
        self.proj = nn.Conv2d(in_channels, out_channels, 1, bias=bias) if residual else None

    def forward(self, x: Tensor) -> Tensor:
        """``(N, in, H, W) -> (N, out, H, W)``."""
        if not self.residual:
            return self.conv2(self.conv1(x))
        y = self.conv1(x) + self.proj(x)
        return y + self.conv2(y)


class Stem(nn.Module):
    """Full-resolution stem: ``s = CBR(x)``, ``s + CBR(s)`` (identity residual; plain ``CBR(CBR(x))`` if not residual)."""

    def __init__(self, in_channels: int, out_channels: int, residual: bool = True, bias: bool = False) -> None:
        super().__init__()
        self.residual = residual
        self.conv1 = _conv_bn_relu(in_channels, out_channels, bias)
        self.conv2 = _conv_bn_relu(out_channels, out_channels, bias)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, in, H, W) -> (N, out, H, W)``."""
        s = self.conv1(x)
        y = self.conv2(s)
        return y + s if self.residual else y


class SpatialAttention(nn.Module):
    """Spatial attention of the SpConvMixer: ``x * sigmoid(conv_k([max_c(x), mean_c(x)]))`` (bias-free conv).

    Args:
        kernel_size: odd kernel of the 2 -> 1 convolution (paper 7, released code 5).
    """

    def __init__(self, kernel_size: int = 7) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"spatial attention kernel must be odd, got {kernel_size}")
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        """Same shape as ``x``."""
        maps = torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.conv(maps))


class ConvMixerBlock(nn.Module):
    """One ConvMixer block (Liu et al. 2025, Eq. 1-3): depthwise ``k x k`` -> GELU -> BN, pointwise 1x1 -> GELU -> BN.

    Args:
        dim: channels.
        kernel_size: depthwise kernel (paper 3, released code 7).
        residual: ``"depthwise"`` (ConvMixer / paper: the skip spans the depthwise part only) or ``"both"``
            (released code: the skip spans both convolutions).
    """

    def __init__(self, dim: int, kernel_size: int = 3, residual: str = "depthwise") -> None:
        super().__init__()
        if residual not in ("depthwise", "both"):
            raise ValueError(f"mixer residual must be 'depthwise' or 'both', got {residual!r}")
        self.residual = residual
        self.depthwise = nn.Sequential(nn.Conv2d(dim, dim, kernel_size, padding=kernel_size // 2, groups=dim),
                                       nn.GELU(), nn.BatchNorm2d(dim))
        self.pointwise = nn.Sequential(nn.Conv2d(dim, dim, 1), nn.GELU(), nn.BatchNorm2d(dim))

    def forward(self, x: Tensor) -> Tensor:
        """Same shape as ``x``."""
        if self.residual == "both":
            return x + self.pointwise(self.depthwise(x))
        return self.pointwise(x + self.depthwise(x))


class SpConvMixer(nn.Module):
    """SpConvMixer bottleneck: spatial attention then ``depth`` ConvMixer blocks (shape preserving).

    Args:
        dim: channels (1024).
        depth: number of ConvMixer blocks (5).
        mixer_kernel: depthwise kernel (paper 3, code 7).
        mixer_residual: see :class:`ConvMixerBlock`.
        spatial_kernel: spatial-attention kernel (paper 7, code 5).
        run_spatial_attention: apply the spatial attention in ``forward`` (code: no).
        run_mixer: apply the mixer blocks in ``forward`` (code: no).
    """

    def __init__(self, dim: int, depth: int = 5, mixer_kernel: int = 3, mixer_residual: str = "depthwise",
                 spatial_kernel: int = 7, run_spatial_attention: bool = True, run_mixer: bool = True) -> None:
        super().__init__()
        self.attention = SpatialAttention(spatial_kernel)
        self.blocks = nn.Sequential(*[ConvMixerBlock(dim, mixer_kernel, mixer_residual) for _ in range(depth)])
        self.run_spatial_attention = run_spatial_attention
        self.run_mixer = run_mixer

    def forward(self, x: Tensor) -> Tensor:
        """Same shape as ``x``."""
        if self.run_spatial_attention:
            x = self.attention(x)
        if self.run_mixer:
            x = self.blocks(x)
        return x


class ChannelAttention(nn.Module):
    """Channel attention at the decoder fusion (Liu et al. 2025, "Channel attention module").

    ``"maxavg"`` (paper): ``x * sigmoid(FC3(FC1(max(x)) * FC2(avg(x))))``, FC1/FC2 ``C -> C // ratio``,
    FC3 ``C // ratio -> C``. ``"se"`` (released code): ``x * sigmoid(FC(ReLU(FC(avg(x)))))``. All FCs bias-free.

    Args:
        channels: channels ``C`` of the fused (concatenated) map.
        ratio: reduction ratio (the paper gives none; the code's 16).
        kind: ``"maxavg"`` or ``"se"``.
    """

    def __init__(self, channels: int, ratio: int = 16, kind: str = "maxavg") -> None:
        super().__init__()
        if kind not in ("maxavg", "se"):
            raise ValueError(f"channel attention type must be 'maxavg' or 'se', got {kind!r}")
        hidden = max(1, channels // ratio)
        self.kind = kind
        if kind == "maxavg":
            self.fc_max = nn.Linear(channels, hidden, bias=False)
            self.fc_avg = nn.Linear(channels, hidden, bias=False)
            self.fc_out = nn.Linear(hidden, channels, bias=False)
        else:
            self.fc = nn.Sequential(nn.Linear(channels, hidden, bias=False), nn.ReLU(),
                                    nn.Linear(hidden, channels, bias=False))

    def forward(self, x: Tensor) -> Tensor:
        """Same shape as ``x``."""
        avg = x.mean(dim=(2, 3))
        if self.kind == "maxavg":
            logits = self.fc_out(self.fc_max(x.amax(dim=(2, 3))) * self.fc_avg(avg))
        else:
            logits = self.fc(avg)
        return x * torch.sigmoid(logits)[:, :, None, None]


class MultiConvSelfAttention(nn.Module):
    """Multi-convolution self-attention (Liu et al. 2025): ``x + BN(dil3x3(x)) * sigmoid(conv1x1(ReLU([p, o])))``.

    ``p = BN(conv1x1(x))``, ``o = BN(conv3x3(x))``; dilation 2, padding 2; all convolutions with bias.

    Args:
        channels: channels ``C`` (kept).
        vote_bn: a BN between the fusing 1x1 and the sigmoid (released code: yes; paper: no).
    """

    def __init__(self, channels: int, vote_bn: bool = False) -> None:
        super().__init__()
        self.pointwise = nn.Sequential(nn.Conv2d(channels, channels, 1), nn.BatchNorm2d(channels))
        self.ordinary = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels))
        self.dilated = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=2, dilation=2),
                                     nn.BatchNorm2d(channels))
        vote: list[nn.Module] = [nn.Conv2d(2 * channels, channels, 1)]
        if vote_bn:
            vote.append(nn.BatchNorm2d(channels))
        self.vote = nn.Sequential(*vote)

    def forward(self, x: Tensor) -> Tensor:
        """Same shape as ``x``."""
        weights = torch.sigmoid(self.vote(torch.relu(torch.cat([self.pointwise(x), self.ordinary(x)], dim=1))))
        return x + self.dilated(x) * weights


class ARUNetEncoder(nn.Module):
    """Stem, four pool + residual stages and the SpConvMixer bottleneck; returns the five feature maps.

    Args:
        in_channels: image channels (3: the code converts grey ultrasound to RGB).
        widths: channels of the five levels (64, 128, 256, 512, 1024).
        residual_encoder: residual stem/units (False: plain U-Net encoder; ablation).
        spconvmixer: build and apply the SpConvMixer bottleneck (ablation).
        pool: ``"max2"`` (paper: 2x2 max pooling) or ``"max3s2"`` (code: 3x3, stride 2, padding 1).
        mixer_depth / mixer_kernel / mixer_residual / spatial_kernel: see :class:`SpConvMixer`.
        run_spatial_attention / run_mixer: whether ``forward`` applies them (the code builds but skips both).
        build_unused: with ``spconvmixer`` on but both ``run_*`` off, still build the module (its parameters
            count, as in the code); otherwise a module that never runs is not built.
        init: ``"default"`` (PyTorch) or ``"normal"`` (the code's N(0, 0.02) convolutions, N(1, 0.02) BN).
    """

    def __init__(self, in_channels: int = 3, widths: Sequence[int] = (64, 128, 256, 512, 1024),
                 residual_encoder: bool = True, spconvmixer: bool = True, pool: str = "max2",
                 mixer_depth: int = 5, mixer_kernel: int = 3, mixer_residual: str = "depthwise",
                 spatial_kernel: int = 7, run_spatial_attention: bool = True, run_mixer: bool = True,
                 build_unused: bool = False, init: str = "default") -> None:
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if len(widths) != 5 or min(widths) < 1:
            raise ValueError(f"widths must be 5 positive channel counts, got {widths}")
        if pool not in ("max2", "max3s2"):
            raise ValueError(f"pool must be 'max2' or 'max3s2', got {pool!r}")
        _check_init(init)
        self.in_channels = in_channels
        self.widths = widths
        self.stem = Stem(in_channels, widths[0], residual=residual_encoder)
        self.pool = nn.MaxPool2d(2, 2) if pool == "max2" else nn.MaxPool2d(3, 2, padding=1)
        self.stages = nn.ModuleList(ResidualUnit(widths[i], widths[i + 1], residual=residual_encoder)
                                    for i in range(4))
        runs = run_spatial_attention or run_mixer
        self.bottleneck = None
        if spconvmixer and (runs or build_unused):
            self.bottleneck = SpConvMixer(widths[4], mixer_depth, mixer_kernel, mixer_residual, spatial_kernel,
                                          run_spatial_attention, run_mixer)
        if init == "normal":
            _init_normal(self)

    size_divisor = 16  # four halvings

    def forward(self, x: Tensor) -> list[Tensor]:
        """``[feat1 .. feat5]`` at strides 1, 2, 4, 8, 16 (feat5 after the bottleneck)."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"ARU-Net expects (N, {self.in_channels}, H, W), got {tuple(x.shape)}")
        h, w = x.shape[-2:]
        if h % self.size_divisor or w % self.size_divisor:
            raise ValueError(f"ARU-Net input {h}x{w} is not a multiple of {self.size_divisor}; resize or pad it "
                             f"(mmseg: data_preprocessor size_divisor={self.size_divisor})")
        feats = [self.stem(x)]
        for stage in self.stages:
            feats.append(stage(self.pool(feats[-1])))
        if self.bottleneck is not None:
            feats[-1] = self.bottleneck(feats[-1])
        return feats


class ARUNetDecoder(nn.Module):
    """Four up-sampling stages with self-attention, skip concatenation, channel attention and a conv block.

    Stage ``i`` (0 = deepest) maps ``widths[4 - i]`` to ``widths[3 - i]`` channels:
    ``up = CBR(nearest_x2(x))``; ``up = SA(up)`` if ``i in sa_stages``; ``z = cat(up, skip)``;
    ``z = CA(z)``; ``x = CBR(z)`` (decoder convolutions with bias, as in the code).

    Args:
        widths: the encoder's five widths.
        channel_attention: build and apply channel attention at each fusion (ablation).
        self_attention: build and apply the multi-conv self-attention (ablation).
        channel_attention_type: ``"maxavg"`` (paper) or ``"se"`` (code); see :class:`ChannelAttention`.
        ca_ratio: channel-attention reduction ratio.
        sa_stages: up-stages (0..3, deepest first) with self-attention (paper: all; code: 1, 2, 3).
        sa_vote_bn: see :class:`MultiConvSelfAttention`.
        run_channel_attention: whether ``forward`` applies the channel attention (code: no).
        build_unused: build the channel attention even when it does not run (the code's parameter count).
        init: ``"default"`` or ``"normal"`` (see :class:`ARUNetEncoder`).
        upsample_mode: interpolation of the x2 up-sampling before its conv3x3-BN-ReLU (the paper does not say;
            ``"nearest"`` as the code, or ``"bilinear"``).
    """

    def __init__(self, widths: Sequence[int] = (64, 128, 256, 512, 1024), channel_attention: bool = True,
                 self_attention: bool = True, channel_attention_type: str = "maxavg", ca_ratio: int = 16,
                 sa_stages: Sequence[int] = (0, 1, 2, 3), sa_vote_bn: bool = False,
                 run_channel_attention: bool = True, build_unused: bool = False, init: str = "default",
                 upsample_mode: str = "nearest") -> None:
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if upsample_mode not in ("nearest", "bilinear"):
            raise ValueError(f"upsample_mode must be 'nearest' or 'bilinear', got {upsample_mode!r}")
        if len(widths) != 5:
            raise ValueError(f"widths must be 5 channel counts, got {widths}")
        if any(s not in (0, 1, 2, 3) for s in sa_stages):
            raise ValueError(f"sa_stages must be within 0..3, got {tuple(sa_stages)}")
        _check_init(init)
        self.widths = widths
        self.run_channel_attention = run_channel_attention
        self.ups = nn.ModuleList()
        self.self_attn = nn.ModuleList()
        self.channel_attn = nn.ModuleList()
        self.fuse = nn.ModuleList()
        build_ca = channel_attention and (run_channel_attention or build_unused)
        for i in range(4):
            cin, cout = widths[4 - i], widths[3 - i]
            up = nn.Upsample(scale_factor=2, mode=upsample_mode)
            self.ups.append(nn.Sequential(up, _conv_bn_relu(cin, cout, True)))
            self.self_attn.append(MultiConvSelfAttention(cout, sa_vote_bn) if self_attention and i in sa_stages
                                  else nn.Identity())
            fused = cout + widths[3 - i]
            self.channel_attn.append(ChannelAttention(fused, ca_ratio, channel_attention_type) if build_ca
                                     else nn.Identity())
            self.fuse.append(_conv_bn_relu(fused, cout, True))
        if init == "normal":
            _init_normal(self)

    def forward(self, feats: Sequence[Tensor]) -> Tensor:
        """``feats = [feat1 .. feat5]`` -> the full-resolution ``(N, widths[0], H, W)`` map."""
        x = feats[4]
        for i in range(4):
            x = self.self_attn[i](self.ups[i](x))
            x = torch.cat([x, feats[3 - i]], dim=1)
            if self.run_channel_attention:
                x = self.channel_attn[i](x)
            x = self.fuse[i](x)
        return x


class ARUNet(nn.Module):
    """ARU-Net: :class:`ARUNetEncoder`, :class:`ARUNetDecoder` and a 1x1 classifier to ``num_classes`` logits.

    Args:
        in_channels: image channels.
        num_classes: output logits (2: background + lesion, softmax).
        preset: ``"paper"`` (default) or ``"code"``: fills the open choices (see the module docstring).
        widths: channels of the five levels.
        residual_encoder / spconvmixer / channel_attention / self_attention: ablation switches (Tables 6-7).
        encoder: overrides of the preset's encoder options (:class:`ARUNetEncoder` keywords).
        decoder: overrides of the preset's decoder options (:class:`ARUNetDecoder` keywords).
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 2, preset: str = "paper",
                 widths: Sequence[int] = (64, 128, 256, 512, 1024), residual_encoder: bool = True,
                 spconvmixer: bool = True, channel_attention: bool = True, self_attention: bool = True,
                 encoder: dict | None = None, decoder: dict | None = None) -> None:
        super().__init__()
        opts = aru_net_options(preset)
        enc = {**opts["encoder"], **(encoder or {})}
        dec = {**opts["decoder"], **(decoder or {})}
        self.encoder = ARUNetEncoder(in_channels, widths, residual_encoder=residual_encoder,
                                     spconvmixer=spconvmixer, **enc)
        self.decoder = ARUNetDecoder(widths, channel_attention=channel_attention, self_attention=self_attention,
                                     **dec)
        self.classifier = nn.Conv2d(widths[0], num_classes, 1)
        if dec.get("init") == "normal":
            _init_normal(self.classifier)

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(N, num_classes, H, W)``; H, W multiples of 16."""
        return self.classifier(self.decoder(self.encoder(x)))
