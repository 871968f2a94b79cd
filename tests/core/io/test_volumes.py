"""Volume readers on real files of each format (DICOM series, NIfTI, MetaImage), SimpleITK as the second reader.

Every reader returns the canonical LPS orientation (``canonical(vol)``), and ``to_storage()`` gives back the
volume as written (the old expectation, ``read == written``, was the storage order of each file: the bug of
the issue "Real files from other tools")."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.volume_write import write_dicom_series, write_metaimage, write_nifti
from organseg_plugins.core.io.volumes import (
    Volume,
    canonical,
    check_same_geometry,
    is_hidden_junk,
    read_dicom_series,
    read_label_volume,
    read_metaimage,
    read_nifti,
    read_sitk,
    read_volume,
    volume_stem,
)

# a non-trivial right-handed geometry: x and z axes flipped (direction columns -x, +y, -z; the slice normal
# row x column = (-1,0,0) x (0,1,0) = (0,0,-1) is the z column, as DICOM requires), origin off 0
DIRECTION = (-1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, -1.0)


def _vol(shape=(4, 3, 5), spacing=(2.5, 0.8, 0.7)):
    # voxel value = 100 z + 10 y + x: every voxel tells where it is, so any axis swap or flip shows
    z, y, x = np.meshgrid(*(np.arange(n) for n in shape), indexing="ij")
    return Volume((100 * z + 10 * y + x).astype(np.float32) - 200, spacing, (10.0, -20.0, 30.0), DIRECTION)


def _same(a: Volume, b: Volume):
    assert a.shape == b.shape
    np.testing.assert_allclose(a.spacing, b.spacing, rtol=1e-6)
    np.testing.assert_allclose(a.origin, b.origin, atol=1e-4)
    np.testing.assert_allclose(a.direction, b.direction, atol=1e-6)
    np.testing.assert_array_equal(a.array, b.array)


def test_dicom_series_is_ordered_by_position_and_matches_simpleitk(tmp_path):
    vol = _vol()
    files = write_dicom_series(vol, tmp_path / "s")
    # shuffle the file names: order must come from ImagePositionPatient, not from the names
    for i, f in enumerate(files):
        f.rename(tmp_path / "s" / f"x{(7 * i) % len(files)}_{i}.dcm")
    (tmp_path / "s" / "._x0.dcm").write_bytes(b"\x00\x05\x16\x07")  # a resource fork is skipped
    a = read_dicom_series(tmp_path / "s")
    _same(a, canonical(vol))  # LPS: the x and z axes of the written volume are flipped
    _same(a.to_storage(), vol)  # ... and restored
    # written slice k sits at z = 30 - 2.5 k (normal (0, 0, -1)): the most inferior (k = 3) comes first in LPS,
    # and written column x at 10 - 0.7 x mm: column 4 (the patient's rightmost) comes first
    assert a.array[0, 1, 0] == 100 * 3 + 10 * 1 + 4 - 200
    np.testing.assert_allclose(a.origin, (10 - 0.7 * 4, -20, 30 - 2.5 * 3), atol=1e-4)
    np.testing.assert_allclose(a.direction, np.eye(3).ravel(), atol=1e-6)
    b = read_sitk(tmp_path / "s")
    (tmp_path / "s" / "._x0.dcm").unlink()
    _same(read_sitk(tmp_path / "s"), a)
    assert b.shape == a.shape


def test_nifti_nibabel_and_simpleitk_agree_in_lps(tmp_path):
    vol = _vol()
    write_nifti(vol, tmp_path / "v.nii.gz")
    a, b = read_nifti(tmp_path / "v.nii.gz"), read_sitk(tmp_path / "v.nii.gz")
    _same(a, canonical(vol))
    _same(b, canonical(vol))
    _same(a.to_storage(), vol)
    import nibabel as nib

    # RAS affine = diag(-1,-1,1) @ LPS: x column (-0.7, 0, 0) LPS -> (+0.7, 0, 0) RAS; origin (10,-20,30) -> (-10,20,30)
    aff = nib.load(str(tmp_path / "v.nii.gz")).affine
    np.testing.assert_allclose(aff[:3, 0], [0.7, 0, 0], atol=1e-6)
    np.testing.assert_allclose(aff[:3, 3], [-10, 20, 30], atol=1e-6)
    assert read_volume(tmp_path / "v.nii.gz").shape == (4, 3, 5)


def test_metaimage_round_trip(tmp_path):
    vol = _vol()
    write_metaimage(vol, tmp_path / "liver-orig001.mhd")
    assert (tmp_path / "liver-orig001.raw").is_file() or (tmp_path / "liver-orig001.zraw").is_file()
    _same(read_metaimage(tmp_path / "liver-orig001.mhd"), canonical(vol))
    _same(read_volume(tmp_path / "liver-orig001.mhd").to_storage(), vol)


def test_label_mismatch_names_both_files(tmp_path):
    img = _vol()
    write_nifti(img, tmp_path / "img.nii.gz")
    lab = Volume(np.zeros(img.shape, np.uint8), (2.5, 0.8, 0.8), img.origin, img.direction)
    write_nifti(lab, tmp_path / "lab.nii.gz")
    a, b = read_volume(tmp_path / "img.nii.gz"), read_label_volume(tmp_path / "lab.nii.gz")
    with pytest.raises(OrgansegInputError, match=r"(?=.*lab\.nii\.gz)(?=.*img\.nii\.gz).*spacing") as err:
        check_same_geometry(a, b)
    msg = str(err.value)
    assert "lab.nii.gz" in msg and "img.nii.gz" in msg and "spacing" in msg and "\n" not in msg
    shifted = Volume(np.zeros(img.shape, np.uint8), img.spacing, (10.0, -20.0, 35.0), img.direction, "s.nii")
    with pytest.raises(OrgansegInputError, match="origin"):
        check_same_geometry(a, shifted)
    check_same_geometry(a, a.with_array(np.zeros(img.shape, np.uint8)))


def test_label_values(tmp_path):
    lab = Volume(np.array([0, 1, 2, 0]).reshape(1, 2, 2).astype(np.uint8), (1.0, 1.0, 1.0))
    write_nifti(lab, tmp_path / "l.nii")
    with pytest.raises(OrgansegInputError, match="l.nii"):
        read_label_volume(tmp_path / "l.nii")  # 0/1/2 is not binary
    # MSD pancreas: 1 = pancreas, 2 = tumour; both are the organ -> 3 voxels... here values 1 and 2 -> 2 voxels
    assert int(read_label_volume(tmp_path / "l.nii", labels=[1, 2]).array.sum()) == 2


def test_dicom_bad_series_are_one_line_naming_the_file(tmp_path):
    vol = _vol(shape=(5, 3, 4))
    files = write_dicom_series(vol, tmp_path / "gap")
    files[2].unlink()  # missing slice: steps 2.5, 5.0, 2.5 -> median 2.5, the 5.0 step is refused
    with pytest.raises(OrgansegInputError, match=r"IM_0004.dcm: slice step 5.000 mm .*missing slice"):
        read_dicom_series(tmp_path / "gap")
    files = write_dicom_series(vol, tmp_path / "dup")
    shutil.copy(files[1], tmp_path / "dup" / "copy.dcm")  # same position twice
    with pytest.raises(OrgansegInputError, match="duplicated slice"):
        read_dicom_series(tmp_path / "dup")
    write_dicom_series(vol, tmp_path / "mixed", series_uid="1.2.3")
    write_dicom_series(_vol(shape=(5, 3, 4)), tmp_path / "other", series_uid="1.2.4")
    shutil.copy(tmp_path / "other" / "IM_0001.dcm", tmp_path / "mixed" / "zz.dcm")
    with pytest.raises(OrgansegInputError, match="mixed series"):
        read_dicom_series(tmp_path / "mixed")
    with pytest.raises(OrgansegInputError, match="does not exist"):
        read_dicom_series(tmp_path / "nope")


def test_zero_and_nan_spacing_are_refused(tmp_path):
    import nibabel as nib

    for bad in (float("nan"),):  # nibabel itself turns a 0 into 1 (with a warning): NaN stays
        img = nib.Nifti1Image(np.zeros((4, 3, 2), np.int16), np.eye(4))
        img.header["pixdim"][3] = bad  # the z voxel size field of the header
        nib.save(img, str(tmp_path / "bad.nii"))
        with pytest.raises(OrgansegInputError, match=r"bad.nii: voxel spacing"):
            read_nifti(tmp_path / "bad.nii")


def test_names():
    assert volume_stem("a/label0001.nii.gz") == "label0001" and volume_stem("liver-seg001.mhd") == "liver-seg001"
    assert is_hidden_junk("imagesTr/._pancreas_001.nii.gz") and not is_hidden_junk("pancreas_001.nii.gz")


def test_zero_spacing_metaimage_is_refused(tmp_path):
    (tmp_path / "bad.raw").write_bytes(np.zeros(8, np.int16).tobytes())
    (tmp_path / "bad.mhd").write_text("ObjectType = Image\nNDims = 3\nDimSize = 2 2 2\nElementType = MET_SHORT\n"
                                      "ElementSpacing = 0.8 0.8 0\nElementDataFile = bad.raw\n")
    with pytest.raises(OrgansegInputError, match="bad.mhd"):
        read_metaimage(tmp_path / "bad.mhd")
