"""Binary organ datasets for MMSegmentation (mmseg folder layout plus an optional per-image CSV)."""

from __future__ import annotations

import os.path as osp

from mmengine import fileio
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from organseg_plugins.core.errors import OrgansegInputError, input_error_lines
from organseg_plugins.core.io.images import read_image_file
from organseg_plugins.core.io.tables import read_meta_csv


@DATASETS.register_module()
class BinaryOrganDataset(BaseSegDataset):
    """One organ vs background, in mmseg's ``img_dir/{split}`` + ``ann_dir/{split}`` layout.

    Masks are 0/1 PNGs with the image's file stem; an image without its mask, and a mask without its image
    (which mmseg would ignore in silence), are errors naming the file. An optional CSV (``meta_file``, relative to
    ``data_root``) adds per-image values such as ``spacing_mm`` and ``length_mm`` to each sample's
    data info, so that metrics in mm (surface distances, spleen length) can read them from the
    sample's metainfo (list them in ``PackSegInputs(meta_keys=...)``).

    Args:
        meta_file: CSV with a ``filename`` column, or ``None``.
        meta_keys: CSV columns copied into every data info (default: all columns but filename).
        **kwargs: :class:`mmseg.datasets.BaseSegDataset` arguments.
    """

    METAINFO = dict(classes=("background", "organ"), palette=[[0, 0, 0], [255, 64, 64]])

    def __init__(self, meta_file: str | None = None, meta_keys: tuple[str, ...] | None = None,
                 img_suffix: str = ".png", seg_map_suffix: str = ".png", reduce_zero_label: bool = False,
                 **kwargs) -> None:
        self.meta_file = meta_file
        self.meta_keys = meta_keys
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         reduce_zero_label=reduce_zero_label, **kwargs)

    def load_data_list(self) -> list[dict]:
        """Check the folders and files exist, then list samples with their CSV values."""
        img_dir = self.data_prefix.get("img_path", "")
        ann_dir = self.data_prefix.get("seg_map_path", "")
        for what, folder in (("image", img_dir), ("annotation", ann_dir)):
            if folder and not osp.isdir(folder):
                raise OrgansegInputError(
                    f"{type(self).__name__}: {what} folder not found: {folder} (data_root={self.data_root!r}). "
                    "Point data_root at your data or generate phantoms with "
                    "'python datasets_prep/make_phantoms.py --out data/phantom'."
                )
        data_list = super().load_data_list()
        if not data_list:
            raise OrgansegInputError(f"{type(self).__name__}: no '*{self.img_suffix}' images in {img_dir}")
        for info in data_list:
            if ann_dir and not osp.isfile(info["seg_map_path"]):
                raise OrgansegInputError(f"{info['img_path']}: its mask {info['seg_map_path']} is missing")
        if ann_dir and (not self.ann_file or osp.isdir(self.ann_file)):  # listed from img_dir, not from a file
            self._check_masks_have_images(img_dir, ann_dir, data_list)
        if self.meta_file:
            path = self.meta_file if osp.isabs(self.meta_file) else osp.join(self.data_root, self.meta_file)
            if not osp.isfile(path):
                raise OrgansegInputError(f"{type(self).__name__}: meta_file not found: {path}")
            meta = {osp.splitext(osp.basename(k))[0]: v for k, v in read_meta_csv(path).items()}
            for info in data_list:
                stem = osp.splitext(osp.basename(info["img_path"]))[0]
                if stem not in meta:
                    raise OrgansegInputError(f"{path}: no row for image {info['img_path']}")
                row = meta[stem]
                keys = self.meta_keys or list(row)
                info.update({k: row.get(k) for k in keys})  # an empty cell gives None: the metric skips it
        return data_list

    def _check_masks_have_images(self, img_dir: str, ann_dir: str, data_list: list[dict]) -> None:
        """Refuse masks in ``ann_dir`` without an image in ``img_dir`` (mmseg lists the images and ignores them).

        A mask is a file ending in ``seg_map_suffix`` under ``ann_dir`` (sub-folders too, as the images); its
        image is ``img_dir/<same relative path and stem><img_suffix>``.

        Raises:
            OrgansegInputError: One line per mask without an image, naming the mask and the image expected.
        """
        expected = {info["seg_map_path"] for info in data_list}
        masks = fileio.list_dir_or_file(dir_path=ann_dir, list_dir=False, suffix=self.seg_map_suffix,
                                        recursive=True, backend_args=self.backend_args)
        orphans = sorted(m for m in masks if osp.join(ann_dir, m) not in expected)  # relative to ann_dir
        if not orphans:
            return
        n = len(self.seg_map_suffix)
        lines = [f"{osp.join(ann_dir, m)}: mask without an image: no {osp.join(img_dir, m[:len(m) - n] + self.img_suffix)} "
                 "(remove the mask or restore its image)" for m in orphans]
        if len(orphans) > 1:
            lines.insert(0, f"{type(self).__name__}: {len(orphans)} masks in {ann_dir} have no image in {img_dir}:")
        raise input_error_lines(lines)

    def prepare_data(self, idx: int):
        """Run the pipeline; if it fails on a file the core cannot read either, name that file.

        mmcv's loaders end a truncated or corrupt PNG in an ``AssertionError`` (or a ``None`` image
        further down); here the sample's image and mask are re-read with the project's reader,
        whose error names the file, and that error is raised instead. A pipeline failure on files
        that read fine is re-raised unchanged.
        """
        try:
            return super().prepare_data(idx)
        except OrgansegInputError:
            raise
        except Exception as err:
            info = self.get_data_info(idx)
            for key in ("img_path", "seg_map_path"):
                if info.get(key):
                    read_image_file(info[key])  # raises OrgansegInputError naming the file
            raise err


@DATASETS.register_module()
class SpleenUSDataset(BinaryOrganDataset):
    """Spleen vs background in ultrasound (Spleenex-style PNG pairs + ``meta.csv`` with spacing and length)."""

    METAINFO = dict(classes=("background", "spleen"), palette=[[0, 0, 0], [255, 64, 64]])


@DATASETS.register_module()
class LiverCTDataset(BinaryOrganDataset):
    """Liver vs background in CT slices (mmseg layout + ``meta.csv`` with pixel spacing)."""

    METAINFO = dict(classes=("background", "liver"), palette=[[0, 0, 0], [64, 200, 64]])


@DATASETS.register_module()
class PancreasCTDataset(BinaryOrganDataset):
    """Pancreas vs background in CT slices (``datasets_prep/ct_volumes_to_mmseg.py``: NIH Pancreas-CT, MSD Task07).

    Its ``meta.csv`` gives each slice's case, index and spacing for the per-volume ``CTVolumeMetric``.
    """

    METAINFO = dict(classes=("background", "pancreas"), palette=[[0, 0, 0], [255, 64, 64]])
