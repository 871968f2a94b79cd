"""Volumes out: the NIfTI affine of a Volume, and atomic writes that leave no temporary files."""

from __future__ import annotations

import numpy as np

from organseg_plugins.core.io.volume_write import (
    volume_affine_ras,
    write_dicom_series,
    write_metaimage,
    write_nifti,
)
from organseg_plugins.core.io.volumes import Volume, read_dicom_series, read_metaimage, read_nifti


def test_affine_is_ras_of_origin_direction_spacing():
    # spacing (z, y, x) = (3, 2, 1); identity LPS direction; origin (5, 6, 7) LPS
    # -> RAS affine columns: x (-1, 0, 0) * 1, y (0, -1, 0) * 2, z (0, 0, 1) * 3; translation (-5, -6, 7)
    vol = Volume(np.zeros((2, 2, 2), np.uint8), (3.0, 2.0, 1.0), (5.0, 6.0, 7.0))
    np.testing.assert_allclose(volume_affine_ras(vol), [[-1, 0, 0, -5], [0, -2, 0, -6], [0, 0, 3, 7], [0, 0, 0, 1]])


def test_writers_leave_only_their_files(tmp_path):
    vol = Volume(np.arange(24, dtype=np.int16).reshape(2, 3, 4), (2.0, 0.5, 0.5), (1.0, 2.0, 3.0))
    write_nifti(vol, tmp_path / "a.nii.gz")
    write_metaimage(vol, tmp_path / "b.mhd")
    write_dicom_series(vol, tmp_path / "c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.nii.gz", "b.mhd", "b.raw", "c"]
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["IM_0001.dcm", "IM_0002.dcm"]
    for back in (read_nifti(tmp_path / "a.nii.gz"), read_metaimage(tmp_path / "b.mhd"), read_dicom_series(tmp_path / "c")):
        np.testing.assert_array_equal(back.array, vol.array)
        np.testing.assert_allclose(back.spacing, vol.spacing)
        np.testing.assert_allclose(back.origin, vol.origin, atol=1e-4)
