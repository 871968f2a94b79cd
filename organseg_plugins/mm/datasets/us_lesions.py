"""Ultrasound lesion datasets (breast masses, thyroid nodules) of Liu et al. 2025, "Attention residual network for
medical ultrasound image segmentation" (Sci Rep 15:22155), in the layout written by
``datasets_prep/us_lesions_to_mmseg.py`` (``img_dir``/``ann_dir`` 0/1 PNGs + ``meta.csv``)."""

from __future__ import annotations

from mmseg.registry import DATASETS

from organseg_plugins.mm.datasets.binary_organ import BinaryOrganDataset


@DATASETS.register_module()
class BreastLesionUSDataset(BinaryOrganDataset):
    """Breast lesion vs background (BUSI and other breast sets; ``meta.csv`` class benign/malignant)."""

    METAINFO = dict(classes=("background", "lesion"), palette=[[0, 0, 0], [255, 200, 0]])


@DATASETS.register_module()
class ThyroidNoduleUSDataset(BinaryOrganDataset):
    """Thyroid nodule vs background (TN3K, DDTI, "TUS" folders)."""

    METAINFO = dict(classes=("background", "nodule"), palette=[[0, 0, 0], [0, 200, 255]])
