"""Volumes out, with their geometry: NIfTI (nibabel), MetaImage (SimpleITK), a CT DICOM series (pydicom).

The inverse of :mod:`.volumes` (same :class:`~.volumes.Volume` conventions: array ``(z, y, x)``, LPS
origin and direction). Every writer first restores the voxel order of the file the volume was read
from (:meth:`~.volumes.Volume.to_storage`: flips and transpositions back from the canonical LPS
orientation), so a predicted mask written from ``image.with_array(mask)`` has the source's affine
(NIfTI) or origin and direction (MetaImage, DICOM) and opens aligned with the image in 3D Slicer and
ITK-SNAP, voxel for voxel. Every file is written atomically (a temporary file in the same folder,
then renamed).
"""

from __future__ import annotations

import gzip
import io
import os
import tempfile
from pathlib import Path

import numpy as np

from ..errors import OrgansegInputError
from .atomic import atomic_write_bytes
from .volumes import RAS_TO_LPS, Volume

__all__ = ["volume_affine_ras", "write_nifti", "write_metaimage", "write_dicom_series"]


def volume_affine_ras(vol: Volume) -> np.ndarray:
    """4x4 NIfTI (RAS) affine of a volume: ``RAS = diag(-1,-1,1) @ (origin + direction @ diag(spacing_xyz) @ ijk)``."""
    sx = np.asarray(vol.spacing[::-1], dtype=np.float64)
    lin = vol.direction_matrix() * sx[None, :]
    aff = np.eye(4)
    aff[:3, :3] = RAS_TO_LPS @ lin
    aff[:3, 3] = RAS_TO_LPS @ np.asarray(vol.origin, dtype=np.float64)
    return aff


def write_nifti(vol: Volume, path: str | os.PathLike, dtype: type | str | None = None,
                compresslevel: int = 9) -> Path:
    """Write a volume as ``.nii`` or ``.nii.gz`` (sform and qform = its source geometry), atomically.

    Args:
        vol: The volume (e.g. ``image.with_array(predicted_mask)``); written in its storage order.
        path: Output file.
        dtype: Stored type (default: the array's).
        compresslevel: gzip level of a ``.nii.gz`` (1 fastest, 9 smallest).
    """
    import nibabel as nib

    p = Path(path)
    vol = vol.to_storage()
    arr = np.asarray(vol.array if dtype is None else vol.array.astype(dtype))
    img = nib.Nifti1Image(np.ascontiguousarray(arr.transpose(2, 1, 0)), volume_affine_ras(vol))
    img.set_qform(img.affine, code=1)
    img.set_sform(img.affine, code=1)
    data = img.to_bytes()
    if p.name.lower().endswith(".gz"):
        data = gzip.compress(data, compresslevel=compresslevel, mtime=0)
    return atomic_write_bytes(p, data)


def write_metaimage(vol: Volume, path: str | os.PathLike) -> Path:
    """Write a MetaImage ``.mhd`` + ``.raw`` pair (or one ``.mha``) with SimpleITK, in the volume's storage order;
    both files renamed into place."""
    import SimpleITK as sitk

    p = Path(path)
    vol = vol.to_storage()
    if p.suffix.lower() not in (".mhd", ".mha"):
        raise OrgansegInputError(f"{p}: a MetaImage file ends in .mhd or .mha")
    p.parent.mkdir(parents=True, exist_ok=True)
    img = sitk.GetImageFromArray(np.ascontiguousarray(vol.array))
    img.SetSpacing(tuple(float(s) for s in vol.spacing[::-1]))
    img.SetOrigin(tuple(float(v) for v in vol.origin))
    img.SetDirection(tuple(float(v) for v in vol.direction))
    with tempfile.TemporaryDirectory(dir=p.parent, prefix=".tmp_") as tmp:
        sitk.WriteImage(img, str(Path(tmp) / p.name), False)
        for f in sorted(Path(tmp).iterdir()):
            os.replace(f, p.parent / f.name)
    return p


def write_dicom_series(vol: Volume, folder: str | os.PathLike, series_uid: str | None = None,
                       patient_id: str = "PHANTOM", intercept: float = -1024.0) -> list[Path]:
    """Write a HU volume as a CT DICOM series, one file per slice (``IM_0001.dcm`` ...), slope 1.

    Stored value = ``round(HU - intercept)`` as uint16 (clipped). The volume is written in its storage
    order (:meth:`~.volumes.Volume.to_storage`). ImagePositionPatient of slice ``k`` =
    ``origin + k * spacing_z * direction[:, 2]``; ImageOrientationPatient = the x and y direction columns.

    Returns:
        The files written.
    """
    import pydicom
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    vol = vol.to_storage()
    d = vol.direction_matrix()
    series_uid = series_uid or generate_uid()
    study_uid = generate_uid()
    stored = np.clip(np.rint(np.asarray(vol.array, np.float64) - intercept), 0, 65535).astype(np.uint16)
    files = []
    for k in range(vol.shape[0]):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
        ds.Modality, ds.PatientID, ds.PatientName = "CT", patient_id, patient_id
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
        ds.InstanceNumber = k + 1
        pos = np.asarray(vol.origin, np.float64) + k * vol.spacing[0] * d[:, 2]
        ds.ImagePositionPatient = [f"{v:.4f}" for v in pos]
        ds.ImageOrientationPatient = [f"{v:.6f}" for v in np.concatenate([d[:, 0], d[:, 1]])]
        ds.PixelSpacing = [f"{vol.spacing[1]:g}", f"{vol.spacing[2]:g}"]
        ds.SliceThickness = f"{vol.spacing[0]:g}"
        ds.Rows, ds.Columns = vol.shape[1], vol.shape[2]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.RescaleSlope, ds.RescaleIntercept = 1, f"{intercept:g}"
        ds.PixelData = stored[k].tobytes()
        buf = io.BytesIO()
        ds.is_little_endian, ds.is_implicit_VR = True, False
        pydicom.dcmwrite(buf, ds, write_like_original=False)
        files.append(atomic_write_bytes(out / f"IM_{k + 1:04d}.dcm", buf.getvalue()))
    return files
