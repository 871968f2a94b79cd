"""SegPredictionWriterHook: each test prediction -> <out_dir>/<image stem>.png (uint8 class ids), atomically."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

import organseg_plugins.mm  # noqa: F401  (registers SegPredictionWriterHook)
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.mm.engine.hooks.prediction_writer_hook import SegPredictionWriterHook, mask_png_path

RUNNER = SimpleNamespace(logger=logging.getLogger("test_prediction_writer"))


def _sample(pred: np.ndarray, img_path: str, dtype=torch.int64) -> SegDataSample:
    s = SegDataSample(metainfo=dict(img_path=img_path, ori_shape=pred.shape))
    s.pred_sem_seg = PixelData(data=torch.from_numpy(pred)[None].to(dtype))
    return s


def test_writes_one_png_per_image_named_by_stem(tmp_path):
    out = tmp_path / "pred"
    hook = HOOKS.build(dict(type="SegPredictionWriterHook", out_dir=str(out)))
    assert isinstance(hook, SegPredictionWriterHook)
    a = np.zeros((20, 30), np.int64)
    a[5:10, 3:20] = 1
    b = np.ones((16, 12), np.int64)
    hook.before_test(RUNNER)
    # a sigmoid head's pred_sem_seg is float 0./1. (mmseg's postprocess_result): written as 0/1 uint8
    hook.after_test_iter(RUNNER, 0, None, [_sample(a, "/data/img_dir/test/us_p001_a.png", torch.float32),
                                          _sample(b, "/data/img_dir/test/us_p002_b.jpg")])
    hook.after_test(RUNNER)
    assert sorted(p.name for p in out.iterdir()) == ["us_p001_a.png", "us_p002_b.png"]
    for arr, name in ((a, "us_p001_a.png"), (b, "us_p002_b.png")):
        got = cv2.imread(str(out / name), cv2.IMREAD_UNCHANGED)
        assert got.dtype == np.uint8 and got.ndim == 2
        np.testing.assert_array_equal(got, arr)
    assert mask_png_path(out, "x/y/z.nii.gz") == out / "z.nii.png"


def test_same_stem_twice_is_refused_and_bad_predictions_named(tmp_path):
    hook = SegPredictionWriterHook(out_dir=str(tmp_path / "o"))
    hook.before_test(RUNNER)
    m = np.zeros((4, 4), np.int64)
    hook.after_test_iter(RUNNER, 0, None, [_sample(m, "a/case1.png")])
    hook.after_test_iter(RUNNER, 1, None, [_sample(m, "a/case1.png")])  # the same image again: fine
    with pytest.raises(OrgansegInputError, match="same stem"):
        hook.after_test_iter(RUNNER, 2, None, [_sample(m, "b/case1.png")])
    bad = SegDataSample(metainfo=dict(img_path="c.png"))
    bad.pred_sem_seg = PixelData(data=torch.zeros(2, 4, 4))
    with pytest.raises(ValueError, match="c.png"):
        hook.after_test_iter(RUNNER, 3, None, [bad])
    (tmp_path / "file").write_text("x")
    with pytest.raises(OrgansegInputError, match="not a folder"):
        SegPredictionWriterHook(out_dir=str(tmp_path / "file")).before_test(RUNNER)
