"""The one mask validator: every bad-mask kind is refused with one message format, by every caller."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

from organseg_plugins.core import metrics as M
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.evaluation.folders import read_mask_file
from organseg_plugins.core.io import (
    as_binary_mask,
    as_spacing,
    check_label_values,
    masks_to_coco,
    read_binary_mask,
)
from organseg_plugins.core.transforms.postprocess import postprocess_mask


def _square(value: int = 1, dtype=np.uint8) -> np.ndarray:
    m = np.zeros((16, 16), dtype)
    m[4:10, 5:12] = value
    return m


BAD = {
    # kind: (array, text the message must contain)
    "0/255": (_square(255), "values {0, 255} (dtype uint8); expected 0/1 (a 0/255 mask: divide it by 255)"),
    "16-bit": (_square(65535, np.uint16), "values {0, 65535} (dtype uint16); expected 0/1 (a 16-bit 0/65535 mask"),
    "label map": (_square(1) + 2 * np.eye(16, dtype=np.uint8), "(a label map: choose the organ's value with label="),
    "probabilities": (_square(1).astype(np.float32) * 0.7, "(probabilities? threshold them first)"),
    "NaN": (np.where(_square(1) > 0, np.nan, 0.0), "mask contains NaN or inf"),
    "RGB": (np.dstack([_square(1), _square(1), np.zeros((16, 16), np.uint8)]),
            "mask has shape (16, 16, 3); expected a 2-D mask (a 3-channel colour image?"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_every_bad_kind_is_refused_naming_the_source(kind):
    arr, text = BAD[kind]
    with pytest.raises(OrgansegInputError, match=f"^case7\\.png: .*{re.escape(text)}") as err:
        as_binary_mask(arr, "case7.png", ndim=(2,))
    msg = str(err.value)
    assert msg.startswith("case7.png: ") and text in msg, msg


def test_clean_masks_pass_without_copy():
    m = _square(1)
    assert as_binary_mask(m) is m  # uint8 0/1: returned as is
    b = m.astype(bool)
    out = as_binary_mask(b)
    assert out.dtype == np.uint8 and np.shares_memory(out, b)
    np.testing.assert_array_equal(as_binary_mask(m.astype(np.float64)), m)
    np.testing.assert_array_equal(as_binary_mask(_square(3), label=3), m)  # a label map with label=


def test_converters_opt_in_to_255_and_grey_rgb():
    np.testing.assert_array_equal(as_binary_mask(_square(255), allow_255=True), _square(1))
    grey = np.dstack([_square(255)] * 3)
    np.testing.assert_array_equal(as_binary_mask(grey, allow_255=True, ndim=(2,), grey_rgb=True), _square(1))
    with pytest.raises(OrgansegInputError, match="0/1"):  # {0, 1, 255} is not a binary mask even then
        as_binary_mask(_square(255) + np.eye(16, dtype=np.uint8), "x", allow_255=True)


def test_same_message_from_reader_metric_coco_postprocess_and_evaluator(tmp_path):
    """A 0/255 mask gets the validator's message from every caller (only the source name differs)."""
    path = tmp_path / "bad.png"
    cv2.imwrite(str(path), _square(255))
    expected = re.escape("mask has values {0, 255} (dtype uint8); expected 0/1 (a 0/255 mask: divide it by 255)")
    calls = {
        "read_binary_mask": lambda: read_binary_mask(path),
        "read_mask_file": lambda: read_mask_file(path),
        "compute_all": lambda: M.compute_all(_square(255), _square(1)),
        "masks_to_coco": lambda: masks_to_coco([{"file_name": "bad.png", "mask": _square(255)}],
                                               [{"id": 1, "name": "organ"}]),
        "postprocess_mask": lambda: postprocess_mask(_square(255)),
    }
    for call in calls.values():
        with pytest.raises(OrgansegInputError, match=expected):
            call()
    for name in ("read_binary_mask", "read_mask_file"):  # file readers name the file
        with pytest.raises(OrgansegInputError, match=re.escape(str(path))):
            calls[name]()


def test_label_values_with_ignore_index():
    seg = _square(1)
    seg[0, 0] = 255
    check_label_values(seg, "a.png", (0, 1, 255))  # ignore label allowed
    with pytest.raises(OrgansegInputError, match=r"a.png: mask has values \{0, 1, 255\}.*expected only 0/1"):
        check_label_values(seg, "a.png", (0, 1))


@pytest.mark.parametrize("bad", [float("nan"), 0.0, -1.0, (1.0, 0.0), "abc", (1.0, 2.0, 3.0)])
def test_spacing_is_refused_naming_the_source(bad):
    with pytest.raises(OrgansegInputError, match=r"^meta.csv row 3: spacing"):
        as_spacing(bad, 2, "meta.csv row 3")


def test_spacing_values():
    assert as_spacing(None, 3) == (1.0, 1.0, 1.0)
    assert as_spacing(0.5, 2) == (0.5, 0.5)
    assert as_spacing([2.5, 0.7, 0.8], 3) == (2.5, 0.7, 0.8)
