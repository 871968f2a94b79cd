"""Decode heads: ARU-Net, the liver U-Net, the constrained U-Net, torchvision's DeepLabV3 head."""

from .aru_net_head import ARUNetHead
from .constrained_unet_head import ConstrainedUNetHead
from .liver_unet_head import LiverUNetHead
from .torchvision_aspp_head import TorchvisionASPPHead

__all__ = ["ARUNetHead", "ConstrainedUNetHead", "LiverUNetHead", "TorchvisionASPPHead"]
