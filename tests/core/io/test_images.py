"""Image files: missing, empty, truncated or non-image files are one error naming the file."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io import encode_png, read_binary_mask, read_image_file


def test_roundtrip_and_errors(tmp_path):
    m = np.zeros((20, 30), np.uint8)
    m[5:9, 3:20] = 1
    p = tmp_path / "m.png"
    p.write_bytes(encode_png(m))
    np.testing.assert_array_equal(read_binary_mask(p), m)
    with pytest.raises(OrgansegInputError, match="file does not exist"):
        read_image_file(tmp_path / "nope.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(OrgansegInputError, match=r"empty\.png: file is empty"):
        read_image_file(tmp_path / "empty.png")
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(OrgansegInputError, match=r"text\.png: cannot be decoded"):
        read_image_file(tmp_path / "text.png")


def test_truncated_png_is_refused(tmp_path):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (64, 64), dtype=np.uint8)  # noise: compresses badly, so the data is long
    data = encode_png(img)
    p = tmp_path / "cut.png"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(OrgansegInputError, match=r"cut\.png: cannot be decoded"):
        read_image_file(p)
    assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) is not None  # the whole file reads
