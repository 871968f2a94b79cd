"""configs/ct_volume: basic / auxiliary / refined rows of Tables 1-2 (Lian, Sun and Li 2025) build as specified;
the phantom configs differ from the real ones only in data root, size and schedule; the L1 and minimax options."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS

import organseg_plugins.mm  # noqa: F401
from tests.conftest import REPO

init_default_scope("mmseg")
D = REPO / "configs" / "ct_volume"
REAL = {"basic": D / "basic_unet-d5_1xb8-dice-40k_nih-pancreas-512x512.py",
        "auxiliary": D / "auxiliary_unet-d5_1xb8-dice-d1-40k_nih-pancreas-512x512.py",
        "refined": D / "refined_unet-d5_1xb8-dice-d1d2-40k_nih-pancreas-512x512.py"}
PHANTOM = {"basic": D / "basic_unet-d5_1xb4-dice-200it_phantom-pancreas-64x64.py",
           "auxiliary": D / "auxiliary_unet-d5_1xb4-dice-d1-200it_phantom-pancreas-64x64.py",
           "refined": D / "refined_unet-d5_1xb4-dice-d1d2-200it_phantom-pancreas-64x64.py"}


def test_rows_of_the_tables():
    basic = Config.fromfile(str(REAL["basic"])).model
    assert basic.type == "EncoderDecoder" and "auxiliary_head" not in basic
    assert basic.backbone.num_stages == 5 and tuple(basic.backbone.out_stages) == (5, 4)
    assert basic.decode_head.loss_decode == dict(type="BCEDiceLoss", bce_weight=0.0, dice_weight=1.0,
                                                 loss_name="loss_dice")  # Dice basic loss
    aux = Config.fromfile(str(REAL["auxiliary"])).model
    assert aux.type == "AdversarialSegmentor" and list(aux.discriminators) == ["d1"]
    assert [(a["source"], a["adv_weight"]) for a in aux.adversaries] == [("decode_head", 0.001)]
    assert aux.discriminators.d1 == dict(type="ThreeConvDiscriminator", in_channels=1)  # unconditional
    ref = Config.fromfile(str(REAL["refined"])).model
    assert sorted(ref.discriminators) == ["d1", "d2"]
    # Eq. 4: w1..w4 = 1, 0.001, 0.1, 0.0002
    w1 = ref.generator.decode_head.loss_decode.get("loss_weight", 1.0)
    w3 = ref.generator.auxiliary_head.loss_decode.loss_weight
    w2, w4 = (a["adv_weight"] for a in ref.adversaries)
    assert (w1, w2, w3, w4) == (1.0, 0.001, 0.1, 0.0002)
    assert ref.adversaries[1]["source"] == "auxiliary_head" and ref.generator.auxiliary_head.in_index == 1
    for cfg in (ref, aux):
        assert all(not a.get("conditional", False) for a in cfg.adversaries)


def _strip(cfg: Config) -> dict:
    d = copy.deepcopy(cfg.to_dict())
    for k in ("data_root", "crop_size", "train_pipeline", "test_pipeline", "train_dataloader", "val_dataloader",
              "test_dataloader", "max_iters", "train_cfg", "default_hooks", "randomness"):
        d.pop(k, None)
    for m in (d["model"], d["model"].get("generator", {})):
        m.get("data_preprocessor", {}).pop("size", None)
    return d


@pytest.mark.parametrize("name", sorted(REAL))
def test_phantom_differs_only_in_data_size_and_schedule(name):
    real, ph = Config.fromfile(str(REAL[name])), Config.fromfile(str(PHANTOM[name]))
    assert _strip(real) == _strip(ph)
    assert ph.crop_size == (64, 64) and ph.train_cfg.max_iters == 200
    assert ph.train_dataloader.dataset.data_root == "data/phantom/ct_volumes/nih_pancreas"
    # same dataset, sampler, pipeline steps (sizes aside)
    assert [t["type"] for t in ph.train_pipeline] == [t["type"] for t in real.train_pipeline]


def _build(cfg):
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    ow = {k: v for k, v in cfg.optim_wrapper.items() if k != "constructor"}
    optim = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(type=cfg.optim_wrapper.constructor, optim_wrapper_cfg=ow))(model)
    return model, optim


def _batch(cfg, ct_volume_root, n=2):
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.data_root = str(ct_volume_root / "nih_pancreas")
    ds = DATASETS.build(ds_cfg)
    return pseudo_collate([ds[i] for i in range(n)])


def test_refined_step_with_l1_basic_loss_and_minimax_term(ct_volume_root):
    cfg = Config.fromfile(str(PHANTOM["refined"]))
    cfg.model.generator.decode_head.loss_decode = dict(type="MaskL1Loss")  # Eq. 1 as written
    for a in cfg.model.adversaries:
        a["g_loss"] = "minimax"  # Eq. 2: log(1 - D(G(x)))
    model, optim = _build(cfg)
    model.train()
    data = _batch(cfg, ct_volume_root)
    with torch.no_grad():  # the generator's output before its step (train mode: batch statistics, as in the step)
        pre = model.data_preprocessor(copy.deepcopy(data), True)
        fake0 = model.generator.decode_head.forward(model.generator.extract_feat(pre["inputs"])).sigmoid()
    logs = model.train_step(data, optim)
    for key in ("decode.loss_l1", "aux.loss_dice", "loss_g_adv_d1", "loss_g_adv_d2", "loss_d_d1", "loss_d_d2"):
        assert key in logs, (key, sorted(logs))
    # the G term uses D1 after its own step (D1 is frozen during the G step, so D1 now = D1 then) on the
    # pre-step output: minimax = w2 * mean(log(1 - sigmoid(z))) = -w2 * mean(softplus(z)) < 0
    with torch.no_grad():
        expected = -0.001 * F.softplus(model.discriminators["d1"](fake0)).mean()
    assert float(logs["loss_g_adv_d1"]) < 0 and float(logs["loss_g_adv_d2"]) < 0
    assert float(logs["loss_g_adv_d1"]) == pytest.approx(float(expected), rel=1e-4)


def test_bad_g_loss_is_named():
    cfg = Config.fromfile(str(PHANTOM["auxiliary"]))
    cfg.model.adversaries[0]["g_loss"] = "wasserstein"
    with pytest.raises(ValueError, match="g_loss must be one of"):
        MODELS.build(cfg.model)


@pytest.mark.parametrize("name", sorted(REAL))
def test_sliver07_configs_change_only_the_data(name, ct_volume_root, tmp_path):
    from organseg_plugins.core.converters.ct_volumes import convert_ct_volumes
    from organseg_plugins.core.converters.splits import read_assignment

    sl = Config.fromfile(str(REAL[name]).replace("nih-pancreas", "sliver07"))
    nih = Config.fromfile(str(REAL[name]))
    assert sl.model == nih.model and sl.optim_wrapper == nih.optim_wrapper and sl.train_cfg == nih.train_cfg
    out = tmp_path / "liver"
    convert_ct_volumes(ct_volume_root / "raw" / "sliver07", out, window="liver", category="liver",
                       assignment=read_assignment(ct_volume_root / "raw" / "splits_sliver07.json"), progress=False)
    ds_cfg = copy.deepcopy(sl.val_dataloader.dataset)
    ds_cfg.data_root = str(out)
    ds = DATASETS.build(ds_cfg)
    assert ds.metainfo["classes"] == ("background", "liver") and len(ds) == 12  # one val volume of 12 slices
    assert ds[0]["data_samples"].case_id == "liver-003"
