"""Atomic writes: every file the project writes appears whole or not at all.

The bytes go to a temporary file in the destination folder, which then replaces the target with
:func:`os.replace`, so a reader never sees a half-written file (a crash leaves at most a stray
``.<name>.*.tmp`` file behind, never a truncated target).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import cv2
import numpy as np

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_write_json", "atomic_imwrite_png", "encode_png"]

PathLike = str | os.PathLike

def atomic_write_bytes(path: PathLike, data: bytes, fsync: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically.

    The bytes go to a temporary file in the same folder (created with the usual ``0o666 & ~umask``
    permissions), which then replaces ``path`` with :func:`os.replace`. Missing parent folders are
    created.

    Args:
        path: Destination file.
        data: Bytes to write.
        fsync: Also ``fsync`` the temporary file before the rename (durability across power loss;
            slower, off by default).

    Returns:
        The destination as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path

def atomic_write_text(path: PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (no newline translation).

    Args:
        path: Destination file.
        text: Text to write; line endings are written exactly as given.
        encoding: Text encoding.

    Returns:
        The destination as a :class:`~pathlib.Path`.
    """
    return atomic_write_bytes(path, text.encode(encoding))

def atomic_write_json(path: PathLike, obj: Any, indent: int | None = None) -> Path:
    """Write ``obj`` as deterministic JSON (sorted keys, fixed separators, trailing newline).

    Args:
        path: Destination file.
        obj: JSON-serialisable object.
        indent: ``None`` for compact output (separators ``","`` and ``":"``), else the indent
            width (separators ``","`` and ``": "``).

    Returns:
        The destination as a :class:`~pathlib.Path`.
    """
    seps = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(obj, sort_keys=True, separators=seps, indent=indent, ensure_ascii=True)
    return atomic_write_text(path, text + "\n")

def encode_png(array: np.ndarray) -> bytes:
    """Encode a uint8/uint16 array (HxW, HxWx3 BGR or HxWx4 BGRA) as PNG bytes.

    Args:
        array: Image array.

    Returns:
        The PNG file content.

    Raises:
        ValueError: On an unsupported dtype or shape, or if OpenCV fails to encode.
    """
    array = np.asarray(array)
    if array.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"PNG needs a uint8 or uint16 array, got {array.dtype}")
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (1, 3, 4))):
        raise ValueError(f"PNG needs an HxW or HxWxC (C in 1,3,4) array, got shape {array.shape}")
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(array))
    if not ok:
        raise ValueError("cv2.imencode failed to encode the PNG")
    return buf.tobytes()

def atomic_imwrite_png(path: PathLike, array: np.ndarray) -> Path:
    """Encode ``array`` as PNG (see :func:`encode_png`) and write it atomically to ``path``.

    Args:
        path: Destination ``.png`` file.
        array: uint8/uint16 image, HxW or HxWxC (BGR channel order for colour).

    Returns:
        The destination as a :class:`~pathlib.Path`.
    """
    return atomic_write_bytes(path, encode_png(array))
