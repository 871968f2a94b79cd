"""DeepMind's surfels: the boundary on the voxel-corner grid, weighted by contour length / surface area.

Nikolov, Blackwell, Zverovitch et al. (2021). "Clinically applicable segmentation of head and neck
anatomy for radiotherapy: deep learning algorithm development and validation study". J Med Internet
Res 23(7):e26151 (code: DeepMind ``surface-distance``; MONAI ``use_subvoxels=True`` is the same).

Each corner of the voxel grid gets the neighbour code of its 2x2 (2x2x2) voxel neighbourhood; a
corner is a surface element (surfel) when the code is neither all-outside nor all-inside. Its weight
is the length (2-D, marching squares: half-diagonal per cut corner, a full edge for a straight cut)
or the area (3-D, the marching-cubes triangles of DeepMind's table, scaled by the spacing) of the
contour/surface piece inside that neighbourhood. The lookup data lives here; the distances come from
the shared kernel :func:`~.geometry.directed_distances` on the crop of a :class:`~.pair.MaskPair`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import OrgansegInputError
from ..io.validate import as_spacing
from .geometry import directed_distances

__all__ = ["surfel_area_table", "neighbour_codes", "surfels_of_crops", "weighted_percentile"]

# 3-D: per 2x2x2 neighbour code, the absolute normal vectors (n0, n1, n2) of the marching-cubes
# triangles inside the neighbourhood, in units of 1/8 (3 digits per triangle, triangles separated by
# spaces, "-" for none). A normal's length is its triangle's area for unit spacing; for spacing
# (s0, s1, s2) the area is ||(n0 s1 s2, n1 s0 s2, n2 s0 s1)||. These are the triangles of the lookup
# table of DeepMind's ``surface-distance`` (``lookup_tables.py``, Apache-2.0; MONAI ships the same
# table), stored compactly: codes 0..127 are listed, code 255 - c (the complement's neighbourhood,
# same surface) has the same triangles as code c. tests/core/metrics/test_surface_dice.py checks
# every entry against MONAI's table.
_NORMALS_3D_CODES_0_127 = (
    "-|111|111|220 220|111|202 202|111 111|400 222 111|111|111 111|202 202|400 222 111|220 220|"
    "400 222 111|400 222 111|400 400|111|022 022|111 111|040 222 111|111 111|004 222 111|111 111 111|"
    "111 222 222 111|111 111|022 022 111|202 202 111|111 333 022 202|111 220 220|333 022 111 220|"
    "400 111 222 111|400 111 222|111|111 111|022 022|040 111 222|111 111|111 202 202|022 022 111|"
    "333 022 111 202|111 111|111 111 111|004 222 111|222 222 111 111|111 220 220|400 222 111 111|"
    "022 333 111 220|400 222 111|220 220|040 222 111|040 111 222|040 040|220 220 111|333 202 111 220|"
    "111 040 222 111|040 222 111|111 220 220|040 222 111 111|333 220 111 202|040 222 111|"
    "220 220 220 220|220 220 111|111 220 220|220 220|111|111 111|111 111|111 220 220|022 022|"
    "004 222 111|022 022 111|333 022 111 220|111 111|111 111 111|111 202 202|400 222 111 111|"
    "040 222 111|222 222 111 111|202 333 022 111|400 222 111|202 202|004 222 111|111 202 202|"
    "202 333 220 111|004 222 111|004 004|111 111 222 004|111 222 004|202 202 111|004 222 111 111|"
    "202 202 202 202|111 202 202|202 333 220 111|004 222 111|111 202 202|202 202|111 111|111 111 111|"
    "111 022 022|040 111 222 111|022 022 111|004 222 111 111|022 022 022 022|022 022 111|111 111 111|"
    "111 111 111 111|004 222 111 111|111 111 111|040 222 111 111|111 111 111|022 022 111|111 111|"
    "400 222 111|222 111 222 111|333 022 111 202|040 222 111|333 220 022 111|111 222 004|111 022 022|"
    "022 022|400 222 111 111|111 111 111|202 202 111|111 111|220 220 111|111 111|111 111|111"
)


def _decode_normals() -> np.ndarray:
    """(256, 4, 3) float64 absolute triangle normals per code (zero rows pad to 4 triangles)."""
    entries = _NORMALS_3D_CODES_0_127.split("|")
    assert len(entries) == 128
    out = np.zeros((256, 4, 3))
    for code, entry in enumerate(entries):
        if entry == "-":
            continue
        for k, tri in enumerate(entry.split()):
            out[code, k] = [int(ch) / 8.0 for ch in tri]
    out[128:] = out[127::-1]  # code 255 - c <- code c
    return out


_NORMALS_3D = _decode_normals()


def _contour_length_table(spacing: tuple[float, float]) -> np.ndarray:
    """Marching-squares contour length per 2x2 neighbour code (bits: TL 8, TR 4, BL 2, BR 1).

    One corner cut (or three corners inside) -> a segment joining two adjacent edge midpoints,
    length ``0.5 * sqrt(s0**2 + s1**2)``; two corners of one row -> a horizontal segment of length
    ``s1``; of one column -> vertical, ``s0``; two diagonal corners -> two corner segments.
    """
    s0, s1 = spacing
    diag = 0.5 * math.sqrt(s0**2 + s1**2)
    table = np.zeros(16)
    for code in range(16):
        tl, tr, bl, br = (code >> 3) & 1, (code >> 2) & 1, (code >> 1) & 1, code & 1
        n_in = tl + tr + bl + br
        if n_in in (1, 3):
            table[code] = diag
        elif n_in == 2:
            if tl == tr:  # one row inside, the other outside: horizontal cut
                table[code] = s1
            elif tl == bl:  # one column inside: vertical cut
                table[code] = s0
            else:  # diagonal pair: two separate corner cuts
                table[code] = 2 * diag
    return table


def _surface_area_table(spacing: tuple[float, float, float]) -> np.ndarray:
    """Marching-cubes surface area per 2x2x2 neighbour code: sum of the scaled triangle normals' norms."""
    s0, s1, s2 = spacing
    scaled = _NORMALS_3D * np.array([s1 * s2, s0 * s2, s0 * s1])
    return np.sqrt((scaled**2).sum(axis=-1)).sum(axis=-1)


def surfel_area_table(spacing: Sequence[float]) -> np.ndarray:
    """Surfel weight per neighbour code: contour length (2-D, 16 codes) or surface area (3-D, 256).

    Codes are DeepMind's: for a corner ``c`` of the voxel grid, the voxel ``c - 1 + o``
    (``o`` in {0, 1}^d) contributes bit ``2**(2**d - 1 - index(o))`` with ``index(o)`` the binary
    number ``o0 o1 (o2)``; e.g. in 2-D top-left 8, top-right 4, bottom-left 2, bottom-right 1.

    Args:
        spacing: one positive finite float per axis (2 or 3 values).

    Returns:
        float64 array of 16 (2-D) or 256 (3-D) weights; 0 for the all-outside / all-inside codes.

    Raises:
        OrgansegInputError: not 2 or 3 values, or a value that is not positive and finite.
    """
    sp = as_spacing(tuple(float(s) for s in spacing), len(spacing))
    if len(sp) == 2:
        return _contour_length_table(sp)  # type: ignore[arg-type]
    if len(sp) == 3:
        return _surface_area_table(sp)  # type: ignore[arg-type]
    raise OrgansegInputError(f"spacing must have 2 or 3 values, got {len(sp)}")


def neighbour_codes(m: np.ndarray) -> np.ndarray:
    """DeepMind neighbour code at every voxel corner of a mask with a 1-voxel zero frame.

    ``m`` has shape ``n + 2`` (frame included); the result has shape ``n + 1``: corner ``c`` of the
    unframed mask, whose 2**d voxels are ``c - 1 + o``, i.e. ``m[c + o]`` in framed indices.
    """
    nd = m.ndim
    out_shape = tuple(s - 1 for s in m.shape)
    codes = np.zeros(out_shape, dtype=np.uint8)
    n_bits = 2**nd
    mu = m.view(np.uint8)
    for index in range(n_bits):
        o = [(index >> (nd - 1 - ax)) & 1 for ax in range(nd)]
        sl = tuple(slice(o[ax], o[ax] + out_shape[ax]) for ax in range(nd))
        codes |= mu[sl] << np.uint8(n_bits - 1 - index)
    return codes


def surfels_of_crops(
    p: np.ndarray, g: np.ndarray, spacing: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Surfel distances and weights ``(d_pg, areas_p, d_gp, areas_g)`` of two framed crops, scan order.

    ``p`` and ``g`` are the union crop with a 1-voxel zero frame (:func:`~.geometry.padded_crop`),
    so the corner grid covers every surfel and the scan order is MONAI's. A direction whose target
    surface is empty gets ``inf`` distances (DeepMind's convention).
    """
    code_p, code_g = neighbour_codes(p), neighbour_codes(g)
    full = 2 ** (2**p.ndim) - 1
    bp = (code_p != 0) & (code_p != full)
    bg = (code_g != 0) & (code_g != full)
    table = surfel_area_table(spacing)
    a_p, a_g = table[code_p[bp]], table[code_g[bg]]
    if a_p.size == 0 or a_g.size == 0:
        return np.full(a_p.size, np.inf), a_p, np.full(a_g.size, np.inf), a_g
    d_pg, d_gp = directed_distances(bp, bg, spacing)
    return d_pg, a_p, d_gp, a_g


def weighted_percentile(d: np.ndarray, a: np.ndarray, percent: float) -> float:
    """Area-weighted percentile without interpolation (DeepMind ``compute_robust_hausdorff``).

    The smallest distance (in ascending (distance, area) order) at which the cumulative weight
    fraction reaches ``percent / 100``.
    """
    order = np.lexsort((a, d))
    d_sorted, a_sorted = d[order], a[order]
    cum = np.cumsum(a_sorted) / np.sum(a_sorted)
    idx = int(np.searchsorted(cum, percent / 100.0))
    return float(d_sorted[min(idx, d_sorted.size - 1)])
