"""One canonical orientation (LPS) for every volume reader, whatever the storage: real files built here with
nibabel, SimpleITK and pydicom (the issue "Real files from other tools").

The anatomy is one array ``A`` indexed ``(z, y, x)`` in LPS (+x patient Left, +y Posterior, +z Superior) on a
non-cubic grid (like the 122 x 101 x 112 CT of the issue, whose slices came out 101 x 122 for training and
122 x 101 for inference). It is stored as a RAS NIfTI (nibabel's usual storage: i -> Right, j -> Anterior),
an LPS NIfTI, a NIfTI with permuted axes, and an LPS DICOM series named by UID without ``.dcm``; every reader
must return ``A`` itself.
"""

from __future__ import annotations

import random
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io import dicom as io_dicom
from organseg_plugins.core.io import volumes as io_volumes
from organseg_plugins.core.io.volume_write import write_nifti
from organseg_plugins.core.io.volumes import read_label_volume, read_sitk, read_volume

SPACING = (2.5, 0.8, 0.7)  # (z, y, x) mm
ORIGIN = (-12.0, 20.0, 100.0)  # LPS mm of A[0, 0, 0]
SHAPE = (4, 5, 7)  # (z, y, x): slices 5 x 7, never square


def anatomy() -> np.ndarray:
    """Every voxel tells where it is, so any flip or transposition shows."""
    z, y, x = np.meshgrid(*(np.arange(n) for n in SHAPE), indexing="ij")
    return (100 * z + 10 * y + x - 50).astype(np.int16)


def _ras_affine(columns_lps: np.ndarray, origin_lps) -> np.ndarray:
    """NIfTI (RAS) affine from LPS index-axis columns (mm per index step) and the LPS origin."""
    aff = np.eye(4)
    aff[:3, :3] = np.diag([-1.0, -1.0, 1.0]) @ columns_lps
    aff[:3, 3] = np.diag([-1.0, -1.0, 1.0]) @ np.asarray(origin_lps, dtype=np.float64)
    return aff


def write_lps_nifti(path: Path, a: np.ndarray, origin=ORIGIN) -> Path:
    """``i`` -> Left, ``j`` -> Posterior, ``k`` -> Superior: nibabel data ``a.T``."""
    sz, sy, sx = SPACING
    nib.save(nib.Nifti1Image(np.ascontiguousarray(a.transpose(2, 1, 0)), _ras_affine(np.diag([sx, sy, sz]), origin)),
             str(path))
    return path


def write_ras_nifti(path: Path, a: np.ndarray, origin=ORIGIN) -> Path:
    """``i`` -> Right, ``j`` -> Anterior (nibabel's RAS+ storage): x and y reversed, origin at the other corner."""
    sz, sy, sx = SPACING
    nz, ny, nx = a.shape
    data = a[:, ::-1, ::-1].transpose(2, 1, 0)
    first = np.asarray(origin) + np.array([sx * (nx - 1), sy * (ny - 1), 0.0])  # LPS of voxel (0, 0, 0)
    nib.save(nib.Nifti1Image(np.ascontiguousarray(data), _ras_affine(np.diag([-sx, -sy, sz]), first)), str(path))
    return path


def write_permuted_nifti(path: Path, a: np.ndarray, origin=ORIGIN) -> Path:
    """``i`` -> Superior, ``j`` -> Left, ``k`` -> Posterior (axes stored in another order)."""
    sz, sy, sx = SPACING
    cols = np.zeros((3, 3))
    cols[2, 0], cols[0, 1], cols[1, 2] = sz, sx, sy
    nib.save(nib.Nifti1Image(np.ascontiguousarray(a.transpose(0, 2, 1)), _ras_affine(cols, origin)), str(path))
    return path


def write_uid_series(folder: Path, a: np.ndarray, origin=ORIGIN, preamble_less: int | None = None) -> list[Path]:
    """An LPS CT series (ImageOrientationPatient 1,0,0,0,1,0) written with pydicom, files named by UID, no suffix,
    in shuffled order; file ``preamble_less`` (an index) is a raw data set without preamble and ``DICM``."""
    folder.mkdir(parents=True, exist_ok=True)
    sz, sy, sx = SPACING
    series, study = generate_uid(), generate_uid()
    order = list(range(a.shape[0]))
    random.Random(3).shuffle(order)
    files = []
    for n, k in enumerate(order):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = CTImageStorage, generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
        ds.Modality, ds.PatientID, ds.StudyInstanceUID, ds.SeriesInstanceUID = "CT", "P1", study, series
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = [f"{v:g}" for v in (origin[0], origin[1], origin[2] + k * sz)]
        ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
        ds.PixelSpacing, ds.SliceThickness = [f"{sy:g}", f"{sx:g}"], f"{sz:g}"
        ds.Rows, ds.Columns = a.shape[1], a.shape[2]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleSlope, ds.RescaleIntercept = 1, 0
        ds.PixelData = np.ascontiguousarray(a[k], dtype=np.int16).tobytes()
        ds.is_little_endian, ds.is_implicit_VR = True, False
        path = folder / f"CT.1.3.12.2.1107.5.1.4.16573.{7 * n + 11}"
        if n == preamble_less:
            del ds.file_meta
            ds.preamble = None
            ds.is_implicit_VR = True
            pydicom.dcmwrite(str(path), ds, write_like_original=True)
            assert path.read_bytes()[128:132] != b"DICM"
        else:
            pydicom.dcmwrite(str(path), ds, write_like_original=False)
        files.append(path)
    return files


def _assert_canonical(vol, a: np.ndarray) -> None:
    np.testing.assert_array_equal(vol.array, a)
    np.testing.assert_allclose(vol.spacing, SPACING, rtol=1e-5)
    np.testing.assert_allclose(vol.origin, ORIGIN, atol=1e-3)
    np.testing.assert_allclose(vol.direction, np.eye(3).ravel(), atol=1e-5)


# ------------------------------------------------------------------------------------------------
# one orientation whatever the storage
# ------------------------------------------------------------------------------------------------


def test_ras_lps_permuted_nifti_and_uid_dicom_series_read_identically(tmp_path):
    a = anatomy()
    files = [write_ras_nifti(tmp_path / "ras.nii.gz", a), write_lps_nifti(tmp_path / "lps.nii.gz", a),
             write_permuted_nifti(tmp_path / "perm.nii", a)]
    write_uid_series(tmp_path / "series", a, preamble_less=1)
    for f in files:
        _assert_canonical(read_volume(f), a)
        _assert_canonical(read_sitk(f), a)  # SimpleITK storage, same canonical array
    series = read_volume(tmp_path / "series")
    _assert_canonical(series, a)
    assert series.warnings == []
    # the stored orders really differ: nibabel sees three different arrays
    shapes = {nib.load(str(f)).shape for f in files}
    assert shapes == {(7, 5, 4), (4, 7, 5)}
    # and the storage is remembered: back to the file's own voxel order
    back = read_volume(files[0]).to_storage()
    np.testing.assert_array_equal(back.array.transpose(2, 1, 0), np.asarray(nib.load(str(files[0])).dataobj))


def test_dicom_is_recognised_by_content(tmp_path):
    a = anatomy()
    files = write_uid_series(tmp_path / "s", a, preamble_less=0)
    raw = next(f for f in files if f.read_bytes()[128:132] != b"DICM")
    assert all(io_dicom.is_dicom_file(f) for f in files)
    assert str(io_dicom.read_dicom(raw).SOPClassUID) == CTImageStorage  # force fallback for the preamble-less file
    (tmp_path / "notes.txt").write_text("0008 not dicom\n")
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert not any(io_dicom.is_dicom_file(tmp_path / n) for n in ("notes.txt", "empty", "img.png", "missing"))


def test_canonical_slice_for_slice_by_slice_converters():
    s = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(io_volumes.canonical_slice(s, (1, 0, 0, 0, 1, 0)), s)  # stored LPS
    np.testing.assert_array_equal(io_volumes.canonical_slice(s, (-1, 0, 0, 0, -1, 0)), s[::-1, ::-1])  # RAS rows/cols
    np.testing.assert_array_equal(io_volumes.canonical_slice(s, (0, 1, 0, 1, 0, 0)), s.T)  # rows along x
    np.testing.assert_array_equal(io_volumes.canonical_slice(s, None), s)


def test_non_dicom_file_in_a_series_is_reported_not_silently_skipped(tmp_path):
    a = anatomy()
    write_uid_series(tmp_path / "s", a)
    (tmp_path / "s" / "README").write_text("exported by some PACS\n")
    vol = read_volume(tmp_path / "s")
    _assert_canonical(vol, a)
    (note,) = vol.warnings
    assert str(tmp_path / "s" / "README") in note and "not a DICOM file" in note and "\n" not in note


# ------------------------------------------------------------------------------------------------
# labels on their image's grid
# ------------------------------------------------------------------------------------------------


def _sitk_image(arr: np.ndarray, spacing_zyx, origin, direction) -> sitk.Image:
    img = sitk.GetImageFromArray(np.ascontiguousarray(arr))
    img.SetSpacing(tuple(float(s) for s in spacing_zyx[::-1]))
    img.SetOrigin(tuple(float(v) for v in origin))
    img.SetDirection(tuple(float(v) for v in np.asarray(direction, dtype=np.float64).ravel()))
    return img


def _label_array() -> np.ndarray:
    m = np.zeros(SHAPE, np.uint8)
    m[1:3, 1:4, 2:6] = 1
    m[0, 0, 0] = 1  # a lone voxel at a corner: any flip shows
    return m


def test_label_with_flipped_y_is_put_on_the_image_grid_like_simpleitk_resample(tmp_path):
    image = _sitk_image(anatomy(), SPACING, ORIGIN, np.eye(3))
    sitk.WriteImage(image, str(tmp_path / "img.nii.gz"))
    m = _label_array()
    sy = SPACING[1]
    flipped = _sitk_image(m[:, ::-1, :], SPACING, (ORIGIN[0], ORIGIN[1] + sy * (SHAPE[1] - 1), ORIGIN[2]),
                          np.diag([1.0, -1.0, 1.0]))
    sitk.WriteImage(flipped, str(tmp_path / "lab.nii.gz"))
    img = read_volume(tmp_path / "img.nii.gz")
    lab = read_label_volume(tmp_path / "lab.nii.gz", like=img)
    ref = sitk.Resample(sitk.ReadImage(str(tmp_path / "lab.nii.gz")), sitk.ReadImage(str(tmp_path / "img.nii.gz")),
                        sitk.Transform(), sitk.sitkNearestNeighbor)
    np.testing.assert_array_equal(lab.array, sitk.GetArrayFromImage(ref))
    np.testing.assert_array_equal(lab.array, m)  # exact: an axis flip
    assert lab.source.endswith("lab.nii.gz") and lab.shape == img.shape


def test_label_on_another_grid_of_the_same_space_is_resampled_nearest_neighbour(tmp_path):
    image = _sitk_image(anatomy(), SPACING, ORIGIN, np.eye(3))
    sitk.WriteImage(image, str(tmp_path / "img.nii.gz"))
    coarse = np.zeros((SHAPE[0], SHAPE[1], 14), np.uint8)  # x sampled twice as finely, same extent
    coarse[1:3, 1:4, 5:11] = 1
    sx = SPACING[2]
    lab = _sitk_image(coarse, (SPACING[0], SPACING[1], sx / 2), (ORIGIN[0] - sx / 4, ORIGIN[1], ORIGIN[2]), np.eye(3))
    sitk.WriteImage(lab, str(tmp_path / "fine.nii.gz"))
    got = read_label_volume(tmp_path / "fine.nii.gz", like=read_volume(tmp_path / "img.nii.gz"))
    ref = sitk.Resample(sitk.ReadImage(str(tmp_path / "fine.nii.gz")), sitk.ReadImage(str(tmp_path / "img.nii.gz")),
                        sitk.Transform(), sitk.sitkNearestNeighbor)
    np.testing.assert_array_equal(got.array, sitk.GetArrayFromImage(ref))
    assert got.array.sum() > 0


def test_label_10_mm_away_is_refused_naming_both_files(tmp_path):
    a = anatomy()
    write_ras_nifti(tmp_path / "image.nii.gz", a)
    write_lps_nifti(tmp_path / "label_far.nii.gz", _label_array(), origin=(ORIGIN[0] + 10.0, ORIGIN[1], ORIGIN[2]))
    img = read_volume(tmp_path / "image.nii.gz")
    with pytest.raises(OrgansegInputError, match=r"label_far\.nii\.gz: label is not in the physical space of its "
                                                 r"image .*image\.nii\.gz: origin") as err:
        read_label_volume(tmp_path / "label_far.nii.gz", like=img)
    assert "\n" not in str(err.value) and "10 mm" in str(err.value)
    # the same label where it belongs: accepted, whatever the storage
    write_lps_nifti(tmp_path / "label.nii.gz", _label_array())
    np.testing.assert_array_equal(read_label_volume(tmp_path / "label.nii.gz", like=img).array, _label_array())
    with pytest.raises(OrgansegInputError, match="label_far.nii.gz.*image.nii.gz"):
        io_volumes.label_on_image_grid(img, read_label_volume(tmp_path / "label_far.nii.gz"))


# ------------------------------------------------------------------------------------------------
# writers restore the source storage: masks overlay their image in 3D Slicer / ITK-SNAP
# ------------------------------------------------------------------------------------------------


def _world_of_voxels_sitk(img: sitk.Image) -> np.ndarray:
    """LPS world position of every voxel of a SimpleITK image, array order (z, y, x, 3)."""
    size = img.GetSize()
    idx = np.stack(np.meshgrid(*(np.arange(n) for n in size[::-1]), indexing="ij"), axis=-1)[..., ::-1]
    d = np.asarray(img.GetDirection()).reshape(3, 3)
    return np.asarray(img.GetOrigin()) + (idx * np.asarray(img.GetSpacing())) @ d.T


@pytest.mark.parametrize("writer", [write_ras_nifti, write_permuted_nifti])
def test_predicted_mask_written_back_overlays_the_source_voxel_for_voxel(tmp_path, writer):
    src = writer(tmp_path / "ct.nii.gz", anatomy())
    image = read_volume(src)
    # a "prediction" made on the canonical slices: the patient's left half (x index >= 4 in LPS)
    mask = np.zeros(image.shape, np.uint8)
    mask[:, :, 4:] = 1
    out = write_nifti(image.with_array(mask), tmp_path / "pred.nii.gz", np.uint8)
    # nibabel: the source affine and voxel order; the mask is the left half in world coordinates
    s_img, m_img = nib.load(str(src)), nib.load(str(out))
    np.testing.assert_allclose(m_img.affine, s_img.affine, atol=1e-4)
    assert m_img.shape == s_img.shape
    ijk = np.stack(np.meshgrid(*(np.arange(n) for n in s_img.shape), indexing="ij"), axis=-1)
    ras = ijk @ s_img.affine[:3, :3].T + s_img.affine[:3, 3]
    left = -ras[..., 0] >= ORIGIN[0] + 4 * SPACING[2] - 1e-3  # LPS x = -RAS x
    np.testing.assert_array_equal(np.asarray(m_img.dataobj).astype(bool), left)
    # SimpleITK: the grid of the source image, and the mask on the voxels whose LPS x is left of the middle
    s_itk, m_itk = sitk.ReadImage(str(src)), sitk.ReadImage(str(out))
    np.testing.assert_allclose(m_itk.GetOrigin(), s_itk.GetOrigin(), atol=1e-4)
    np.testing.assert_allclose(m_itk.GetDirection(), s_itk.GetDirection(), atol=1e-5)
    np.testing.assert_allclose(m_itk.GetSpacing(), s_itk.GetSpacing(), rtol=1e-5)
    world = _world_of_voxels_sitk(m_itk)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(m_itk).astype(bool),
                                  world[..., 0] >= ORIGIN[0] + 4 * SPACING[2] - 1e-3)
    # and the source voxels under the mask are the anatomy's left half
    np.testing.assert_array_equal(sitk.GetArrayFromImage(s_itk)[sitk.GetArrayFromImage(m_itk) > 0] % 10 >= 4, True)
