"""Input checks every converter relies on: the mask rules for other tools' exports and the output-folder
check (organseg_plugins.core.io.validate / io.paths, called with the converters' settings)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.paths import check_output_dir
from organseg_plugins.core.io.validate import as_binary_mask


def test_converter_mask_rules():
    """Converters read other tools' exports: 0/255 and grey-as-RGB are converted, the rest refused."""
    def to_mask(m, src, label=None):
        return as_binary_mask(m, src, label=label, allow_255=True, ndim=(2,), grey_rgb=True)

    m01 = np.array([[0, 1], [1, 0]], np.uint8)
    np.testing.assert_array_equal(to_mask(m01, "a"), m01)
    np.testing.assert_array_equal(to_mask(m01 * 255, "b"), m01)  # explicit 0/255 binary
    np.testing.assert_array_equal(to_mask(np.dstack([m01 * 255] * 3), "c"), m01)
    np.testing.assert_array_equal(to_mask(np.array([[0, 2], [7, 2]]), "d", label=2), [[0, 1], [0, 1]])
    for bad, what in ((np.array([[0, 1], [255, 0]], np.uint8), "{0, 1, 255}"),
                      (np.array([[0, 128], [255, 0]], np.uint8), "{0, 128, 255}")):
        message = (f"bad.png: mask has values {what} (dtype uint8); expected 0/1 (a label map: choose the "
                   "organ's value with label= / --label)")
        with pytest.raises(OrgansegInputError, match=rf"^{re.escape(message)}$"):
            to_mask(bad, "bad.png")
    with pytest.raises(OrgansegInputError, match=r"^rgb\.png: mask is a 3-channel colour image \(shape \(2, 2, 3\)\); "
                                                 r"expected a single-channel 0/1 mask \(convert colour label maps "
                                                 r"with their label colours first\)$"):
        to_mask(np.dstack([m01, m01 * 0, m01]), "rgb.png")


def test_output_dir_inside_input_is_refused(tmp_path):
    (tmp_path / "in").mkdir()
    inp = str(tmp_path / "in")
    outside = "choose an output folder outside the input"
    for bad, message in (
        (tmp_path / "in", f"output folder {inp!r} is the input folder {inp!r} or inside it; {outside} "
                          "(converters never write into their input)"),
        (tmp_path / "in" / "out", f"output folder {str(tmp_path / 'in' / 'out')!r} is the input folder {inp!r} "
                                  f"or inside it; {outside} (converters never write into their input)"),
        (tmp_path, f"output folder {str(tmp_path)!r} contains the input folder {inp!r}; {outside}"),
    ):
        with pytest.raises(OrgansegInputError, match=rf"^{re.escape(message)}$"):
            check_output_dir(bad, [tmp_path / "in"])
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    full = str(tmp_path / "full")
    with pytest.raises(OrgansegInputError, match=rf"^output folder {re.escape(repr(full))} is not empty; choose a "
                                                 r"new folder or pass overwrite \(--overwrite\) to replace files "
                                                 r"of the same name$"):
        check_output_dir(tmp_path / "full", [tmp_path / "in"])
    check_output_dir(tmp_path / "full", [tmp_path / "in"], overwrite=True)
