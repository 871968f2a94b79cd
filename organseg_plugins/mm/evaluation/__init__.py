"""Evaluation metrics registered in mmseg's ``METRICS``."""

from .metrics import CTVolumeMetric, OrganSegMetric, PSNRSSIMMetric, SegLossMetric, VolumeMRVAMetric

__all__ = ["CTVolumeMetric", "OrganSegMetric", "PSNRSSIMMetric", "SegLossMetric", "VolumeMRVAMetric"]
