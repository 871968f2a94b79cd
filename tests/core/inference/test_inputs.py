"""organseg_plugins.core.inference.inputs: images, DICOM and NIfTI as 8-bit slices with their geometry."""

from __future__ import annotations

import shutil

import nibabel as nib
import numpy as np
import pytest
from pydicom.data import get_testdata_file

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.inference.inputs import load_input, to_uint8
from organseg_plugins.core.io.atomic import atomic_imwrite_png


def test_png(tmp_path):
    img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    atomic_imwrite_png(tmp_path / "a.png", img)
    item = load_input(tmp_path / "a.png")
    assert (item.name, item.kind, item.spacing, item.is_volume) == ("a", "image", None, False)
    np.testing.assert_array_equal(item.slices[0], img)


def test_dicom_file_spacing():
    item = load_input(get_testdata_file("CT_small.dcm"))
    assert item.kind == "dicom" and item.slices[0].dtype == np.uint8 and item.slices[0].shape == (128, 128)
    assert item.spacing == pytest.approx((0.661468, 0.661468))


def test_nifti_volume(tmp_path):
    data = np.zeros((5, 6, 2), dtype=np.int16)
    data[1:3, 1:4, 1] = 1000  # above the window: 255
    affine = np.diag([0.8, 0.7, 2.5, 1.0])
    nib.save(nib.Nifti1Image(data, affine), str(tmp_path / "v.nii.gz"))
    item = load_input(tmp_path / "v.nii.gz")
    assert (item.name, item.kind, item.is_volume, len(item.slices)) == ("v", "nifti", True, 2)
    # LPS slices (rows = y, cols = x; this RAS file flipped in x and y), as the converters cut them; the old
    # expectation (5, 6) slices cut along nibabel's third axis was the transposed-slices bug
    assert item.spacing == pytest.approx((0.7, 0.8)) and item.slice_thickness == pytest.approx(2.5)
    assert item.slices[1].shape == (6, 5)
    expected = np.zeros((6, 5), bool)
    expected[2:5, 2:4] = True  # i = 1..2 -> x = 4 - i = 2..3; j = 1..3 -> y = 5 - j = 2..4
    np.testing.assert_array_equal(item.slices[1] == 255, expected)
    np.testing.assert_allclose(item.header["affine"], affine, rtol=1e-6)  # float32 in the header


def test_dicom_series_order_and_thickness(tmp_path):
    import pydicom

    src = get_testdata_file("CT_small.dcm")
    for i, z in enumerate((5.0, 0.0, 2.5)):  # written out of order
        ds = pydicom.dcmread(src)
        ds.ImagePositionPatient = [0.0, 0.0, z]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.SOPInstanceUID = f"1.2.3.{i}"
        arr = ds.pixel_array.copy()
        arr[0, 0] = 1000 + i  # tells which file a slice came from
        ds.PixelData = arr.tobytes()
        ds.save_as(tmp_path / f"s{i}.dcm")
    item = load_input(tmp_path)
    assert item.kind == "dicom_series" and len(item.slices) == 3 and item.slice_thickness == pytest.approx(2.5)
    # ordered by position (z = 0, 2.5, 5: files s1, s2, s0); the series' one reader is core.io's
    first = [int(v) for v in item.volume.array[:, 0, 0] - ds.RescaleIntercept]
    assert first == [1001, 1002, 1000]


def test_errors(tmp_path):
    with pytest.raises(OrgansegInputError, match="input not found"):
        load_input(tmp_path / "none.png")
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(OrgansegInputError, match="unsupported input"):
        load_input(tmp_path / "x.txt")
    shutil.rmtree(tmp_path)
    tmp_path.mkdir()
    with pytest.raises(OrgansegInputError, match="empty folder"):
        load_input(tmp_path)


def test_to_uint8_window():
    assert to_uint8(np.array([7], np.uint8))[0] == 7
    out = to_uint8(np.array([-1000.0, 50.0, 1000.0]))  # window level 50, width 400
    assert out[0] == 0 and out[2] == 255 and 126 <= out[1] <= 128
