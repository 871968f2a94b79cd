"""A fast CT-like volume for speed checks at full size (512 x 512 x 200 voxels in seconds, little memory).

:func:`organseg_plugins.core.phantoms.ct_volumes.ct_volume_phantom` builds its anatomy on 3-D float64 grids
(several GB at 512 x 512 x 200); this generator draws the same kind of abdomen slice by slice on one 2-D
grid: air (-1000 HU) around an elliptic body of fat (-100 HU) and soft tissue (40 HU), a spine (700 HU)
behind, a liver (60 HU) on the image left whose size follows the slice, a pancreas-like band (100 HU) over
the central third of the slices, Gaussian noise (sd 12 HU), as ``int16`` HU, identity direction.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..io.volumes import Volume

__all__ = ["synthetic_ct_volume", "write_synthetic_ct"]


def synthetic_ct_volume(shape: tuple[int, int, int] = (200, 512, 512),
                        spacing: tuple[float, float, float] = (2.5, 0.8, 0.8), seed: int = 0) -> Volume:
    """A CT-like ``int16`` HU volume ``(z, y, x)`` (see the module docstring); deterministic in ``seed``."""
    nz, ny, nx = (int(v) for v in shape)
    rng = np.random.default_rng([int(seed), 512])
    y, x = np.meshgrid(np.linspace(-1.0, 1.0, ny, dtype=np.float32), np.linspace(-1.0, 1.0, nx, dtype=np.float32),
                       indexing="ij")
    body = (x / 0.86) ** 2 + (y / 0.72) ** 2 <= 1.0
    inner = (x / 0.8) ** 2 + (y / 0.66) ** 2 <= 1.0
    spine = x ** 2 + (y - 0.45) ** 2 <= 0.11 ** 2
    base = np.full((ny, nx), -1000.0, np.float32)
    base[body] = -100.0
    base[inner] = 40.0
    base[spine] = 700.0
    out = np.empty((nz, ny, nx), np.int16)
    for z in range(nz):
        t = (z - (nz - 1) / 2) / max(nz / 2, 1)  # -1 .. 1 along the volume
        sl = base.copy()
        r = 0.3 * max(0.0, 1.0 - t * t) ** 0.5
        if r > 0:
            liver = (((x + 0.35) / r) ** 2 + ((y + 0.05) / (0.75 * r)) ** 2 <= 1.0) & inner & ~spine
            sl[liver] = 60.0
        if abs(t) <= 1 / 3:
            band = (np.abs(y - 0.18 - 0.05 * np.cos(3.0 * x)) <= 0.025) & (x > -0.4) & (x < 0.5) & inner & ~spine
            sl[band] = 100.0
        sl += rng.normal(0.0, 12.0, (ny, nx)).astype(np.float32)
        out[z] = np.rint(sl).astype(np.int16)
    sz, sy, sx = spacing
    return Volume(out, (float(sz), float(sy), float(sx)), (-nx * sx / 2, -ny * sy / 2, 0.0),
                  (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0))


def write_synthetic_ct(path: str | os.PathLike, shape: tuple[int, int, int] = (200, 512, 512), seed: int = 0) -> Path:
    """Write :func:`synthetic_ct_volume` as a NIfTI file (``.nii.gz``); returns the path."""
    from ..io.volume_write import write_nifti

    return Path(write_nifti(synthetic_ct_volume(shape, seed=seed), Path(path), np.int16, compresslevel=1))
