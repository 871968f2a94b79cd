"""Ultrasound lesion phantoms: deterministic, BUSI naming with extras and normal images, lesion appearance."""

import hashlib

import numpy as np

from organseg_plugins.core.phantoms.lesions import (
    breast_lesion_image,
    thyroid_nodule_image,
    write_busi_phantoms,
)


def _digest(folder):
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*.png")):
        h.update(p.relative_to(folder).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def test_busi_naming_and_determinism(tmp_path):
    counts = {"benign": 6, "malignant": 2, "normal": 2}
    root = write_busi_phantoms(tmp_path / "a", counts, 64, 80, seed=5)
    names = sorted(p.name for p in (root / "benign").iterdir())
    assert "benign (1).png" in names and "benign (1)_mask.png" in names and "benign (1)_mask_1.png" in names
    assert "benign (6)_mask_1.png" in names and "benign (2)_mask_1.png" not in names  # every 5th: N = 1, 6
    assert sorted(p.name for p in (root / "normal").iterdir()) == [
        "normal (1).png", "normal (1)_mask.png", "normal (2).png", "normal (2)_mask.png"]
    assert _digest(tmp_path / "a") == _digest(write_busi_phantoms(tmp_path / "b", counts, 64, 80, seed=5).parent)
    assert _digest(tmp_path / "a") != _digest(write_busi_phantoms(tmp_path / "c", counts, 64, 80, seed=6).parent)


def test_lesions_are_hypoechoic_and_normal_is_empty():
    rng = np.random.default_rng(0)
    for kind in ("benign", "malignant"):
        img, masks = breast_lesion_image(rng, kind, 128, 160)
        m = masks[0].astype(bool)
        ring = np.zeros_like(m)
        ys, xs = np.nonzero(m)
        ring[max(ys.min() - 8, 0):ys.max() + 8, max(xs.min() - 8, 0):xs.max() + 8] = True
        assert img[m].mean() < 0.6 * img[ring & ~m].mean()  # darker than its surroundings
    img, masks = breast_lesion_image(np.random.default_rng(1), "normal", 64, 64)
    assert len(masks) == 1 and not masks[0].any()
    img, m = thyroid_nodule_image(np.random.default_rng(2), 64, 80)
    assert img.shape == m.shape == (64, 80) and 20 < m.sum() < 64 * 80 / 4
