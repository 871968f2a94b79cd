"""AdversarialSegmentor: alternating D/G steps with separate optimizers, checkpoint mapping, both papers' setups."""

from __future__ import annotations

import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS  # noqa: F401

import organseg_plugins.mm  # noqa: F401
from tests.conftest import REPO

init_default_scope("mmseg")
PIX2PIX = REPO / "configs/spleen/segformer_b0_pix2pix_phantom-spleen-128x128.py"


def build(cfg_path=PIX2PIX):
    cfg = Config.fromfile(str(cfg_path))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(type=cfg.optim_wrapper.constructor,
                                                        optim_wrapper_cfg={k: v for k, v in cfg.optim_wrapper.items()
                                                                           if k != "constructor"}))
    return cfg, model, constructor(model)


def batch(cfg, phantom_root, n=2):
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.data_root = str(phantom_root / "spleen_us")
    ds = DATASETS.build(ds_cfg)
    return pseudo_collate([ds[i] for i in range(n)])


def snapshot(module):
    """Trainable weights only (BatchNorm running statistics move in any forward pass)."""
    return {k: v.detach().clone() for k, v in module.named_parameters()}


def changed(before, module):
    now = dict(module.named_parameters()) if isinstance(module, torch.nn.Module) else module.state_dict()
    return {k for k, v in before.items() if not torch.equal(v, now[k])}


def test_pix2pix_step_updates_each_side_only_in_its_own_step(phantom_root):
    cfg, model, optim = build()
    model.train()
    data = batch(cfg, phantom_root)
    g0, d0 = snapshot(model.generator), snapshot(model.discriminators)
    seen = {}
    d_update = optim["discriminators"].update_params

    def spy(loss, **kw):  # record both sides right after the discriminator's own update
        d_update(loss, **kw)
        seen["g_after_d"], seen["d_after_d"] = snapshot(model.generator), snapshot(model.discriminators)

    optim["discriminators"].update_params = spy
    logs = model.train_step(data, optim)
    # the D step changed the discriminator and left the generator untouched
    assert not changed(g0, _Wrap(seen["g_after_d"])) and changed(d0, _Wrap(seen["d_after_d"]))
    # the G step changed the generator's weights and left the discriminator's weights as the D step left them
    g_changed = changed(g0, model.generator)
    assert any(k.startswith("backbone.") and k.endswith("weight") for k in g_changed)
    assert any(k.startswith("decode_head.") for k in g_changed)
    assert changed(seen["d_after_d"], model.discriminators) == set()
    for key in ("loss_d_pix2pix", "loss_g_adv_pix2pix", "loss_g_l1_pix2pix", "loss_g", "loss_d"):
        assert key in logs and torch.isfinite(torch.as_tensor(logs[key])), key
    assert not any(k.startswith("decode.") for k in logs)  # supervised_loss=False: Eq. 6 only


class _Wrap:
    def __init__(self, sd):
        self._sd = sd

    def state_dict(self):
        return self._sd


def test_l1_term_is_lambda_times_mean_abs_error(phantom_root):
    cfg, model, optim = build()
    model.eval()  # BN on running statistics and no drop-path: the generator's output is deterministic
    raw = batch(cfg, phantom_root)
    data = model.data_preprocessor(copy.deepcopy(raw), True)
    gt = torch.stack([s.gt_sem_seg.data for s in data["data_samples"]]).long()
    with torch.no_grad():
        outputs = model._outputs(data["inputs"])
        adv = model.adversaries[0]
        real, fake, mask_real, mask_fake, valid = model._judged(adv, outputs, data["inputs"], gt)
    assert real.shape[1] == fake.shape[1] == 4  # concat(image, mask), Eq. 7's D(x, y)
    assert mask_fake.shape[2:] == data["inputs"].shape[2:]  # judged at input resolution
    assert 0 <= mask_fake.min() and mask_fake.max() <= 1
    # real = one-hot GT on valid pixels; ignored pixels (255: padding after RandomResize) copy the prediction
    assert torch.equal(valid, (gt != 255).float())
    assert torch.equal(mask_real, torch.where(gt == 255, mask_fake, (gt == 1).float()))
    # Eq. 6: lambda * mean |y - G(x)| over the valid pixels, lambda = 100; the G loss is computed on the outputs
    # of the forward pass before either update, i.e. the ones above
    expected = 100.0 * float(((mask_fake - (gt == 1).float()).abs() * valid).sum() / valid.sum())
    logs = model.train_step(raw, optim)
    assert float(logs["loss_g_l1_pix2pix"]) == pytest.approx(expected, rel=1e-5)
    assert float(logs["loss_g"]) == pytest.approx(expected + float(logs["loss_g_adv_pix2pix"]), rel=1e-5)


def test_refuses_distributed_wrappers_with_a_clear_error(phantom_root):
    """mmengine's default DDP wrapper calls forward(mode='loss') instead of train_step: that must not train."""
    cfg, model, optim = build()
    data = model.data_preprocessor(batch(cfg, phantom_root), True)
    with pytest.raises(RuntimeError, match="AdversarialDistributedWrapper"):
        model(data["inputs"], data["data_samples"], mode="loss")


def test_phase1_checkpoint_loads_into_generator(phantom_root, tmp_path):
    from mmengine.runner import load_checkpoint

    phase1_cfg = Config.fromfile(str(REPO / "configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py"))
    torch.manual_seed(1)
    seg = MODELS.build(phase1_cfg.model)
    path = tmp_path / "phase1.pth"
    torch.save({"state_dict": seg.state_dict(), "meta": {}}, path)
    _, model, _ = build()
    assert not torch.equal(model.generator.decode_head.conv_seg.weight, seg.decode_head.conv_seg.weight)
    load_checkpoint(model, str(path), map_location="cpu", strict=False)
    loaded = model.generator.state_dict()
    for k, v in seg.state_dict().items():
        assert torch.equal(loaded[k], v), k


def test_unet_constraints_are_a_configuration_of_the_same_mechanism(phantom_root):
    """Lian, Sun and Li 2025: D1 on the final output, D2 on an auxiliary (4th decoder stage) head, Eq. 4 weights."""
    seg = Config.fromfile(str(REPO / "configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py")).model
    seg = copy.deepcopy(seg)
    seg.auxiliary_head = dict(type="FCNHead", in_channels=64, in_index=1, channels=32, num_convs=1, num_classes=2,
                              out_channels=1, threshold=0.5, norm_cfg=dict(type="BN"),
                              loss_decode=dict(type="BCEDiceLoss", bce_weight=0.0, dice_weight=0.1))
    model = MODELS.build(dict(
        type="AdversarialSegmentor", generator=seg,
        discriminators=dict(d1=dict(type="ThreeConvDiscriminator", in_channels=1),
                            d2=dict(type="ThreeConvDiscriminator", in_channels=1)),
        adversaries=[dict(name="aux", discriminator="d1", source="decode_head", adv_weight=0.001),
                     dict(name="refined", discriminator="d2", source="auxiliary_head", resize_to="source",
                          adv_weight=0.0002)]))
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type="MultiModuleOptimWrapperConstructor",
        optim_wrapper_cfg=dict(generator=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-3)),
                               discriminators=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-3)))))
    optim = constructor(model)
    cfg = Config.fromfile(str(PIX2PIX))
    d_before = snapshot(model.discriminators)
    logs = model.train_step(batch(cfg, phantom_root), optim)
    for key in ("loss_d_aux", "loss_d_refined", "loss_g_adv_aux", "loss_g_adv_refined", "decode.loss_bce_dice",
                "aux.loss_bce_dice"):
        assert key in logs, (key, sorted(logs))
    assert "loss_g_l1_aux" not in logs
    changed_d = changed(d_before, model.discriminators)
    assert any(k.startswith("d1.") for k in changed_d) and any(k.startswith("d2.") for k in changed_d)


def test_bad_adversary_config_is_named():
    cfg = Config.fromfile(str(PIX2PIX))
    bad = copy.deepcopy(cfg.model)
    bad.adversaries[0]["discriminator"] = "nope"
    with pytest.raises(ValueError, match="no discriminator 'nope'"):
        MODELS.build(bad)
