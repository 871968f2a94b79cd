"""Deterministic synthetic phantoms: ultrasound spleen and CT liver images with exact masks.

The generators are cheap (a few ms per 256 px image), fully determined by the
:class:`numpy.random.Generator` they are given, and produce a ground truth that is known
analytically (e.g. the spleen length), so pipelines and metrics can be tested end to end without
real patient data. :func:`write_phantom_dataset` writes two MMSegmentation-style datasets with COCO
instance annotations; see its docstring for the layout.

Coordinates: pixel ``(row, col)`` is the point ``(x, y) = (col, row)`` at its centre; a pixel
belongs to a shape when its centre lies inside it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.atomic import atomic_write_json
from organseg_plugins.core.io.layout import SPLITS, MMSegLayoutWriter
from organseg_plugins.core.io.paths import check_output_dir

__all__ = [
    "ultrasound_spleen",
    "ultrasound_image",
    "ct_liver",
    "write_phantom_dataset",
    "SPLITS",
    "MARKER_NAME",
    "SPLEEN_META_COLUMNS",
    "LIVER_META_COLUMNS",
]

MARKER_NAME = "phantom.json"
_GENERATOR_ID = "organseg_plugins.core.phantoms.write_phantom_dataset"
_FORMAT_VERSION = 1
SPLEEN_META_COLUMNS = ("filename", "split", "patient_id", "spacing_mm", "length_mm", "height", "width", "shape")
LIVER_META_COLUMNS = ("filename", "split", "case_id", "slice_index", "spacing_mm", "n_parts", "height", "width")
_DATASET_IDS = {"spleen_us": 0, "liver_ct": 1}


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates ``(x, y)`` as float64 HxW arrays."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    return xx, yy


def _ellipse_value(
    xx: np.ndarray, yy: np.ndarray, cx: float, cy: float, a: float, b: float, angle: float
) -> np.ndarray:
    """``(u/a)^2 + (v/b)^2`` in the ellipse frame (u along the axis at ``angle`` radians)."""
    c, s = np.cos(angle), np.sin(angle)
    dx, dy = xx - cx, yy - cy
    u = dx * c + dy * s
    v = -dx * s + dy * c
    return (u / a) ** 2 + (v / b) ** 2


def _ellipse(xx: np.ndarray, yy: np.ndarray, cx: float, cy: float, a: float, b: float, angle: float = 0.0) -> np.ndarray:
    return _ellipse_value(xx, yy, cx, cy, a, b, angle) <= 1.0


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise normalised to zero mean and unit std."""
    n = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="reflect")
    std = n.std()
    return (n - n.mean()) / (std if std > 0 else 1.0)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _to_uint8(img: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def _components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """8-connected labels and component sizes (index 0 = label 1)."""
    lab, n = ndimage.label(mask, structure=np.ones((3, 3), bool))
    sizes = np.bincount(lab.ravel(), minlength=n + 1)[1:]
    return lab, sizes


def _keep_largest(mask: np.ndarray, k: int) -> np.ndarray:
    lab, sizes = _components(mask)
    if sizes.size == 0:
        return mask.astype(bool)
    keep = np.argsort(-sizes, kind="stable")[:k] + 1
    return np.isin(lab, keep)


# --------------------------------------------------------------------------------------------
# ultrasound spleen
# --------------------------------------------------------------------------------------------


def _render_sector_image(rng: np.random.Generator, mask: np.ndarray, rr: np.ndarray, th: np.ndarray, half: float,
                         r0: float, r1: float) -> tuple[np.ndarray, int]:
    """B-mode appearance of ``mask`` in a sector (radius ``rr`` and angle ``th`` from the apex per pixel):
    tissue, fascia arcs, brighter organ with capsule, attenuation, shadows, speckle, field of view."""
    size = mask.shape[0]
    s = float(size)
    xx, _ = _grid(size)
    # --- tissue background ---
    shape2 = mask.shape
    tissue = 78.0 + 14.0 * _smooth_noise(rng, shape2, s / 40) + 9.0 * _smooth_noise(rng, shape2, s / 12)
    n_arcs = int(rng.integers(1, 4))
    for _ in range(n_arcs):  # bright fascia arcs roughly parallel to the probe face
        rk = rng.uniform(r0 + 0.05 * s, r1 - 0.1 * s)
        wk = rng.uniform(0.8, 2.0)
        tk0, tk1 = np.sort(rng.uniform(-half, half, 2))
        wiggle = 0.015 * s * _smooth_noise(rng, (1, size), s / 10)[0]
        band = np.exp(-0.5 * ((rr - rk - wiggle[np.clip(xx.astype(int), 0, size - 1)]) / wk) ** 2)
        band *= _smoothstep((th - tk0) / 0.05) * _smoothstep((tk1 - th) / 0.05)
        tissue += rng.uniform(35, 70) * band

    # --- organ appearance: brighter, finer/homogeneous texture, bright capsule ---
    soft = ndimage.gaussian_filter(mask.astype(np.float64), 0.8)
    organ_tex = 118.0 + rng.uniform(-8, 8) + 6.0 * _smooth_noise(rng, shape2, 1.5)
    img = tissue * (1.0 - soft) + organ_tex * soft
    edt_in = ndimage.distance_transform_edt(mask)
    edt_out = ndimage.distance_transform_edt(1 - mask)
    dist = np.where(mask > 0, edt_in - 0.5, -(edt_out - 0.5))
    img += rng.uniform(40, 70) * np.exp(-0.5 * (dist / 1.0) ** 2)

    # --- depth attenuation with partial gain compensation ---
    depth = np.clip((rr - r0) / (r1 - r0), 0.0, 1.0)
    img *= np.exp(-rng.uniform(0.3, 0.8) * depth) * (1.0 + 0.25 * depth)
    img *= 1.0 + 0.4 * np.exp(-((rr - r0) / (0.04 * s)) ** 2)  # bright near field

    # --- acoustic shadows radiating from the transducer ---
    n_shadows = int(rng.integers(1, 4))
    for _ in range(n_shadows):
        tk = rng.uniform(-half * 0.9, half * 0.9)
        wk = rng.uniform(0.015, 0.05)
        rk = rng.uniform(r0 + 0.02 * s, r0 + 0.5 * (r1 - r0))
        strength = rng.uniform(0.35, 0.65)
        ang = _smoothstep((wk - np.abs(th - tk)) / (0.6 * wk))
        rad = _smoothstep((rr - rk) / (0.04 * s))
        img *= 1.0 - strength * ang * rad

    # --- speckle (Rayleigh, unit mean) and a slight blur for the grain ---
    speckle = rng.rayleigh(scale=np.sqrt(2.0 / np.pi), size=shape2)
    img = ndimage.gaussian_filter(img * speckle, (0.9, 0.6))

    # --- field of view ---
    edge = np.minimum.reduce([rr - r0, r1 - rr, (half - np.abs(th)) * rr])
    fov = _smoothstep(edge / 2.0)
    img = img * fov + rng.uniform(0, 3, shape2) * (1 - fov)
    return _to_uint8(img), n_shadows


def ultrasound_image(rng: np.random.Generator, mask: np.ndarray) -> np.ndarray:
    """Ultrasound-like B-mode rendering of a given square 0/1 organ mask (the appearance of
    :func:`ultrasound_spleen`: sector field of view from a convex probe above the top edge, tissue texture,
    fascia arcs, brighter organ with a bright capsule, depth attenuation, acoustic shadows, speckle).

    Parts of the organ outside the sector are black, as in a real scan.

    Args:
        rng: Random generator; the output is a pure function of its state and ``mask``.
        mask: ``(size, size)`` 0/1 mask, ``size >= 32``.

    Returns:
        ``(size, size)`` uint8 grey image.
    """
    m = np.asarray(mask)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 32:
        raise OrgansegInputError(f"ultrasound_image: expected a square mask of >= 32 px, got shape {m.shape}")
    m = (m > 0).astype(np.uint8)
    size = m.shape[0]
    s = float(size)
    xx, yy = _grid(size)
    apex_x = s / 2 + rng.uniform(-0.03, 0.03) * s
    apex_y = -rng.uniform(0.15, 0.25) * s
    half = np.deg2rad(rng.uniform(48.0, 55.0))
    r0 = rng.uniform(0.1, 0.15) * s
    r1 = rng.uniform(1.3, 1.4) * s
    dxa, dya = xx - apex_x, yy - apex_y
    image, _ = _render_sector_image(rng, m, np.hypot(dxa, dya), np.arctan2(dxa, dya), half, r0, r1)
    return image


def ultrasound_spleen(rng: np.random.Generator, size: int = 256) -> tuple[np.ndarray, np.ndarray, dict]:
    """Ultrasound-like B-mode image of a spleen-shaped organ with its exact mask and length.

    The image has a fan-shaped (sector) field of view from a convex transducer above the top edge
    (black outside), a smooth tissue texture with a few bright fascia arcs, depth attenuation,
    1-3 acoustic shadow stripes radiating from the transducer, and Rayleigh-distributed
    multiplicative speckle. The organ is brighter and more homogeneous than the surrounding
    tissue, with a bright capsule. Its shape is either

    * ``"ellipse"``: semi-axes ``a > b`` (``a`` in ``[0.26, 0.34] * size``), random rotation,
      lying entirely inside the sector, or
    * ``"crescent"``: that ellipse minus a second ellipse shifted along the minor axis, with a
      smaller major semi-axis, so the organ stays one piece that contains both ends of the major
      axis and its maximum Feret diameter is still ``2a`` (up to rasterisation, < 2 %).

    Args:
        rng: Random generator; the output is a pure function of its state and ``size``.
        size: Image height and width in pixels (>= 64).

    Returns:
        ``(image, mask, info)``: HxW uint8 grey image, HxW uint8 0/1 mask, and a dict with
        ``spacing_mm`` (isotropic pixel spacing, about 0.45-0.75 mm at 256 px, i.e. a 12-19 cm
        field of view), ``length_mm`` (= ``2 a spacing_mm``, the true organ length),
        ``shape`` (``"ellipse"``/``"crescent"``), ``semi_axes_px`` ``[a, b]``,
        ``center_xy`` ``[x, y]``, ``angle_deg`` (major axis vs. the x axis, y pointing down),
        ``area_px`` and ``n_shadows``.
    """
    if size < 64:
        raise ValueError(f"size must be >= 64, got {size}")
    xx, yy = _grid(size)
    s = float(size)

    # --- sector geometry (apex above the image) ---
    apex_x = s / 2 + rng.uniform(-0.03, 0.03) * s
    apex_y = -rng.uniform(0.06, 0.12) * s
    half = np.deg2rad(rng.uniform(40.0, 48.0))
    r0 = rng.uniform(0.14, 0.2) * s
    r1 = rng.uniform(1.0, 1.1) * s
    dxa, dya = xx - apex_x, yy - apex_y
    rr = np.hypot(dxa, dya)
    th = np.arctan2(dxa, dya)  # 0 = straight down

    # --- organ: ellipse entirely inside the sector (rejection sampling on the outline) ---
    margin = 0.03 * s
    t = np.linspace(0.0, 2 * np.pi, 256, endpoint=False)
    for attempt in range(2000):
        shrink = 0.985 ** (attempt // 200)
        a = rng.uniform(0.26, 0.34) * s * shrink
        b = a * rng.uniform(0.32, 0.5)
        angle = np.deg2rad(rng.uniform(-35.0, 35.0))
        cx = rng.uniform(0.2, 0.8) * s
        cy = rng.uniform(0.3, 0.75) * s
        px = cx + a * np.cos(t) * np.cos(angle) - b * np.sin(t) * np.sin(angle)
        py = cy + a * np.cos(t) * np.sin(angle) + b * np.sin(t) * np.cos(angle)
        pr = np.hypot(px - apex_x, py - apex_y)
        pth = np.arctan2(px - apex_x, py - apex_y)
        inside = (
            (px >= margin).all()
            and (px <= s - 1 - margin).all()
            and (py >= margin).all()
            and (py <= s - 1 - margin).all()
            and (pr >= r0 + margin).all()
            and (pr <= r1 - margin).all()
            and (np.abs(pth) * pr <= half * pr - margin).all()
        )
        if inside:
            break
    else:  # pragma: no cover - geometry always admits a fit for the ranges above
        raise RuntimeError("could not place the organ inside the sector")

    organ = _ellipse(xx, yy, cx, cy, a, b, angle)
    shape = "ellipse"
    if rng.random() < 0.5:
        # crescent: remove a second ellipse shifted along the minor axis (towards +v or -v)
        for _ in range(50):
            sign = 1.0 if rng.random() < 0.5 else -1.0
            d = b * rng.uniform(0.55, 0.85)
            b2 = b * rng.uniform(0.8, 1.05)
            a2 = a * rng.uniform(0.6, 0.82)
            if b + d - b2 < 0.3 * b or d + b2 < 1.2 * b:  # too thin in the middle / would be a hole
                continue
            c2x = cx - sign * d * np.sin(angle)
            c2y = cy + sign * d * np.cos(angle)
            cres = organ & ~_ellipse(xx, yy, c2x, c2y, a2, b2, angle)
            _, sizes = _components(cres)
            if sizes.size == 1:
                organ, shape = cres, "crescent"
                break
    mask = organ.astype(np.uint8)

    # --- spacing / ground truth ---
    spacing = float(rng.uniform(0.45, 0.75) * 256.0 / s)
    length_mm = 2.0 * a * spacing

    image, n_shadows = _render_sector_image(rng, mask, rr, th, half, r0, r1)

    info = {
        "spacing_mm": spacing,
        "length_mm": float(length_mm),
        "shape": shape,
        "semi_axes_px": [float(a), float(b)],
        "center_xy": [float(cx), float(cy)],
        "angle_deg": float(np.rad2deg(angle)),
        "area_px": int(mask.sum()),
        "n_shadows": n_shadows,
    }
    return image, mask, info


# --------------------------------------------------------------------------------------------
# CT liver
# --------------------------------------------------------------------------------------------

_CT_LEVEL, _CT_WIDTH = 40.0, 400.0


def ct_liver(rng: np.random.Generator, size: int = 256, split: bool = False) -> tuple[np.ndarray, np.ndarray, dict]:
    """CT-like axial abdominal slice with a liver-like region and its exact mask.

    Built in Hounsfield units and windowed (level 40, width 400): air outside an elliptical body,
    a subcutaneous fat layer, an abdominal-wall muscle ring, visceral soft tissue with fat
    patches, a stomach with an air bubble on the image right, the vertebra (cortical ring,
    spinous process) with the aorta in front, two kidneys, 6-10 ribs (small bright ellipses near the body
    edge), Gaussian noise and a slight blur. The liver is on the image left (patient's right):
    a union of 3-4 ellipses smoothed into one region, about 25 HU brighter than the other soft
    tissue, with a few darker vessels inside (part of the mask). With ``split=True`` a fat-filled
    fissure (several pixels wide, about 0.025-0.04 of the image size) cuts it into exactly two
    disjoint parts.

    Args:
        rng: Random generator; the output is a pure function of its state, ``size`` and ``split``.
        size: Image height and width in pixels (>= 64).
        split: Whether the liver appears as two disjoint parts.

    Returns:
        ``(image, mask, info)``: HxW uint8 grey image, HxW uint8 0/1 mask, and a dict with
        ``spacing_mm`` (isotropic; about 1.2-1.8 mm at 256 px), ``n_parts`` (1, or 2 when
        split), ``split``, ``area_px``, ``window`` ``[level, width]`` and ``gap_px`` (fissure
        width, 0 when not split).
    """
    if size < 64:
        raise ValueError(f"size must be >= 64, got {size}")
    xx, yy = _grid(size)
    s = float(size)
    # the passes draw from rng in this fixed order (a seed gives the same slice as before the split)
    hu, body, visc = _ct_body(rng, xx, yy, s)
    blockers, (vr, vy) = _ct_spine_ribs_kidneys(rng, xx, yy, s, hu, body, visc)
    _ct_stomach(rng, xx, yy, s, hu, visc, body)
    liver = _ct_liver_region(rng, xx, yy, s, body, blockers)
    liver, fissure, gap_px = _ct_split_liver(rng, xx, yy, s, liver) if split else (liver, None, 0.0)
    hu = _ct_liver_appearance(rng, s, hu, liver, fissure)
    image, mask = _ct_finish(rng, s, hu, liver)
    _, sizes = _components(mask)
    info = {
        "spacing_mm": float(rng.uniform(0.6, 0.9) * 512.0 / s),
        "n_parts": int(sizes.size),
        "split": bool(split),
        "area_px": int(mask.sum()),
        "window": [_CT_LEVEL, _CT_WIDTH],
        "gap_px": float(gap_px),
    }
    return image, mask, info


def _ct_body(rng: np.random.Generator, xx: np.ndarray, yy: np.ndarray, s: float
             ) -> tuple[np.ndarray, dict, np.ndarray]:
    """Air, subcutaneous fat, muscle wall and visceral soft tissue (HU); returns (hu, body geometry, visceral mask)."""
    shape2 = xx.shape
    cx = s / 2 + rng.uniform(-0.02, 0.02) * s
    cy = s * 0.52 + rng.uniform(-0.02, 0.02) * s
    bax = rng.uniform(0.41, 0.46) * s
    bay = rng.uniform(0.31, 0.36) * s
    fat_t = rng.uniform(0.025, 0.06) * s
    mus_t = rng.uniform(0.02, 0.035) * s
    body = _ellipse(xx, yy, cx, cy, bax, bay)
    wall_in = _ellipse(xx, yy, cx, cy, bax - fat_t, bay - fat_t)
    visc = _ellipse(xx, yy, cx, cy, bax - fat_t - mus_t, bay - fat_t - mus_t)
    hu = np.full(shape2, -1000.0)
    hu[body] = -100.0
    hu[wall_in] = 50.0
    visc_hu = 35.0 + 8.0 * _smooth_noise(rng, shape2, s / 30)
    fat_blobs = _smooth_noise(rng, shape2, s / 25) > 0.9
    visc_hu = np.where(fat_blobs, -80.0, visc_hu)
    hu = np.where(visc, visc_hu, hu)
    geo = {"cx": cx, "cy": cy, "bax": bax, "bay": bay, "fat_t": fat_t, "mus_t": mus_t, "mask": body,
           "iax": bax - fat_t - mus_t, "iay": bay - fat_t - mus_t}
    return hu, geo, visc


def _ct_spine_ribs_kidneys(rng: np.random.Generator, xx: np.ndarray, yy: np.ndarray, s: float, hu: np.ndarray,
                           body: dict, visc: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """Vertebra, paraspinal muscles, aorta, ribs and kidneys drawn into ``hu`` (in place); returns the mask the
    liver must avoid and (vertebra radius, vertebra y)."""
    shape2 = xx.shape
    cx, cy, bax, bay = body["cx"], body["cy"], body["bax"], body["bay"]
    fat_t, mus_t, iay = body["fat_t"], body["mus_t"], body["iay"]
    inside = body["mask"]
    vr = rng.uniform(0.05, 0.06) * s
    vx, vy = cx + rng.uniform(-0.01, 0.01) * s, cy + iay - 2.3 * vr
    vert = _ellipse(xx, yy, vx, vy, vr, vr * 0.9)
    vert_in = _ellipse(xx, yy, vx, vy, vr * 0.78, vr * 0.7)
    spinous = _ellipse(xx, yy, vx, vy + 1.5 * vr, 0.25 * vr, 0.7 * vr)
    para_l = _ellipse(xx, yy, vx - 1.4 * vr, vy + 0.9 * vr, 0.9 * vr, 0.7 * vr)
    para_r = _ellipse(xx, yy, vx + 1.4 * vr, vy + 0.9 * vr, 0.9 * vr, 0.7 * vr)
    hu[(para_l | para_r) & inside] = 55.0
    hu[vert | spinous] = 700.0
    hu[vert_in] = 250.0
    ar = rng.uniform(0.022, 0.03) * s
    aorta = _ellipse(xx, yy, vx - 0.3 * vr, vy - vr - 1.3 * ar, ar, ar)
    hu[aorta] = 160.0
    ribs = np.zeros(shape2, bool)
    n_ribs = int(rng.integers(6, 11))
    rib_angles = np.concatenate(
        [rng.uniform(np.deg2rad(150), np.deg2rad(260), n_ribs // 2), rng.uniform(np.deg2rad(-80), np.deg2rad(30), n_ribs - n_ribs // 2)]
    )  # lateral / posterior positions on both sides (0 = image right, y down)
    for phi in rib_angles:
        rx = cx + (bax - fat_t - 0.5 * mus_t) * np.cos(phi)
        ry = cy + (bay - fat_t - 0.5 * mus_t) * np.sin(phi)
        ribs |= _ellipse(xx, yy, rx, ry, rng.uniform(0.014, 0.022) * s, rng.uniform(0.009, 0.013) * s, phi + np.pi / 2)
    hu[ribs] = 550.0
    kidneys = np.zeros(shape2, bool)
    for side in (-1.0, 1.0):
        kx, ky = vx + side * rng.uniform(2.4, 2.9) * vr, vy - rng.uniform(0.0, 0.5) * vr
        kid = _ellipse(xx, yy, kx, ky, rng.uniform(0.8, 1.0) * vr, rng.uniform(1.1, 1.4) * vr, side * rng.uniform(0.2, 0.6))
        hu[kid] = 130.0
        hu[kid & _ellipse(xx, yy, kx - side * 0.4 * vr, ky, 0.35 * vr, 0.6 * vr)] = -60.0  # sinus fat
        kidneys |= kid
    return vert | spinous | aorta | ribs | para_l | para_r | kidneys | ~visc, (vr, vy)


def _ct_stomach(rng: np.random.Generator, xx: np.ndarray, yy: np.ndarray, s: float, hu: np.ndarray,
                visc: np.ndarray, body: dict) -> None:
    """Stomach with an air bubble on the image right (patient's left), drawn into ``hu`` in place."""
    cx, cy, iax, iay = body["cx"], body["cy"], body["iax"], body["iay"]
    sx_, sy_ = cx + rng.uniform(0.35, 0.5) * iax, cy - rng.uniform(0.05, 0.3) * iay
    sa, sb = rng.uniform(0.11, 0.16) * s, rng.uniform(0.07, 0.1) * s
    stomach = _ellipse(xx, yy, sx_, sy_, sa, sb, rng.uniform(-0.5, 0.5)) & visc
    hu[stomach] = 15.0
    hu[stomach & (yy < sy_ - rng.uniform(0.35, 0.6) * sb)] = -1000.0


def _ct_liver_region(rng: np.random.Generator, xx: np.ndarray, yy: np.ndarray, s: float, body: dict,
                     blockers: np.ndarray) -> np.ndarray:
    """The liver mask: a smoothed union of 3-4 ellipses on the image left, avoiding ``blockers``."""
    cx, cy, iax, iay = body["cx"], body["cy"], body["iax"], body["iay"]
    for _ in range(100):
        lx = cx - rng.uniform(0.38, 0.5) * iax
        ly = cy - rng.uniform(0.0, 0.15) * iay
        la, lb = rng.uniform(0.42, 0.56) * iax, rng.uniform(0.6, 0.8) * iay
        lang = rng.uniform(-0.35, 0.35)
        union = _ellipse(xx, yy, lx, ly, la, lb, lang)
        for _ in range(int(rng.integers(2, 4))):
            ox, oy = rng.uniform(-0.6, 0.6) * la, rng.uniform(-0.6, 0.6) * lb
            union |= _ellipse(
                xx, yy, lx + ox, ly + oy, rng.uniform(0.3, 0.6) * la, rng.uniform(0.3, 0.6) * lb, rng.uniform(0, np.pi)
            )
        smooth = ndimage.gaussian_filter(union.astype(np.float64), 0.02 * s) > 0.5
        cand = _keep_largest(smooth & ~blockers, 1)
        if cand.sum() >= 0.04 * s * s:
            liver = ndimage.binary_opening(cand, structure=np.ones((3, 3), bool))
            return _keep_largest(liver, 1)
    raise RuntimeError("could not build the liver")  # pragma: no cover


def _ct_split_liver(rng: np.random.Generator, xx: np.ndarray, yy: np.ndarray, s: float, liver: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, float]:
    """Cut the liver by a fat-filled fissure into exactly two parts; returns (liver, fissure, gap width px)."""
    ys, xs = np.nonzero(liver)
    mx, my = xs.mean(), ys.mean()
    total = liver.sum()
    for _ in range(200):
        gap_px = rng.uniform(0.025, 0.04) * s
        theta = rng.uniform(0, np.pi)
        off = rng.uniform(-0.15, 0.15) * np.sqrt(total / np.pi)
        dist = (xx - mx) * np.cos(theta) + (yy - my) * np.sin(theta) - off
        two = _keep_largest(liver & (np.abs(dist) >= gap_px / 2), 2)
        _, sizes = _components(two)
        if sizes.size == 2 and sizes.min() >= 0.15 * total:
            return two, liver & (np.abs(dist) < gap_px / 2), float(gap_px)
    raise RuntimeError("could not split the liver into two parts")  # pragma: no cover


def _ct_liver_appearance(rng: np.random.Generator, s: float, hu: np.ndarray, liver: np.ndarray,
                         fissure: np.ndarray | None) -> np.ndarray:
    """Liver parenchyma ~25 HU above soft tissue with darker vessels; the fissure is fat."""
    shape2 = hu.shape
    liver_hu = 62.0 + rng.uniform(-5, 5) + 6.0 * _smooth_noise(rng, shape2, s / 50)
    vessels = (_smooth_noise(rng, shape2, s / 60) > 1.6) & ndimage.binary_erosion(liver, iterations=3)
    liver_hu = np.where(vessels, 30.0, liver_hu)
    hu = np.where(liver, liver_hu, hu)
    if fissure is not None:
        hu[fissure] = -90.0
    return hu


def _ct_finish(rng: np.random.Generator, s: float, hu: np.ndarray, liver: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Noise, a slight blur and the CT window (level 40, width 400) -> (uint8 image, uint8 0/1 mask)."""
    hu = hu + rng.uniform(8, 18) * rng.standard_normal(hu.shape)
    hu = ndimage.gaussian_filter(hu, 0.6)
    img = (hu - (_CT_LEVEL - _CT_WIDTH / 2)) / _CT_WIDTH * 255.0
    return _to_uint8(img), liver.astype(np.uint8)


# --------------------------------------------------------------------------------------------
# dataset writer
# --------------------------------------------------------------------------------------------


def _group_sizes(rng: np.random.Generator, n: int, lo: int, hi: int) -> list[int]:
    """Split ``n`` items into at least 3 groups of roughly ``lo..hi`` items (deterministic)."""
    if n == 0:
        return []
    mean = (lo + hi) / 2.0
    n_groups = int(round(n / mean)) if hi > lo else n // lo
    n_groups = max(n_groups, -(-n // hi), min(3, n))
    n_groups = min(n_groups, n)
    sizes = np.ones(n_groups, dtype=np.int64)
    rest = n - n_groups
    if rest:
        cap = hi - 1
        # spread the remaining items, never exceeding `hi` per group where possible
        extra = np.zeros(n_groups, dtype=np.int64)
        order = rng.permutation(n_groups)
        k = 0
        while rest:
            g = order[k % n_groups]
            if extra[g] < cap or k >= n_groups * cap:
                extra[g] += 1
                rest -= 1
            k += 1
        sizes += extra
    return sizes.tolist()


def _assign_splits(rng: np.random.Generator, n_groups: int) -> list[str]:
    """Roughly 60/20/20 train/val/test over groups, every split non-empty when ``n_groups >= 3``."""
    n_val = max(1, int(round(0.2 * n_groups)))
    n_test = max(1, int(round(0.2 * n_groups)))
    labels = ["val"] * n_val + ["test"] * n_test
    labels += ["train"] * (n_groups - len(labels))
    perm = rng.permutation(n_groups)
    out = [""] * n_groups
    for pos, g in enumerate(perm):
        out[int(g)] = labels[pos]
    return out


def _plan(dataset: str, n: int, seed: int) -> list[dict]:
    """Names, groups and splits for one dataset (no pixels yet)."""
    if n == 0:
        return []
    rng = np.random.default_rng([seed, _DATASET_IDS[dataset]])
    if dataset == "spleen_us":
        sizes = _group_sizes(rng, n, 1, 2)
    else:
        sizes = _group_sizes(rng, n, 3, 6)
    splits = _assign_splits(rng, len(sizes))
    plan: list[dict] = []
    for g, (k, split) in enumerate(zip(sizes, splits, strict=True)):
        if dataset == "spleen_us":
            pid = f"p{g:03d}"
            for j in range(k):
                plan.append({"name": f"us_{pid}_{j + 1}.png", "split": split, "patient_id": pid})
        else:
            cid = f"c{g:03d}"
            start = int(rng.integers(20, 60))
            for j in range(k):
                plan.append(
                    {"name": f"ct_{cid}_s{start + j:03d}.png", "split": split, "case_id": cid, "slice_index": start + j}
                )
    for i, item in enumerate(plan):
        item["index"] = i
    return plan


def _fmt(v: float, nd: int) -> str:
    return f"{v:.{nd}f}"


def _planned_files(plans: dict[str, list[dict]]) -> list[str]:
    files = [MARKER_NAME]
    for ds, plan in plans.items():
        if not plan:
            continue
        for it in plan:
            files.append(f"{ds}/img_dir/{it['split']}/{it['name']}")
            files.append(f"{ds}/ann_dir/{it['split']}/{it['name']}")
        files.append(f"{ds}/meta.csv")
        files += [f"{ds}/annotations/instances_{sp}.json" for sp in SPLITS]
    return sorted(files)


def _check_out_dir(out: Path) -> list[str]:
    """Return the files listed by an existing marker; refuse a non-empty foreign folder."""
    check_output_dir(out, [], overwrite=True)  # the one guard: refuses a file in the way
    if not out.exists() or not any(out.iterdir()):
        return []
    marker = out / MARKER_NAME
    try:
        meta = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OrgansegInputError(
            f"refusing to write into {out}: the folder is not empty and has no valid {MARKER_NAME} "
            "from write_phantom_dataset (choose an empty or new folder)"
        ) from exc
    if not isinstance(meta, dict) or meta.get("generator") != _GENERATOR_ID:
        raise OrgansegInputError(f"refusing to write into {out}: {marker} was not written by write_phantom_dataset")
    files = meta.get("files", [])
    return [f for f in files if isinstance(f, str)]


def write_phantom_dataset(
    out_dir: str | os.PathLike,
    num_spleen: int = 24,
    num_liver: int = 24,
    size: int = 256,
    seed: int = 0,
    progress: bool = True,
) -> dict:
    """Write the ultrasound-spleen and CT-liver phantom datasets.

    Layout (``<ds>`` is ``spleen_us`` or ``liver_ct``; image and mask share the file name)::

        out_dir/phantom.json                              generation parameters + file list
        out_dir/<ds>/img_dir/{train,val,test}/<name>.png  uint8 grey image
        out_dir/<ds>/ann_dir/{train,val,test}/<name>.png  uint8 0/1 mask
        out_dir/<ds>/meta.csv                             one row per image, sorted by filename
        out_dir/<ds>/annotations/instances_{train,val,test}.json   COCO, file_name relative to
                                                                   out_dir/<ds> ("img_dir/train/x.png")

    * spleen_us: names ``us_p<patient>_<k>.png``; patients have 1-2 images; meta.csv columns
      ``filename,split,patient_id,spacing_mm,length_mm,height,width,shape``; COCO category
      ``{"id": 1, "name": "spleen"}``.
    * liver_ct: names ``ct_c<case>_s<slice>.png``; cases have several consecutive slice indices
      (each slice is an independent phantom); every 4th image (index % 4 == 3) has a liver split
      in two parts; meta.csv columns
      ``filename,split,case_id,slice_index,spacing_mm,n_parts,height,width``; COCO category
      ``{"id": 1, "name": "liver"}``.

    ``filename`` in meta.csv is the bare file name; the split is its own column. The split is by
    patient/case (about 60/20/20 of the groups, seeded shuffle; every split non-empty, no group in
    two splits). Each COCO image with an organ has exactly one annotation (a two-part liver too):
    compressed RLE (counts str), ``area``/``bbox`` from pycocotools, ``iscrowd`` 0; image ids are
    1..N in filename order per split.

    Determinism: image ``i`` of dataset ``d`` (0 spleen, 1 liver) is generated from
    ``np.random.default_rng([seed, d, i])`` and the grouping from ``default_rng([seed, d])``; JSON
    uses sorted keys and fixed separators, CSV fixed float formats, so the same arguments give
    byte-identical files. Every file is written atomically.

    Safety: a non-empty ``out_dir`` is only written into if it holds a ``phantom.json`` from this
    writer; then the files it lists that this run does not produce are deleted and the rest are
    overwritten (nothing else in the folder is touched).

    Args:
        out_dir: Output folder (created if needed).
        num_spleen: Number of spleen images (0 to skip the dataset, else >= 3).
        num_liver: Number of liver slices (0 to skip the dataset, else >= 3).
        size: Image size in pixels (square, >= 64).
        seed: Base seed.
        progress: Show a tqdm progress bar.

    Returns:
        A summary dict: ``out_dir``, ``params``, ``seconds`` and per dataset ``num_images``,
        ``num_groups``, ``split_images`` and ``split_groups`` (counts per split).

    Raises:
        ValueError: On invalid counts/size, or a non-empty ``out_dir`` not written by this writer.
    """
    t0 = time.perf_counter()
    for name, n in (("num_spleen", num_spleen), ("num_liver", num_liver)):
        if not isinstance(n, int | np.integer) or n < 0 or 0 < n < 3:
            raise ValueError(f"{name} must be 0 or >= 3 (one patient per split at least), got {n!r}")
    if size < 64:
        raise ValueError(f"size must be >= 64, got {size}")
    out = Path(out_dir)
    old_files = _check_out_dir(out)
    params = {"num_spleen": int(num_spleen), "num_liver": int(num_liver), "size": int(size), "seed": int(seed)}
    plans = {"spleen_us": _plan("spleen_us", int(num_spleen), int(seed)), "liver_ct": _plan("liver_ct", int(num_liver), int(seed))}
    files = _planned_files(plans)

    # remove files of a previous run that this run will not rewrite (only files we listed)
    new_set = set(files)
    out_res = out.resolve()
    for rel in old_files:
        if rel in new_set:
            continue
        p = (out / rel).resolve()
        if out_res in p.parents and p.is_file():
            p.unlink()
    marker = {"generator": _GENERATOR_ID, "version": _FORMAT_VERSION, "params": params, "files": files}
    atomic_write_json(out / MARKER_NAME, marker, indent=1)

    total = int(num_spleen) + int(num_liver)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, desc="phantoms", unit="img")
    summary: dict[str, Any] = {"out_dir": str(out), "params": params, "datasets": {}}
    try:
        for ds, plan in plans.items():
            if not plan:
                continue
            ds_id = _DATASET_IDS[ds]
            writer = MMSegLayoutWriter(out / ds)
            # COCO image ids are 1..N in file-name order per split: add the images in that order
            for it in sorted(plan, key=lambda it: (it["split"], it["name"])):
                rng = np.random.default_rng([int(seed), ds_id, it["index"]])
                if ds == "spleen_us":
                    img, mask, info = ultrasound_spleen(rng, size)
                    row = {"patient_id": it["patient_id"], "spacing_mm": _fmt(info["spacing_mm"], 6),
                           "length_mm": _fmt(info["length_mm"], 3), "shape": info["shape"]}
                else:
                    img, mask, info = ct_liver(rng, size, split=(it["index"] % 4 == 3))
                    row = {"case_id": it["case_id"], "slice_index": it["slice_index"],
                           "spacing_mm": _fmt(info["spacing_mm"], 6), "n_parts": info["n_parts"]}
                row.update(height=mask.shape[0], width=mask.shape[1])
                writer.add(it["split"], it["name"][: -len(".png")], img, mask, row)
                if bar is not None:
                    bar.update(1)
            for sp in SPLITS:  # every split gets a COCO file, even an empty one
                writer.records.setdefault(sp, [])
            cols = SPLEEN_META_COLUMNS if ds == "spleen_us" else LIVER_META_COLUMNS
            cat = {"id": 1, "name": "spleen" if ds == "spleen_us" else "liver", "supercategory": "organ"}
            writer.finish(cols, [cat], info={"description": f"organseg_plugins phantom {ds} {{split}}",
                                             "version": str(_FORMAT_VERSION)})
            rows = writer.rows
            records = {sp: writer.records[sp] for sp in SPLITS}
            groups = {sp: sorted({r.get("patient_id", r.get("case_id")) for r in rows if r["split"] == sp}) for sp in SPLITS}
            summary["datasets"][ds] = {
                "num_images": len(plan),
                "num_groups": sum(len(g) for g in groups.values()),
                "split_images": {sp: len(records[sp]) for sp in SPLITS},
                "split_groups": {sp: len(groups[sp]) for sp in SPLITS},
            }
    finally:
        if bar is not None:
            bar.close()
    summary["seconds"] = time.perf_counter() - t0
    return summary
