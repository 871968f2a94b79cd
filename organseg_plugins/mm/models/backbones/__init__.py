"""Backbones: ARU-Net, the liver U-Net (Table 4), the constrained U-Net, the ultrasound baselines."""

from .aru_net import ARUNetBackbone
from .constrained_unet import ConstrainedUNetBackbone
from .liver_unet import LiverUNetBackbone
from .us_baselines import AttentionUNetBackbone, SegNetBackbone, UNetPlusPlusBackbone

__all__ = ["ARUNetBackbone", "AttentionUNetBackbone", "ConstrainedUNetBackbone", "LiverUNetBackbone",
           "SegNetBackbone", "UNetPlusPlusBackbone"]
