"""Segmentors: the adversarial segmentor (Pix2Pix, constrained U-Net), its distributed wrapper, flip TTA."""

from .adversarial import AdversarialSegmentor, Adversary
from .distributed import AdversarialDistributedWrapper
from .tta import OrganSegTTAModel

__all__ = ["AdversarialDistributedWrapper", "AdversarialSegmentor", "Adversary", "OrganSegTTAModel"]
