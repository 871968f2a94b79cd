"""Transforms registered in mmseg's ``TRANSFORMS``: the bit-depth-keeping mask loader and Table 1 augmentation."""

from .augment import HSVRandomAug, RandomTranslateScale
from .loading import LoadBinaryAnnotations

__all__ = ["HSVRandomAug", "LoadBinaryAnnotations", "RandomTranslateScale"]
