"""Input errors of the project: one exception type that the command-line tools print without a traceback.

Every check that rejects user data (a missing folder, a 0/255 mask, a size mismatch) raises
:class:`OrgansegInputError` with a message that names the offending file and the problem, so a
researcher sees *what* to fix instead of a traceback deep inside mmengine or detectron2.
"""

from __future__ import annotations

import numpy as np


class OrgansegInputError(ValueError):
    """Bad user input (files, masks, spacing); the message names the file and the problem."""


def check_binary_mask(mask: np.ndarray, source: str, allowed: tuple[int, ...] = (0, 1)) -> None:
    """Raise unless ``mask`` holds only the ``allowed`` label values.

    A 0/255 mask is the most common silent failure in binary segmentation: mmseg would read
    255 as its ignore index and train on nothing. This check catches it by name.

    Args:
        mask: integer label map (any shape).
        source: file name (or description) used in the error message.
        allowed: the label values accepted, e.g. ``(0, 1)`` or ``(0, 1, 255)`` with an ignore label.

    Raises:
        OrgansegInputError: the mask is empty or has other values.
    """
    if mask.size == 0:
        raise OrgansegInputError(f"{source}: mask is empty (shape {mask.shape})")
    if mask.dtype == bool:
        return
    if not np.issubdtype(mask.dtype, np.integer):
        raise OrgansegInputError(f"{source}: mask dtype {mask.dtype} is not an integer label map")
    lo, hi = int(mask.min()), int(mask.max())
    if set(range(lo, hi + 1)) <= set(allowed):  # fast path: no np.unique for clean 0/1 masks
        return
    found = set(np.unique(mask).tolist())
    bad = found - set(allowed)
    if bad:
        hint = " (looks like a 0/255 mask: divide by 255)" if found <= {0, 255} else ""
        raise OrgansegInputError(
            f"{source}: mask has values {sorted(found)}, expected only {list(allowed)}{hint}"
        )
