"""core/io on real files other tools wrote (fetched by tools/fetch_test_data.py; see core/io/reference_data.py).

TotalSegmentator 2.18.0's reference CT as a RAS NIfTI and as a 20-slice DICOM series with UID file names (no
suffix), its label maps (that tool's model output, not manual ground truth; liver = 5, spleen = 1,
pancreas = 7), and pyradiomics 3.0.1's CT/MR NRRD volumes with manual lesion labels. Every reader must give the
canonical LPS array that SimpleITK gives after ``DICOMOrient(img, "LPS")``, an independent implementation.
"""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from organseg_plugins.core.converters.ct_volumes import convert_ct_volumes
from organseg_plugins.core.inference.inputs import load_input
from organseg_plugins.core.io.images import read_image_file
from organseg_plugins.core.io.volumes import read_dicom_series, read_label_volume, read_volume

RADIOMICS_CASES = ("brain1", "brain2", "breast1", "lung1", "lung2")


def sitk_lps(img: sitk.Image) -> np.ndarray:
    """SimpleITK's array (z, y, x) of the image reoriented to LPS (flips/permutations only)."""
    return sitk.GetArrayFromImage(sitk.DICOMOrient(img, "LPS"))


def sitk_series(folder) -> sitk.Image:
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    return reader.Execute()


def test_nifti_ct_reads_in_lps_like_simpleitk(reference_data):
    path = reference_data["example_ct"]
    vol = read_volume(path)
    ref = sitk.ReadImage(str(path))
    np.testing.assert_array_equal(vol.array, sitk_lps(ref))
    # stored as 122 x 101 x 112 (i, j, k) with 3 mm voxels: LPS (z, y, x) = (112, 101, 122)
    assert vol.shape == (112, 101, 122)
    assert vol.spacing == pytest.approx((3.0, 3.0, 3.0))
    np.testing.assert_allclose(vol.direction_matrix(), np.eye(3), atol=1e-6)
    np.testing.assert_allclose(vol.origin, sitk.DICOMOrient(ref, "LPS").GetOrigin(), atol=1e-3)


def test_dicom_series_with_uid_names_reads_like_simpleitk(reference_data):
    folder = reference_data["example_ct_dicom"]
    assert all(p.suffix not in (".dcm", ".DCM") for p in folder.iterdir())  # UID names: found by content
    vol = read_dicom_series(folder)
    ref = sitk_series(folder)
    assert vol.shape == (20, 512, 512)
    assert vol.spacing == pytest.approx((2.0, 0.9765625, 0.9765625))
    np.testing.assert_array_equal(vol.array.astype(np.int32), sitk_lps(ref).astype(np.int32))
    np.testing.assert_allclose(vol.origin, sitk.DICOMOrient(ref, "LPS").GetOrigin(), atol=1e-3)


def test_ras_label_lands_on_the_lps_series_like_simpleitk_resampling(reference_data):
    """The label NIfTI shares the series' physical space but stores y the other way: it must come out on the
    series grid exactly as SimpleITK's nearest-neighbour resampling puts it, for liver, spleen and pancreas."""
    image = read_dicom_series(reference_data["example_ct_dicom"])
    ref_img = sitk_series(reference_data["example_ct_dicom"])
    ref_lab = sitk.ReadImage(str(reference_data["example_seg_dicom"]))
    on_grid = sitk_lps(sitk.Resample(ref_lab, ref_img, sitk.Transform(), sitk.sitkNearestNeighbor, 0,
                                     ref_lab.GetPixelID()))
    for organ, value in (("spleen", 1), ("liver", 5), ("pancreas", 7)):
        mask = read_label_volume(reference_data["example_seg_dicom"], labels=[value], like=image)
        assert mask.shape == image.shape, organ
        expected = (on_grid == value).astype(np.uint8)
        assert expected.sum() > 0, organ
        np.testing.assert_array_equal(mask.array, expected, err_msg=organ)
    # and the anatomy agrees: CT inside the liver is soft tissue (tens of HU), not air or bone
    liver = read_label_volume(reference_data["example_seg_dicom"], labels=[5], like=image).array.astype(bool)
    assert 20 < float(np.median(image.array[liver])) < 150


def test_nifti_label_on_nifti_ct(reference_data):
    image = read_volume(reference_data["example_ct"])
    liver = read_label_volume(reference_data["example_seg_fast_force_split"], labels=[5], like=image)
    ref = sitk.ReadImage(str(reference_data["example_seg_fast_force_split"]))
    np.testing.assert_array_equal(liver.array, (sitk_lps(ref) == 5).astype(np.uint8))
    assert 20 < float(np.median(image.array[liver.array.astype(bool)])) < 150


@pytest.mark.parametrize("case", RADIOMICS_CASES)
def test_nrrd_image_and_label(reference_data, case):
    img_path, lab_path = reference_data[f"{case}_image"], reference_data[f"{case}_label"]
    image = read_volume(img_path)
    np.testing.assert_array_equal(image.array, sitk_lps(sitk.ReadImage(str(img_path))))
    label = read_label_volume(lab_path, like=image)  # manual lesion label, 0/1
    np.testing.assert_array_equal(label.array, sitk_lps(sitk.ReadImage(str(lab_path))).astype(np.uint8))
    assert 0 < int(label.array.sum()) < label.array.size


def test_converter_slices_equal_inference_slices_on_real_ct(reference_data, tmp_path):
    """The training slices (converter PNGs, MSD layout) and the inference slices (tools/infer.py's input path)
    of the same real NIfTI CT are identical arrays for the same window."""
    import json
    import shutil

    root = tmp_path / "msd"
    (root / "imagesTr").mkdir(parents=True)
    (root / "labelsTr").mkdir()
    shutil.copy(reference_data["example_ct"], root / "imagesTr" / "ct_001.nii.gz")
    shutil.copy(reference_data["example_seg_fast_force_split"], root / "labelsTr" / "ct_001.nii.gz")
    (root / "dataset.json").write_text(json.dumps({"training": [
        {"image": "./imagesTr/ct_001.nii.gz", "label": "./labelsTr/ct_001.nii.gz"}]}))
    window = (-100.0, 200.0)
    rep = convert_ct_volumes(root, tmp_path / "out", window=window, labels=[5], category="liver", progress=False)
    assert rep.ok, rep.errors
    item = load_input(root / "imagesTr" / "ct_001.nii.gz", window=window)
    assert len(item.slices) == 112 and item.slices[0].shape == (101, 122)
    for k in (0, 40, 60, 111):
        png = read_image_file(tmp_path / "out" / "img_dir" / "train" / f"ct_001_s{k:04d}.png")
        np.testing.assert_array_equal(png, item.slices[k])
