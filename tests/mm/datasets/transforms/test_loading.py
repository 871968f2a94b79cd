"""LoadBinaryAnnotations validates masks at the bit depth the file holds (16-bit PNGs included)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import TRANSFORMS

import organseg_plugins.mm  # noqa: F401  (registers)
from organseg_plugins.core.errors import OrgansegInputError

init_default_scope("mmseg")


def _load(path, **kw):
    t = TRANSFORMS.build(dict(type="LoadBinaryAnnotations", **kw))
    return t(dict(seg_map_path=str(path), reduce_zero_label=False, seg_fields=[]))


def _write16(tmp_path, values) -> str:
    m = np.zeros((8, 10), np.uint16)
    m[2:5, 3:7] = values
    path = tmp_path / "mask16.png"
    assert cv2.imwrite(str(path), m)
    assert cv2.imread(str(path), cv2.IMREAD_UNCHANGED).dtype == np.uint16  # really a 16-bit file
    return path


def test_16bit_0_1_mask_is_accepted(tmp_path):
    out = _load(_write16(tmp_path, 1))
    seg = out["gt_seg_map"]
    assert seg.dtype == np.uint8 and seg.sum() == 3 * 4  # the 12 foreground pixels, hand-counted
    assert out["seg_fields"] == ["gt_seg_map"]


@pytest.mark.parametrize("value", [256, 1000])
def test_16bit_masks_beyond_0_1_are_refused_with_the_files_values(tmp_path, value):
    # mmseg's LoadAnnotations casts to uint8 first: 256 -> 0 (an all-background mask, silently) and
    # 1000 -> 232; the file holds {0, value} as uint16, and that is what the error must say.
    path = _write16(tmp_path, value)
    with pytest.raises(OrgansegInputError, match=rf"mask16\.png: mask has values \{{0, {value}\}} \(dtype uint16\)"):
        _load(path)


def test_8bit_0_255_is_still_refused(tmp_path):
    m = np.zeros((6, 6), np.uint8)
    m[1:3, 1:3] = 255
    path = tmp_path / "m255.png"
    cv2.imwrite(str(path), m)
    with pytest.raises(OrgansegInputError, match=r"m255\.png: mask has values \{0, 255\} \(dtype uint8\).*divide it by 255"):
        _load(path)


def test_reduce_zero_label_follows_mmseg(tmp_path):
    m = np.zeros((4, 4), np.uint8)
    m[0, 0] = 1
    path = tmp_path / "m.png"
    cv2.imwrite(str(path), m)
    t = TRANSFORMS.build(dict(type="LoadBinaryAnnotations", reduce_zero_label=True))
    seg = t(dict(seg_map_path=str(path), reduce_zero_label=True, seg_fields=[]))["gt_seg_map"]
    # mmseg: 0 -> 255 (ignore), 1 -> 0
    assert seg[0, 0] == 0 and (seg.ravel()[1:] == 255).all()


def test_allowed_values_must_fit_uint8():
    with pytest.raises(ValueError, match=r"allowed_values must lie in 0\.\.255"):
        TRANSFORMS.build(dict(type="LoadBinaryAnnotations", allowed_values=(0, 1, 300)))
