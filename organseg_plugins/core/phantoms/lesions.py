"""Deterministic ultrasound lesion phantoms: breast masses (BUSI layout) and thyroid nodules (TN3K layout).

Stand-ins for the data of Liu et al. 2025, "Attention residual network for medical ultrasound image
segmentation" (Sci Rep 15:22155): BUSI (Al-Dhabyani et al. 2020, "Dataset of breast ultrasound images", Data in
Brief 28:104863; benign / malignant / normal) and thyroid sets (TN3K, DDTI). Linear-array B-mode images (breast
and thyroid are scanned with linear probes, so the sector geometry of :func:`organseg_plugins.core.phantoms.organ_slices.
ultrasound_spleen` does not apply); the same ingredients: smooth tissue texture, depth attenuation and
multiplicative Rayleigh speckle.

* :func:`breast_lesion_image`: skin line, hypoechoic subcutaneous fat, brighter fibroglandular layer, striated
  pectoral muscle; lesions are hypoechoic. ``benign``: oval or gently lobulated (low-order harmonics of the
  radius), wider than tall, posterior acoustic enhancement. ``malignant``: irregular / micro-lobulated margin
  (high-order harmonics), often taller than wide, posterior acoustic shadowing. ``normal``: no lesion.
* :func:`thyroid_nodule_image`: thyroid lobe (homogeneous, brighter) beside the trachea (bright arc, shadow
  below), carotid (anechoic circle), one nodule (hypo- or iso-echoic with a dark halo) inside the lobe.

Every function is a pure function of its ``numpy`` generator; the writers derive one generator per image from
``(seed, image index)`` so a file does not depend on how many others are written.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from scipy import ndimage

from organseg_plugins.core.io.atomic import atomic_imwrite_png
from organseg_plugins.core.io.paths import check_output_dir

__all__ = ["BUSI_CLASSES", "breast_lesion_image", "thyroid_nodule_image", "write_busi_phantoms",
           "write_tn3k_phantoms"]

BUSI_CLASSES = ("benign", "malignant", "normal")


def _texture(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Zero-mean, unit-std smooth Gaussian noise."""
    n = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="reflect")
    return (n - n.mean()) / (n.std() + 1e-12)


def _lesion_mask(rng: np.random.Generator, h: int, w: int, cx: float, cy: float, radius: float, aspect: float,
                 kind: str) -> np.ndarray:
    """Star-shaped lesion ``r(t) = radius * (1 + sum_k a_k cos(k t + phi_k))`` with ``aspect = height / width``."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    dx, dy = (xx - cx) / np.sqrt(1.0 / aspect), (yy - cy) / np.sqrt(aspect)
    t = np.arctan2(dy, dx)
    rel = np.ones_like(t)
    if kind == "malignant":
        orders, amp = range(5, 14), 0.5 / 9  # irregular, micro-lobulated / angular margin
    elif kind == "lobulated":
        orders, amp = range(2, 5), 0.2 / 3
    else:
        orders, amp = range(2, 3), 0.05  # oval
    for k in orders:
        rel += rng.uniform(0.3, 1.0) * amp * np.cos(k * t + rng.uniform(0, 2 * np.pi))
    return np.hypot(dx, dy) <= radius * rel


def _speckle(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Multiplicative Rayleigh speckle (unit mean), lightly correlated, then 8-bit."""
    sp = rng.rayleigh(1.0, img.shape) / np.sqrt(np.pi / 2)
    sp = ndimage.gaussian_filter(sp, 0.6)
    out = img * sp / sp.mean()
    return np.clip(out * 255.0, 0, 255).astype(np.uint8)


def breast_lesion_image(rng: np.random.Generator, kind: str = "benign", height: int = 128, width: int = 160,
                        extra_lesion: bool = False) -> tuple[np.ndarray, list[np.ndarray]]:
    """Breast-ultrasound-like image with one mask per lesion (BUSI style).

    Args:
        rng: random generator (the output is a pure function of its state and the arguments).
        kind: ``"benign"``, ``"malignant"`` or ``"normal"`` (no lesion).
        height / width: image size in pixels (>= 64).
        extra_lesion: add a second, smaller lesion of the same kind (BUSI's ``_mask_1.png``).

    Returns:
        ``(image, masks)``: HxW uint8 grey image and a list of HxW uint8 0/1 masks (one per lesion; a single
        empty mask for ``normal``, as BUSI ships one).
    """
    if kind not in BUSI_CLASSES:
        raise ValueError(f"kind must be one of {BUSI_CLASSES}, got {kind!r}")
    if min(height, width) < 64:
        raise ValueError(f"height and width must be >= 64, got {height}x{width}")
    h, w = height, width
    yy = np.mgrid[0:h, 0:w][0].astype(np.float64) / h
    skin = rng.uniform(0.04, 0.07)
    fat = skin + rng.uniform(0.15, 0.25)
    gland = fat + rng.uniform(0.35, 0.45)
    wobble = 0.03 * _texture(rng, (1, w), w / 8)[0]
    depth = yy - wobble[None, :]
    img = np.where(depth < skin, 0.85, np.where(depth < fat, 0.28, np.where(depth < gland, 0.55, 0.35)))
    img = img + 0.10 * _texture(rng, (h, w), 3.0) * (depth >= fat)
    muscle = depth >= gland
    img = img + 0.08 * muscle * np.sin(2 * np.pi * depth * rng.uniform(18, 26))  # striated pectoralis
    img = ndimage.gaussian_filter(img, 1.0)
    masks: list[np.ndarray] = []
    posterior = np.ones((h, w))
    if kind != "normal":
        for i in range(2 if extra_lesion else 1):
            radius = rng.uniform(0.12, 0.2) * min(h, w) * (0.6 if i else 1.0)
            aspect = rng.uniform(1.05, 1.5) if kind == "malignant" else rng.uniform(0.5, 0.8)
            for _ in range(100):
                cx = rng.uniform(0.2, 0.8) * w
                cy = rng.uniform(fat + 0.1, gland - 0.05) * h
                shape = "malignant" if kind == "malignant" else ("lobulated" if rng.random() < 0.5 else "oval")
                m = _lesion_mask(rng, h, w, cx, cy, radius, aspect, shape)
                if m.sum() > 20 and not any((m & ndimage.binary_dilation(o, iterations=3)).any() for o in masks):
                    break
            soft = ndimage.gaussian_filter(m.astype(np.float64), 0.8)
            inside = 0.08 + 0.05 * (kind == "malignant") + 0.04 * _texture(rng, (h, w), 2.0)
            img = img * (1 - soft) + inside * soft
            cols = ndimage.gaussian_filter1d(m.any(axis=0).astype(np.float64), 2.0)
            bottom = np.max(np.where(m.any(axis=1))[0])
            below = np.clip((np.arange(h)[:, None] - bottom) / (0.08 * h), 0, 1) * cols[None, :]
            factor = 0.45 if kind == "malignant" else 1.35  # shadowing vs posterior enhancement
            posterior = posterior * (1 + (factor - 1) * below * (1 - m))
            masks.append(m.astype(np.uint8))
    else:
        masks.append(np.zeros((h, w), np.uint8))
    img = img * posterior * np.exp(-0.6 * yy)  # depth attenuation
    return _speckle(rng, img), masks


def thyroid_nodule_image(rng: np.random.Generator, height: int = 128, width: int = 160
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Transverse thyroid-ultrasound-like image with one nodule; returns ``(image uint8, mask 0/1 uint8)``."""
    if min(height, width) < 64:
        raise ValueError(f"height and width must be >= 64, got {height}x{width}")
    h, w = height, width
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = 0.3 + 0.06 * _texture(rng, (h, w), 3.0)
    img[: int(0.06 * h)] = 0.8  # skin
    side = 1 if rng.random() < 0.5 else -1
    tx = w / 2 - side * 0.15 * w  # trachea towards the midline
    ty = rng.uniform(0.35, 0.45) * h
    lx, ly = tx + side * rng.uniform(0.3, 0.38) * w, ty + rng.uniform(-0.03, 0.05) * h
    la, lb = rng.uniform(0.22, 0.28) * w, rng.uniform(0.18, 0.24) * h
    lobe = ((xx - lx) / la) ** 2 + ((yy - ly) / lb) ** 2 <= 1
    img = np.where(lobe, 0.55 + 0.03 * _texture(rng, (h, w), 1.5), img)
    trachea = np.abs(np.hypot(xx - tx, yy - ty) - 0.12 * h) < 1.5
    img = np.where(trachea & (yy < ty), 0.95, img)
    img = img * np.where((np.abs(xx - tx) < 0.12 * h) & (yy > ty), 0.3, 1.0)  # air shadow below the trachea
    carotid = np.hypot(xx - (lx + side * 0.9 * la), yy - (ly + 0.2 * lb)) < 0.09 * min(h, w)
    img = np.where(carotid, 0.05, img)
    for _ in range(100):
        nx = lx + rng.uniform(-0.4, 0.4) * la
        ny = ly + rng.uniform(-0.3, 0.3) * lb
        r = rng.uniform(0.3, 0.5) * min(la, lb)
        m = _lesion_mask(rng, h, w, nx, ny, r, rng.uniform(0.7, 1.3), "lobulated")
        if (m & ~lobe).sum() == 0 and m.sum() > 20:
            break
    halo = ndimage.binary_dilation(m, iterations=2) & ~m
    inside = rng.choice([0.18, 0.45]) + 0.05 * _texture(rng, (h, w), 2.0)  # hypo- or iso-echoic
    img = np.where(m, inside, np.where(halo, 0.12, img))
    img = ndimage.gaussian_filter(img, 0.8) * np.exp(-0.5 * yy / h)
    return _speckle(rng, img), m.astype(np.uint8)


def _rng(seed: int, kind_id: int, index: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(kind_id), int(index)])


def write_busi_phantoms(out_dir: str | os.PathLike, counts: dict[str, int] | None = None, height: int = 128,
                        width: int = 160, seed: int = 0, extra_every: int = 5, overwrite: bool = False) -> Path:
    """Write BUSI-like phantoms: ``OUT/Dataset_BUSI_with_GT/{benign,malignant,normal}/"<kind> (N).png"``.

    As in BUSI: images are 3-channel grey PNGs, masks ``"<kind> (N)_mask.png"`` with values 0/255, a second
    lesion in ``"<kind> (N)_mask_1.png"`` (every ``extra_every``-th lesion image, N = 1, 1 + extra_every, ...),
    normal images with an all-zero mask. Numbering starts at 1.

    Args:
        out_dir: output folder (created; must be empty unless ``overwrite``).
        counts: images per class (default benign 10, malignant 5, normal 3: roughly BUSI's 437/210/133 ratio).
        height / width: image size.
        seed: base seed.
        extra_every: period of the ``_mask_1`` extras among benign/malignant images (0: none).
        overwrite: allow a non-empty output folder.

    Returns:
        The ``Dataset_BUSI_with_GT`` folder.
    """
    counts = dict(counts or {"benign": 10, "malignant": 5, "normal": 3})
    out = Path(out_dir)
    check_output_dir(out, [], overwrite=overwrite)
    root = out / "Dataset_BUSI_with_GT"
    for kind_id, kind in enumerate(BUSI_CLASSES):
        for n in range(1, counts.get(kind, 0) + 1):
            extra = kind != "normal" and extra_every > 0 and (n - 1) % extra_every == 0
            img, masks = breast_lesion_image(_rng(seed, kind_id, n), kind, height, width, extra_lesion=extra)
            stem = root / kind / f"{kind} ({n})"
            atomic_imwrite_png(f"{stem}.png", np.repeat(img[:, :, None], 3, axis=2))
            for i, m in enumerate(masks):
                atomic_imwrite_png(f"{stem}_mask{'' if i == 0 else f'_{i}'}.png", m * np.uint8(255))
    return root


def write_tn3k_phantoms(out_dir: str | os.PathLike, n_trainval: int = 8, n_test: int = 4, height: int = 128,
                        width: int = 160, seed: int = 0, overwrite: bool = False) -> Path:
    """Write thyroid-nodule phantoms in TN3K's layout: ``trainval-image/``, ``trainval-mask/``, ``test-image/``,
    ``test-mask/`` with ``NNNN.jpg`` images (here lossless PNG named ``NNNN.png``) and 0/255 PNG masks.

    Returns:
        ``out_dir``.
    """
    out = Path(out_dir)
    check_output_dir(out, [], overwrite=overwrite)
    for part, n, kind_id in (("trainval", n_trainval, 10), ("test", n_test, 11)):
        for i in range(n):
            img, m = thyroid_nodule_image(_rng(seed, kind_id, i), height, width)
            atomic_imwrite_png(out / f"{part}-image" / f"{i:04d}.png", img)
            atomic_imwrite_png(out / f"{part}-mask" / f"{i:04d}.png", m * np.uint8(255))
    return out
