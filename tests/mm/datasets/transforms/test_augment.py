"""Table 1 augmentation as mmseg transforms: identities, image/mask consistency, seeding, a real pipeline."""

import copy
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmseg.registry import TRANSFORMS

import organseg_plugins.mm  # noqa: F401  (registers the transforms)
from organseg_plugins.core.transforms import augment as A
from organseg_plugins.mm.datasets.transforms.augment import HSVRandomAug, RandomTranslateScale


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope("mmseg")


def _results(h=48, w=64):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 80, (h, w, 3), dtype=np.uint8)
    img[12:30, 20:44] = (40, 180, 230)  # a coloured square on a dark background
    seg = np.zeros((h, w), np.uint8)
    seg[12:30, 20:44] = 1
    return dict(img=img, gt_seg_map=seg, aux_map=seg.copy(), seg_fields=["gt_seg_map", "aux_map"],
                img_shape=(h, w), ori_shape=(h, w))


def _erode(mask):
    """Pixels whose whole 5x5 neighbourhood is in ``mask`` (away from the bilinear blend at its edge)."""
    return cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)


def test_identity_parameters():
    res = _results()
    ref = copy.deepcopy(res)
    out = TRANSFORMS.build(dict(type="HSVRandomAug", hgain=0, sgain=0, vgain=0))(res)
    out = TRANSFORMS.build(dict(type="RandomTranslateScale", translate=0.0, scale=0.0))(out)
    np.testing.assert_array_equal(out["img"], ref["img"])
    np.testing.assert_array_equal(out["gt_seg_map"], ref["gt_seg_map"])
    np.testing.assert_array_equal(out["aux_map"], ref["aux_map"])
    # prob=0: nothing happens even with the paper's strengths
    res = _results()
    out = RandomTranslateScale(prob=0.0)(HSVRandomAug(prob=0.0)(res))
    np.testing.assert_array_equal(out["img"], ref["img"])
    np.testing.assert_array_equal(out["gt_seg_map"], ref["gt_seg_map"])


def test_hsv_changes_image_only():
    np.random.seed(1)
    res = _results()
    ref = copy.deepcopy(res)
    out = HSVRandomAug(hgain=0.0179, sgain=0.9, vgain=0.317)(res)
    assert out["img"].dtype == np.uint8 and out["img"].shape == ref["img"].shape
    assert not np.array_equal(out["img"], ref["img"])
    np.testing.assert_array_equal(out["gt_seg_map"], ref["gt_seg_map"])


def test_translate_scale_moves_image_and_all_masks_together():
    for seed in range(5):
        np.random.seed(seed)
        res = _results()
        ref = copy.deepcopy(res)
        out = RandomTranslateScale(translate=0.11, scale=0.494)(res)
        m = out["translate_scale_matrix"]
        s, tx, ty = m[0, 0], m[0, 2] - (1 - m[0, 0]) * 31.5, m[1, 2] - (1 - m[1, 1]) * 23.5
        assert 1 - 0.494 <= s <= 1 + 0.494 and abs(tx) <= 0.11 * 64 + 1e-9 and abs(ty) <= 0.11 * 48 + 1e-9
        assert out["img"].shape == ref["img"].shape and out["gt_seg_map"].shape == (48, 64)
        np.testing.assert_array_equal(out["gt_seg_map"], A.warp_mask(ref["gt_seg_map"], m, 255))
        np.testing.assert_array_equal(out["aux_map"], out["gt_seg_map"])  # every seg field warped alike
        assert set(np.unique(out["gt_seg_map"])) <= {0, 1, 255}  # nearest: labels stay labels
        # the warped image shows the square where the warped mask says "organ" (interior pixels)
        inner = _erode(out["gt_seg_map"] == 1)
        assert inner.any()
        assert (np.abs(out["img"][inner].astype(int) - [40, 180, 230]) <= 2).all()
        # regions from outside the image: ignore label in the mask, grey 114 in the image
        pad = out["gt_seg_map"] == 255
        if pad.any():
            assert (out["img"][_erode(pad)] == 114).all()


def test_seeded_global_rng_is_reproducible():
    def run(seed):
        np.random.seed(seed)
        res = _results()
        res = HSVRandomAug()(res)
        return RandomTranslateScale()(res)

    a, b, c = run(3), run(3), run(4)
    np.testing.assert_array_equal(a["img"], b["img"])
    np.testing.assert_array_equal(a["gt_seg_map"], b["gt_seg_map"])
    assert not np.array_equal(a["img"], c["img"])


def test_pipeline_from_configs_on_phantom_sample(tmp_path):
    from organseg_plugins.core.phantoms.organ_slices import write_phantom_dataset

    write_phantom_dataset(tmp_path, num_spleen=6, num_liver=0, size=96, seed=0, progress=False)
    imgs = sorted((tmp_path / "spleen_us" / "img_dir" / "train").glob("*.png"))
    assert imgs
    img_path = imgs[0]
    seg_path = Path(str(img_path).replace("img_dir", "ann_dir"))
    assert seg_path.exists()
    pipeline = Compose([
        dict(type="LoadImageFromFile"),
        dict(type="LoadBinaryAnnotations"),
        dict(type="HSVRandomAug", hgain=0.0179, sgain=0.9, vgain=0.317),
        dict(type="RandomTranslateScale", translate=0.11, scale=0.494),
        dict(type="RandomFlip", prob=0.34),
        dict(type="PackSegInputs"),
    ])

    def run(seed):
        np.random.seed(seed)
        return pipeline(dict(img_path=str(img_path), seg_map_path=str(seg_path), reduce_zero_label=False,
                             seg_fields=[]))

    out = run(0)
    inputs, sample = out["inputs"], out["data_samples"]
    assert tuple(inputs.shape) == (3, 96, 96)
    gt = sample.gt_sem_seg.data
    assert tuple(gt.shape) == (1, 96, 96)
    assert set(np.unique(gt.numpy())) <= {0, 1, 255} and (gt == 1).any()
    again = run(0)
    assert (again["inputs"] == inputs).all() and (again["data_samples"].gt_sem_seg.data == gt).all()
    # a different seed gives a different augmentation
    assert any(not (run(s)["inputs"] == inputs).all() for s in (1, 2, 3))


def test_known_translation_through_the_transform(monkeypatch):
    # force s = 1, tx = +8 px (8/64 of the width), ty = -6 px (-6/48 of the height)
    monkeypatch.setattr(A, "sample_affine_params", lambda rng, translate, scale: (1.0, 8 / 64, -6 / 48))
    res = _results()
    ref = copy.deepcopy(res)
    out = RandomTranslateScale(translate=0.2, scale=0.0)(res)
    exp = np.full((48, 64), 255, np.uint8)  # from outside: ignore (bottom 6 rows, left 8 columns)
    exp[:42, 8:] = ref["gt_seg_map"][6:, :56]
    np.testing.assert_array_equal(out["gt_seg_map"], exp)
    assert (out["gt_seg_map"][6:24, 28:52] == 1).all() and (out["gt_seg_map"] == 1).sum() == 18 * 24
    np.testing.assert_array_equal(out["img"][:42, 8:], ref["img"][6:, :56])
    assert (out["img"][42:] == 114).all() and (out["img"][:, :8] == 114).all()
