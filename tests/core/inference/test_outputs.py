"""organseg_plugins.core.inference.outputs: measurements (hand-computed), masks and overlays on disk."""

from __future__ import annotations

import math

import nibabel as nib
import numpy as np
import pytest

from organseg_plugins.core.inference.inputs import InferenceInput, load_input
from organseg_plugins.core.inference.outputs import measure_rows, overlay, write_masks
from organseg_plugins.core.io.images import read_image_file


def _rect():
    m = np.zeros((6, 8), np.uint8)
    m[1:4, 2:6] = 1  # 3 rows x 4 cols = 12 pixels
    return m


def test_measure_image_with_spacing():
    item = InferenceInput("a", "a.png", "image", [np.zeros((6, 8), np.uint8)], spacing=(0.5, 2.0))
    (row,) = measure_rows(item, [_rect()])
    assert row["area_px"] == 12 and float(row["area_mm2"]) == pytest.approx(12 * 0.5 * 2.0)
    # corner pixel centres: 2 rows x 0.5 mm apart, 3 columns x 2 mm apart
    assert float(row["length_mm"]) == pytest.approx(math.hypot(2 * 0.5, 3 * 2.0), abs=1e-4)
    assert row["slice"] == "" and row["volume_ml"] == ""


def test_measure_volume_and_unknown_spacing():
    item = InferenceInput("v", "v", "dicom_series", [np.zeros((6, 8), np.uint8)] * 2, spacing=(0.5, 2.0),
                          slice_thickness=3.0)
    rows = measure_rows(item, [_rect(), _rect()])
    assert [r["slice"] for r in rows] == [0, 1, "all"]
    assert float(rows[-1]["volume_ml"]) == pytest.approx(24 * 0.5 * 2.0 * 3.0 / 1000)  # 0.072 mL
    plain = measure_rows(InferenceInput("b", "b", "image", [np.zeros((6, 8), np.uint8)]), [_rect()])
    assert plain[0]["area_mm2"] == "" and plain[0]["length_mm"] == "" and plain[0]["area_px"] == 12


def test_write_png_and_nifti(tmp_path):
    img = InferenceInput("a", "a.png", "image", [np.full((6, 8), 100, np.uint8)])
    files = write_masks(img, [_rect()], tmp_path)
    np.testing.assert_array_equal(read_image_file(tmp_path / "masks" / "a.png"), _rect())
    assert str(tmp_path / "overlays" / "a.png") in files
    # a NIfTI input stored RAS (i -> Right): the slices are LPS (x flipped), the mask goes back in storage order
    affine = np.diag([0.8, 0.7, 2.5, 1.0])
    nib.save(nib.Nifti1Image(np.zeros((8, 6, 2), np.int16), affine), str(tmp_path / "v.nii.gz"))
    vol = load_input(tmp_path / "v.nii.gz")
    assert vol.slices[0].shape == (6, 8)
    write_masks(vol, [_rect(), np.zeros((6, 8), np.uint8)], tmp_path / "out", overlays=False)
    back = nib.load(str(tmp_path / "out" / "masks" / "v.nii.gz"))
    np.testing.assert_allclose(back.affine, affine, rtol=1e-6)
    assert back.shape == (8, 6, 2) and int(np.asarray(back.dataobj).sum()) == 12
    data = np.asarray(back.dataobj)
    np.testing.assert_array_equal(data[:, :, 0], _rect()[::-1, ::-1].T)  # LPS slice -> RAS storage (i, j)
    write_masks(vol, [_rect(), _rect()], tmp_path / "png", overlays=False, nifti_masks=False)
    assert sorted(p.name for p in (tmp_path / "png" / "masks").iterdir()) == ["v_0000.png", "v_0001.png"]


def test_overlay_colour():
    out = overlay(np.zeros((6, 8), np.uint8), _rect(), colour=(0, 0, 200), alpha=0.5)
    assert out.shape == (6, 8, 3) and out[0, 0].tolist() == [0, 0, 0]
    assert out[2, 3].tolist() == [0, 0, 100]  # inside: half of the colour
    assert out[1, 2].tolist() == [0, 0, 200]  # the outline: full colour
