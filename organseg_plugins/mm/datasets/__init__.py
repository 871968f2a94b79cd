"""Datasets and transforms registered in mmseg's ``DATASETS`` / ``TRANSFORMS``."""

from . import transforms  # noqa: F401  (registers the transforms)
from .binary_organ import BinaryOrganDataset, LiverCTDataset, PancreasCTDataset, SpleenUSDataset
from .degraded_slices import DegradedSliceDataset
from .spleen_views import SpleenViewsDataset
from .transforms import HSVRandomAug, LoadBinaryAnnotations, RandomTranslateScale
from .us_lesions import BreastLesionUSDataset, ThyroidNoduleUSDataset

__all__ = ["BinaryOrganDataset", "BreastLesionUSDataset", "DegradedSliceDataset", "HSVRandomAug", "LiverCTDataset",
           "LoadBinaryAnnotations", "PancreasCTDataset", "RandomTranslateScale", "SpleenUSDataset",
           "SpleenViewsDataset", "ThyroidNoduleUSDataset"]
