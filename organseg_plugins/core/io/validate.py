"""The one mask validator: every reader, metric, converter, dataset and tool checks masks here.

A binary organ mask holds 0 (background) and 1 (organ). The usual ways a mask goes wrong are all
refused here, with one message format that names the file (or array) and the values found:

* a 0/255 mask (mmseg would read 255 as "ignore" and learn nothing; a metric would be nonsense),
  unless the caller explicitly converts it (``allow_255=True``: converters reading exports of
  other tools, which report that they did so);
* an RGB/RGBA image (a colour label map), unless its channels are identical (``grey_rgb=True``);
* a 16-bit mask with values other than 0/1 (e.g. 0/65535);
* NaN/inf or non-integer floats (probabilities: threshold them first);
* a label map with several organ values (choose one with ``label=``).

Spacing (voxel size in mm) is checked by :func:`as_spacing` with the same error type.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ..errors import OrgansegInputError

__all__ = ["as_binary_mask", "check_label_values", "as_spacing", "describe_values", "Spacing"]

Spacing = float | Sequence[float] | None


def describe_values(arr: np.ndarray, limit: int = 8) -> str:
    """``{0, 1, 255}``-style text of the distinct values of ``arr`` (at most ``limit`` shown)."""
    vals = np.unique(arr)
    shown = []
    for v in vals[:limit].tolist():
        f = float(v)
        shown.append(str(int(f)) if f.is_integer() else repr(f))
    text = ", ".join(shown)
    if vals.size > limit:
        text += f", ... ({vals.size} distinct values)"
    return "{" + text + "}"


def _bad_values(arr: np.ndarray, source: str, expected: str) -> OrgansegInputError:
    vals = np.unique(arr)
    found = {float(v) for v in vals[:9].tolist()}
    if found <= {0.0, 255.0}:
        hint = " (a 0/255 mask: divide it by 255)"
    elif found <= {0.0, 65535.0}:
        hint = " (a 16-bit 0/65535 mask: divide it by 65535)"
    elif all(v.is_integer() for v in found):
        hint = " (a label map: choose the organ's value with label= / --label)"
    else:
        hint = " (probabilities? threshold them first)"
    return OrgansegInputError(
        f"{source}: mask has values {describe_values(arr)} (dtype {arr.dtype}); expected {expected}{hint}"
    )


def _drop_grey_channels(m: np.ndarray, source: str, grey_rgb: bool) -> np.ndarray:
    if m.shape[2] == 1:
        return m[..., 0]
    same = m.shape[2] == 3 or bool((m[..., 3] == m[0, 0, 3]).all())
    same = same and bool((m[..., 0] == m[..., 1]).all() and (m[..., 1] == m[..., 2]).all())
    if not same:
        raise OrgansegInputError(
            f"{source}: mask is a {m.shape[2]}-channel colour image (shape {m.shape}); expected a "
            "single-channel 0/1 mask (convert colour label maps with their label colours first)"
        )
    return m[..., 0]


def as_binary_mask(
    mask: ArrayLike,
    source: str = "mask",
    *,
    label: int | None = None,
    allow_255: bool = False,
    ndim: Sequence[int] = (2, 3),
    grey_rgb: bool = False,
) -> np.ndarray:
    """Validate a binary mask and return it as ``uint8`` 0/1 (zero-copy for clean uint8/bool input).

    Args:
        mask: bool, integer or float array.
        source: file name or description used in the error message.
        label: foreground value of a label map (``mask == label``); other values are background.
        allow_255: accept a {0, 255} mask and convert it (for converters of other tools' exports).
        ndim: accepted numbers of dimensions (a 2-D image, a 3-D volume).
        grey_rgb: accept an HxWx3/HxWx4 image whose colour channels are identical (a grey mask
            saved as RGB); only meaningful when ``2 in ndim``.

    Returns:
        The mask as a ``uint8`` array holding only 0 and 1 (``.view(bool)`` gives a bool view).

    Raises:
        OrgansegInputError: empty, wrong dimensionality, colour, NaN/inf, or values other than 0/1
            (the message names ``source``, lists the values found and says how to fix it).
    """
    m = np.asarray(mask)
    if m.size == 0:
        raise OrgansegInputError(f"{source}: mask is empty (shape {m.shape})")
    if grey_rgb and m.ndim == 3 and m.shape[2] in (1, 3, 4):
        m = _drop_grey_channels(m, source, grey_rgb)
    if m.ndim not in tuple(ndim):
        want = " or ".join(f"{d}-D" for d in ndim)
        hint = ""
        if m.ndim == 3 and m.shape[2] in (3, 4) and 3 not in tuple(ndim):
            hint = f" (a {m.shape[2]}-channel colour image? save masks single-channel with values 0/1)"
        raise OrgansegInputError(f"{source}: mask has shape {m.shape}; expected a {want} mask{hint}")
    if m.dtype == np.bool_:
        return m.view(np.uint8)
    kind = m.dtype.kind
    if kind not in "iuf":
        raise OrgansegInputError(f"{source}: mask dtype {m.dtype} is not a bool, integer or float 0/1 mask")
    if kind == "f":
        if not np.isfinite(m).all():
            raise OrgansegInputError(f"{source}: mask contains NaN or inf; expected a 0/1 mask")
        if label is None and ((m != 0) & (m != 1)).any():
            if allow_255 and bool(((m == 0) | (m == 255)).all()):
                return (m == 255).view(np.uint8)
            raise _bad_values(m, source, "0/1")
        if label is not None:
            if not np.array_equal(m, np.rint(m)):
                raise _bad_values(m, source, "an integer label map")
            return (m == label).view(np.uint8)
        return (m != 0).view(np.uint8)
    if label is not None:
        return (m == label).view(np.uint8)
    hi = int(m.max())  # unsigned masks need no min(): one pass over the data, not two
    lo = 0 if kind == "u" else int(m.min())
    if lo >= 0 and hi <= 1:
        return m if m.dtype == np.uint8 else m.astype(np.uint8)
    if allow_255 and lo >= 0 and hi == 255 and bool(((m == 0) | (m == 255)).all()):
        return (m == 255).view(np.uint8)
    raise _bad_values(m, source, "0/1")


def check_label_values(mask: ArrayLike, source: str, allowed: Sequence[int] = (0, 1)) -> None:
    """Raise unless an integer segmentation map holds only ``allowed`` values (e.g. 0, 1, 255=ignore).

    The same rule and message as :func:`as_binary_mask`, for maps that may carry an ignore label.

    Raises:
        OrgansegInputError: naming ``source`` and the values found.
    """
    m = np.asarray(mask)
    if m.size == 0:
        raise OrgansegInputError(f"{source}: mask is empty (shape {m.shape})")
    if m.dtype == np.bool_:
        return
    if m.dtype.kind not in "iu":
        raise OrgansegInputError(f"{source}: mask dtype {m.dtype} is not an integer label map")
    lo, hi = int(m.min()), int(m.max())
    allowed_set = {int(a) for a in allowed}
    if set(range(lo, hi + 1)) <= allowed_set:  # fast path: no np.unique for clean maps
        return
    if set(np.unique(m).tolist()) <= allowed_set:
        return
    raise _bad_values(m, source, "only " + "/".join(str(a) for a in sorted(allowed_set)))


def as_spacing(spacing: Spacing, ndim: int, source: str | None = None) -> tuple[float, ...]:
    """Validate a voxel size in mm and return one positive finite float per array axis.

    Args:
        spacing: one number (isotropic), one per axis (array-axis order), or None (1 per axis).
        ndim: number of array axes.
        source: what the spacing belongs to, for the error message (e.g. ``"meta.csv row 3"``); optional.

    Raises:
        OrgansegInputError: not numbers, wrong count, or a value that is not positive and finite.
    """
    if spacing is None:
        return (1.0,) * ndim
    where = f"{source}: " if source else ""
    try:
        arr = np.asarray(spacing, dtype=float)
    except (TypeError, ValueError):
        raise OrgansegInputError(f"{where}spacing must be a number or a sequence of numbers, got {spacing!r}") from None
    if arr.ndim == 0:
        vals = (float(arr),) * ndim
    else:
        vals = tuple(float(s) for s in arr.ravel())
        if arr.ndim != 1 or len(vals) != ndim:
            raise OrgansegInputError(
                f"{where}spacing {spacing!r} has {len(vals)} values but the masks are {ndim}-D: "
                f"give one value per array axis or a single float"
            )
    for v in vals:
        if not math.isfinite(v) or v <= 0:
            raise OrgansegInputError(f"{where}spacing must be positive and finite (mm per voxel), got {spacing!r}")
    return vals
