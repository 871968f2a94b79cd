"""OrganSegTTAModel: probabilities of augmented views averaged correctly for sigmoid and softmax heads,
the AdversarialSegmentor's generator and post-processor used, the metric's metainfo kept."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import DATASETS, MODELS
from mmseg.structures import SegDataSample
from torch import nn

import organseg_plugins.mm  # noqa: F401  (registers OrganSegTTAModel)
from organseg_plugins.mm.models.segmentors.tta import OrganSegTTAModel, segmentor_of
from tests.conftest import REPO

init_default_scope("mmseg")
PHASE1 = REPO / "configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py"
META = dict(img_path="us_p001_a.png", spacing_mm=0.4, length_mm=101.0, ori_shape=(2, 3))


class Predictor(nn.Module):
    def test_step(self, data):  # BaseTTAModel requires it; merge_preds is tested directly
        raise NotImplementedError


class FakeSegmentor(Predictor):
    def __init__(self, out_channels: int, threshold: float = 0.5) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.decode_head = SimpleNamespace(threshold=threshold)


class FakeGAN(Predictor):
    def __init__(self) -> None:
        super().__init__()
        self.generator = FakeSegmentor(1)
        self.calls = []
        self.postprocessor = lambda samples: self.calls.append(len(samples)) or samples


def view(seg_logits: torch.Tensor, flip: bool) -> SegDataSample:
    s = SegDataSample(metainfo=dict(META, flip=flip, flip_direction="horizontal" if flip else None))
    s.seg_logits = PixelData(data=seg_logits)
    s.gt_sem_seg = PixelData(data=torch.zeros(1, 2, 3, dtype=torch.int64))
    return s


def test_one_sigmoid_channel_averages_the_stored_probabilities():
    tta = OrganSegTTAModel(module=FakeSegmentor(1))
    p1 = torch.tensor([[[0.9, 0.6, 0.1], [0.45, 0.2, 0.7]]])  # postprocess_result stores sigmoid probabilities
    p2 = torch.tensor([[[0.8, 0.3, 0.2], [0.65, 0.1, 0.2]]])
    (out,) = tta.merge_preds([[view(p1, False), view(p2, True)]])
    mean = (p1 + p2) / 2
    torch.testing.assert_close(out.seg_logits.data, mean)
    # mmseg's SegTTAModel would take sigmoid(probability) > 0.5: every pixel foreground
    np.testing.assert_array_equal(out.pred_sem_seg.data.numpy(), [[[1, 0, 0], [1, 0, 0]]])
    assert out.pred_sem_seg.data.shape == (1, 2, 3)
    for key in ("img_path", "spacing_mm", "length_mm", "ori_shape"):  # what OrganSegMetric reads
        assert out.metainfo[key] == META[key], key
    assert out.metainfo["flip"] is False and "gt_sem_seg" in out


def test_softmax_heads_average_class_probabilities():
    tta = OrganSegTTAModel(module=FakeSegmentor(3))
    l1 = torch.randn(3, 2, 3)
    l2 = torch.randn(3, 2, 3)
    (out,) = tta.merge_preds([[view(l1, False), view(l2, True)]])
    mean = (l1.softmax(0) + l2.softmax(0)) / 2
    torch.testing.assert_close(out.seg_logits.data, mean)
    torch.testing.assert_close(out.pred_sem_seg.data, mean.argmax(0, keepdim=True))


def test_gan_phase_uses_the_generator_head_and_post_processor():
    gan = FakeGAN()
    tta = OrganSegTTAModel(module=gan)
    samples = [[view(torch.full((1, 2, 3), 0.7), False)], [view(torch.full((1, 2, 3), 0.2), False)]]
    outs = tta.merge_preds(samples)
    assert [int(o.pred_sem_seg.data.sum()) for o in outs] == [6, 0]
    assert gan.calls == [2]  # the merged predictions are post-processed once
    assert segmentor_of(gan) is gan.generator
    with pytest.raises(TypeError, match="decode_head"):
        OrganSegTTAModel(module=Predictor())


def _data(cfg, phantom_root, flips):
    ds_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    ds_cfg.data_root = str(phantom_root / "spleen_us")
    meta_keys = cfg.test_pipeline[-1].meta_keys
    ds_cfg.pipeline = [dict(type="LoadImageFromFile"), dict(type="TestTimeAug", transforms=[
        [dict(type="Resize", scale=(128, 128), keep_ratio=True)],
        [dict(type="RandomFlip", prob=p, direction="horizontal") for p in flips],
        [dict(type="LoadBinaryAnnotations")], [dict(type="PackSegInputs", meta_keys=meta_keys)]])]
    return DATASETS.build(ds_cfg)


def test_real_segformer_identical_views_give_the_plain_prediction(phantom_root):
    cfg = Config.fromfile(str(PHASE1))
    torch.manual_seed(0)
    # the runner passes the configs' top-level data_preprocessor (mmseg's SegFormer base: ImageNet mean/std)
    top = dict(type="SegDataPreProcessor", mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
    tta = MODELS.build(dict(type="OrganSegTTAModel", module=copy.deepcopy(cfg.model), data_preprocessor=top)).eval()
    model = tta.module
    assert model.data_preprocessor.mean.flatten().tolist() == [0.0, 0.0, 0.0]  # the model's own, not `top`
    with torch.no_grad():
        batch = pseudo_collate([_data(cfg, phantom_root, (0.0, 0.0))[0]])
        (merged,) = tta.test_step(batch)
        (plain,) = model.test_step({k: v[0] for k, v in batch.items()})
        torch.testing.assert_close(merged.seg_logits.data, plain.seg_logits.data)
        torch.testing.assert_close(merged.pred_sem_seg.data.float(), plain.pred_sem_seg.data.float())
        assert merged.metainfo["length_mm"] == plain.metainfo["length_mm"] is not None

        batch = pseudo_collate([_data(cfg, phantom_root, (0.0, 1.0))[0]])
        views = [model.test_step({k: v[i] for k, v in batch.items()})[0] for i in range(2)]
        assert views[1].metainfo["flip"] and not views[0].metainfo["flip"]
        (merged,) = tta.test_step(batch)
        mean = (views[0].seg_logits.data + views[1].seg_logits.data) / 2
        torch.testing.assert_close(merged.seg_logits.data, mean)
        assert merged.pred_sem_seg.data.shape == merged.gt_sem_seg.data.shape
