"""OrganMaskPostProcessor on SegDataSamples: per-class cleaning in place, switches, registry."""

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import organseg_plugins.mm  # noqa: F401  (registers OrganMaskPostProcessor)
from organseg_plugins.mm.models.postprocessor import OrganMaskPostProcessor


def _sample(label_map: np.ndarray) -> SegDataSample:
    s = SegDataSample()
    s.pred_sem_seg = PixelData(data=torch.from_numpy(label_map)[None].long())
    return s


def _noisy_binary():
    m = np.zeros((30, 30), np.int64)
    m[3:20, 3:20] = 1
    m[10:13, 10:13] = 0  # hole
    m[25:28, 25:28] = 1  # extra blob
    m[11, 20:26] = 1  # spur
    return m


def test_binary_prediction_cleaned_in_place():
    sample = _sample(_noisy_binary())
    data = sample.pred_sem_seg.data
    pp = MODELS.build(dict(type="OrganMaskPostProcessor"))
    out = pp([sample])
    assert out[0] is sample and sample.pred_sem_seg.data is data  # same tensor, modified in place
    res = data[0].numpy()
    assert data.dtype == torch.int64 and data.shape == (1, 30, 30)
    assert not res[25:28, 25:28].any()  # extra blob -> background
    assert (res[10:13, 10:13] == 1).all()  # hole filled
    assert not res[11, 21:26].any()  # spur opened away (its root pixel may stay)
    assert set(np.unique(res)) == {0, 1}


def test_disabled_and_switches_off_do_nothing():
    m = _noisy_binary()
    for pp in (OrganMaskPostProcessor(enabled=False),
               OrganMaskPostProcessor(largest_component=False, fill_holes=False, opening_radius=0)):
        sample = _sample(m)
        pp([sample])
        np.testing.assert_array_equal(sample.pred_sem_seg.data[0].numpy(), m)


def test_multi_class_and_empty():
    m = np.zeros((30, 30), np.int64)
    m[2:14, 2:14] = 1
    m[6:9, 6:9] = 2  # class 2 enclosed by class 1: filling 1's holes must not overwrite it
    m[20:22, 20:22] = 1  # small extra class-1 blob
    m[0, 29] = 2  # stray class-2 pixel (class 2's largest component is the enclosed 3x3 block)
    pp = OrganMaskPostProcessor(organ_classes=(1, 2), opening_radius=0)
    s = _sample(m)
    pp([s])
    res = s.pred_sem_seg.data[0].numpy()
    assert (res[6:9, 6:9] == 2).all()  # not overwritten by class 1's hole filling
    assert (res[2:14, 2:14] > 0).all()
    assert not (res[20:22, 20:22] == 1).any() and res[0, 29] == 0  # extra components -> background
    # a real hole of class 1 (background inside it) is filled with 1
    m2 = m.copy()
    m2[6:9, 6:9] = 0
    s2 = _sample(m2)
    OrganMaskPostProcessor(organ_classes=(1,), opening_radius=0)([s2])
    assert (s2.pred_sem_seg.data[0, 6:9, 6:9] == 1).all()
    empty = _sample(np.zeros((8, 8), np.int64))
    pp([empty])
    assert not empty.pred_sem_seg.data.any()


def test_errors():
    with pytest.raises(ValueError, match="organ_classes must not contain the background class 0"):
        OrganMaskPostProcessor(organ_classes=(0, 1))
    with pytest.raises(KeyError, match="data sample 0 has no pred_sem_seg to post-process"):
        OrganMaskPostProcessor()([SegDataSample()])
