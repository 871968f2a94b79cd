"""Grey image slices as float32 in [0, 1] and back to their file's dtype (8 or 16 bit)."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.images import read_image_file


def to_unit_float(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.uint8:
        return img.astype(np.float32) / 255.0
    if img.dtype == np.uint16:
        return img.astype(np.float32) / 65535.0
    if img.dtype == bool or np.issubdtype(img.dtype, np.integer):
        raise ValueError(f"integer images must be uint8 or uint16, got {img.dtype}")
    return img.astype(np.float32, copy=False)


def read_gray_slice(path: str | os.PathLike) -> tuple[np.ndarray, np.dtype]:
    """Read a grey image slice (PNG/TIFF/...; 8 or 16 bit) as float32 in [0, 1].

    Colour images are converted to grey (OpenCV's BGR -> grey weights).

    Args:
        path: Image file.

    Returns:
        ``(image, dtype)``: the HxW float32 image and the file's dtype (uint8 or uint16), to write the
        result back at the same bit depth with :func:`to_image_dtype`.

    Raises:
        OrgansegInputError: Naming the file, if it is missing, empty, not decodable or not 8/16 bit.
    """


    path = Path(path)
    img = read_image_file(path)
    if img.dtype not in (np.uint8, np.uint16):
        raise OrgansegInputError(f"image file {str(path)!r} has pixel type {img.dtype}; expected 8 or 16 bit")
    if img.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if img.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        img = img[..., 0] if img.shape[2] == 1 else cv2.cvtColor(img, code)
    return to_unit_float(img), img.dtype


def to_image_dtype(img: np.ndarray, dtype: np.dtype | type = np.uint8) -> np.ndarray:
    """Convert a float image in [0, 1] to uint8 (x255) or uint16 (x65535), clipped and rounded.

    Args:
        img: Float image.
        dtype: ``np.uint8`` or ``np.uint16``.

    Returns:
        The integer image.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.uint8, np.uint16):
        raise ValueError(f"dtype must be uint8 or uint16, got {dtype}")
    top = float(np.iinfo(dtype).max)
    return np.clip(np.rint(np.asarray(img, dtype=np.float64) * top), 0, top).astype(dtype)
