"""Metrics: per-image organ scores, per-volume CT scores, MRVA, PSNR/SSIM, validation loss."""

from .ct_volume_metric import CTVolumeMetric
from .organ_seg_metric import OrganSegMetric
from .psnr_ssim_metric import PSNRSSIMMetric
from .seg_loss_metric import SegLossMetric
from .volume_mrva_metric import VolumeMRVAMetric

__all__ = ["CTVolumeMetric", "OrganSegMetric", "PSNRSSIMMetric", "SegLossMetric", "VolumeMRVAMetric"]
