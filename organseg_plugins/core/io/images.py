"""Image and mask files in: decoding with errors that name the file, masks through the one validator."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ..errors import OrgansegInputError
from .validate import as_binary_mask

__all__ = ["IMAGE_EXTS", "MASK_IMAGE_EXTS", "read_image_file", "read_binary_mask"]

#: Image file endings (lower-case): the one definition, imported by every module that lists images.
IMAGE_EXTS: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")

#: The image endings a mask may have: :data:`IMAGE_EXTS` without the lossy JPEG (a JPEG mask is not 0/1).
MASK_IMAGE_EXTS: tuple[str, ...] = tuple(e for e in IMAGE_EXTS if e not in (".jpg", ".jpeg"))

def read_image_file(path: str | os.PathLike, flags: int = cv2.IMREAD_UNCHANGED) -> np.ndarray:
    """Read an image with OpenCV, raising a clear error for missing, empty or corrupt files.

    Args:
        path: Image file.
        flags: ``cv2.imdecode`` flags (default: unchanged depth and channels).

    Returns:
        The decoded array (colour images in OpenCV's BGR order).

    Raises:
        OrgansegInputError: Naming the file, if it is missing, empty (0 bytes), cannot be decoded,
            decodes to an empty array, or is a multi-page TIFF (a volume as an image stack: OpenCV would
            give its first page only).
    """
    p = Path(path)
    if not p.is_file():
        raise OrgansegInputError(f"{p}: file does not exist")
    raw = np.fromfile(str(p), dtype=np.uint8)
    if raw.size == 0:
        raise OrgansegInputError(f"{p}: file is empty (0 bytes)")
    img = cv2.imdecode(raw, flags)
    if img is None:
        raise OrgansegInputError(f"{p}: cannot be decoded as an image (corrupt or not an image)")
    if img.size == 0:
        raise OrgansegInputError(f"{p}: image has no pixels (shape {img.shape})")
    if p.suffix.lower() in (".tif", ".tiff"):
        pages = cv2.imcount(str(p))
        if pages > 1:
            raise OrgansegInputError(
                f"{p}: multi-page TIFF ({pages} pages): a volume stored as an image stack has no voxel geometry "
                "or HU scale; give the volume as NIfTI, NRRD, MetaImage or a DICOM series (cut into slices "
                "as the converters cut them), or one image file per slice")
    return img



def read_binary_mask(path: str | os.PathLike, *, label: int | None = None, allow_255: bool = False) -> np.ndarray:
    """Read a mask image (unchanged depth and channels) and validate it as a 0/1 mask.

    Args:
        path: Mask image file (PNG, BMP, TIFF).
        label: Foreground value of a label map (``mask == label``).
        allow_255: Convert a {0, 255} mask (converters only; datasets and metrics refuse it).

    Returns:
        HxW ``uint8`` array with values in {0, 1}.

    Raises:
        OrgansegInputError: Naming the file: missing, empty, corrupt/truncated, colour, or values
            other than 0/1 (the values found are listed).
    """
    return as_binary_mask(read_image_file(path), str(path), label=label, allow_255=allow_255, ndim=(2,))
