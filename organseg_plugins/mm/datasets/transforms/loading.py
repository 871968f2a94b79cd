"""Loading 0/1 organ masks for mmseg pipelines through the project's one mask validator."""

from __future__ import annotations

import numpy as np
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.images import read_image_file
from organseg_plugins.core.io.validate import check_label_values


@TRANSFORMS.register_module()
class LoadBinaryAnnotations(LoadAnnotations):
    """mmseg's ``LoadAnnotations`` plus checks that make bad masks fail loudly, naming the file.

    mmseg reads 255 as its ignore label, so a 0/255 mask would silently train on nothing; this
    transform rejects masks with values outside ``allowed_values`` and masks whose size differs from
    the image loaded before it. The mask is read through :func:`organseg_plugins.core.io.images.read_image_file`
    at the file's own bit depth and validated *before* any cast: mmseg's loader casts to uint8 first, so
    a 16-bit 0/256 mask would become all background (and train silently) and a 0/1000 mask would be
    reported as ``{0, 232}``. A 16-bit 0/1 mask is accepted.

    Args:
        allowed_values: label values a mask may contain (default 0/1).
        **kwargs: :class:`mmseg.datasets.transforms.LoadAnnotations` arguments.
    """

    def __init__(self, allowed_values: tuple[int, ...] = (0, 1), **kwargs) -> None:
        super().__init__(**kwargs)
        self.allowed_values = tuple(int(v) for v in allowed_values)
        if not all(0 <= v <= 255 for v in self.allowed_values):
            raise ValueError(f"LoadBinaryAnnotations: allowed_values must lie in 0..255 (mmseg's uint8 label maps), "
                             f"got {self.allowed_values}")

    def _load_seg_map(self, results: dict) -> None:
        path = results.get("seg_map_path", "<mask>")
        raw = read_image_file(path)  # unchanged depth and channels: what the file holds
        if raw.ndim == 3 and raw.shape[2] == 1:
            raw = raw[..., 0]
        if raw.ndim != 2:
            raise OrgansegInputError(f"{path}: mask has shape {raw.shape}; expected a single-channel label image")
        check_label_values(raw, path, self.allowed_values)
        seg = raw.astype(np.uint8)  # safe now: every value is one of allowed_values (<= 255)
        if self.reduce_zero_label is None:
            self.reduce_zero_label = results["reduce_zero_label"]
        if self.reduce_zero_label != results["reduce_zero_label"]:
            raise OrgansegInputError(f"{path}: reduce_zero_label differs between the dataset and LoadBinaryAnnotations")
        if self.reduce_zero_label:  # mmseg's LoadAnnotations semantics
            seg[seg == 0] = 255
            seg = seg - 1
            seg[seg == 254] = 255
        if results.get("label_map") is not None:
            mapped = seg.copy()
            for old_id, new_id in results["label_map"].items():
                mapped[seg == old_id] = new_id
            seg = mapped
        results["gt_seg_map"] = seg
        results["seg_fields"].append("gt_seg_map")
        ori_shape = results.get("ori_shape")  # the image as read, before any resize
        if ori_shape is not None and tuple(ori_shape[:2]) != seg.shape[:2]:
            raise OrgansegInputError(
                f"{path}: mask size {seg.shape[:2]} differs from image {results.get('img_path')} "
                f"size {tuple(ori_shape[:2])}"
            )

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, allowed_values={self.allowed_values})"
