"""Binary organ datasets for MMSegmentation (mmseg folder layout plus an optional per-image CSV)."""

from __future__ import annotations

import os.path as osp

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from organseg_plugins.core.converters import read_csv_rows
from organseg_plugins.core.errors import OrgansegInputError


def _read_meta_csv(path: str) -> dict[str, dict]:
    """Read ``meta.csv`` (one row per image, keyed by ``filename``) into ``{stem: row}``.

    The core's CSV reader handles a BOM (spreadsheet exports), stripped cells and the required column;
    empty cells become ``None`` (the metric then skips that value) and numbers are parsed.
    """
    rows: dict[str, dict] = {}
    for row in read_csv_rows(path, required=("filename",)):
        stem = osp.splitext(osp.basename(row["filename"]))[0]
        rows[stem] = {k: _to_number(v) for k, v in row.items()}
    return rows


def _to_number(value: str):
    if value == "":
        return None
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


@DATASETS.register_module()
class BinaryOrganDataset(BaseSegDataset):
    """One organ vs background, in mmseg's ``img_dir/{split}`` + ``ann_dir/{split}`` layout.

    Masks are 0/1 PNGs with the image's file stem. An optional CSV (``meta_file``, relative to
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
        if self.meta_file:
            path = self.meta_file if osp.isabs(self.meta_file) else osp.join(self.data_root, self.meta_file)
            if not osp.isfile(path):
                raise OrgansegInputError(f"{type(self).__name__}: meta_file not found: {path}")
            meta = _read_meta_csv(path)
            for info in data_list:
                stem = osp.splitext(osp.basename(info["img_path"]))[0]
                if stem not in meta:
                    raise OrgansegInputError(f"{path}: no row for image {info['img_path']}")
                row = meta[stem]
                keys = self.meta_keys or [k for k in row if k != "filename"]
                info.update({k: row[k] for k in keys})
        return data_list


@DATASETS.register_module()
class SpleenUSDataset(BinaryOrganDataset):
    """Spleen vs background in ultrasound (Spleenex-style PNG pairs + ``meta.csv`` with spacing and length)."""

    METAINFO = dict(classes=("background", "spleen"), palette=[[0, 0, 0], [255, 64, 64]])


@DATASETS.register_module()
class LiverCTDataset(BinaryOrganDataset):
    """Liver vs background in CT slices (mmseg layout + ``meta.csv`` with pixel spacing)."""

    METAINFO = dict(classes=("background", "liver"), palette=[[0, 0, 0], [64, 200, 64]])
