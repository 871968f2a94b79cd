"""organseg_plugins.mm.inference: the batched path of tools/infer.py gives MMSegInferencer's predictions on the same
slices (1- and 3-channel models, a GAN generator, a post-processor, padding, keep-ratio resizes, sliding
window), flip TTA, the reader processes; and the CT window travels from the converter to inference."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pytest
import torch

from organseg_plugins.core.inference import conform_slices, contract_from_config, load_input
from organseg_plugins.mm.analysis.infer_speed import mmseg_inferencer
from organseg_plugins.mm.inference import Segmenter, read_inputs, resolve_window
from tests.conftest import REPO

LIVER = "configs/liver/unet_table4_1xb4-600it_phantom-liver-128x128.py"  # 1 channel, keep-ratio, size_divisor 16
SEGFORMER = "configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py"  # 3 channels, bgr_to_rgb, no padding
REFINED = "configs/ct_volume/refined_unet-d5_1xb4-dice-d1d2-200it_phantom-pancreas-64x64.py"  # GAN generator
PIX2PIX = "configs/spleen/segformer_b0_pix2pix_phantom-spleen-128x128.py"  # generator + OrganMaskPostProcessor


def balanced_checkpoint(config: str, path, images: Sequence[np.ndarray] = ()) -> str:
    """Seeded untrained weights whose head bias puts the threshold at the median logit (masks half foreground,
    so agreement is tested on both classes).

    With ``images`` the median is taken over the head's logits on those images as the model sees them (the
    test pipeline's resize and padding: the :class:`Segmenter` of the weights, a hook on ``conv_seg``); without,
    over smooth random 64x64 inputs fed to the network directly. A constant shift of ``conv_seg``'s bias moves
    every logit (and, after the bilinear resize, every output logit) by the same amount."""
    from organseg_plugins.mm.apis import init_model
    from organseg_plugins.mm.models.segmentors.tta import segmentor_of

    torch.manual_seed(0)
    cfg, model = init_model(str(REPO / config))
    seg, dp = segmentor_of(model), model.data_preprocessor
    if images:
        seen: list[torch.Tensor] = []
        hook = seg.decode_head.conv_seg.register_forward_hook(lambda _m, _i, out: seen.append(out.detach()))
        segmenter = Segmenter(cfg, model, "cpu", memory_format="contiguous", config=config)
        for shape in sorted({img.shape for img in images}):
            segmenter.predict([img for img in images if img.shape == shape])
        hook.remove()
        logits = torch.cat([t.transpose(0, 1).flatten(1) for t in seen], dim=1)  # (channels, pixels)
    else:
        x = torch.nn.functional.avg_pool2d(torch.rand(2, dp.mean.numel(), 64, 64) * 255, 9, 1, 4)
        with torch.no_grad():
            out = seg.inference((x - dp.mean) / dp.std, [dict(img_shape=(64, 64), ori_shape=(64, 64))] * 2)
        logits = out.transpose(0, 1).flatten(1)
    with torch.no_grad():
        bias = seg.decode_head.conv_seg.bias
        if logits.shape[0] == 1:
            bias -= logits.median()
        else:
            bias[1] -= (logits[1] - logits[0]).median()
    torch.save({"state_dict": model.state_dict()}, path)
    return str(path)


def smooth_images(n: int, shape: tuple[int, ...], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [cv2.GaussianBlur(rng.integers(0, 256, shape, dtype=np.uint8), (0, 0), 3) for _ in range(n)]


def _reference(theirs, images):
    out = theirs(images, batch_size=len(images), return_datasamples=True)
    out = out if isinstance(out, list) else [out]
    return ([(s.pred_sem_seg.data[0].numpy() > 0).astype(np.uint8) for s in out],
            [s.seg_logits.data.float().numpy() for s in out])


@pytest.mark.parametrize("config", [LIVER, SEGFORMER, REFINED, PIX2PIX])
def test_same_masks_as_mmseg_inferencer(config, tmp_path):
    channels = 1 if config in (LIVER, REFINED) else 3
    # (100, 70): resized and, for the U-Nets, padded to the size divisor
    sets = [smooth_images(3, shape + (() if channels == 1 else (3,)), seed=len(shape) + shape[0])
            for shape in [(100, 70), (64, 64)]]
    ckpt = balanced_checkpoint(config, tmp_path / "w.pth", [img for images in sets for img in images])
    theirs = mmseg_inferencer(str(REPO / config), ckpt)
    exact = Segmenter.from_files(str(REPO / config), ckpt, "cpu", memory_format="contiguous")
    fast = Segmenter.from_files(str(REPO / config), ckpt, "cpu", memory_format="channels_last")
    assert exact.fast and exact.precision == "fp32"
    assert exact.contract.channels == channels
    for images in sets:
        shape = images[0].shape[:2]
        ref, ref_logits = _reference(theirs, images)
        ours = exact.predict(images)
        assert all(m.dtype == np.uint8 and m.shape == shape for m in ours)
        assert 0 < sum(int(m.sum()) for m in ref) < sum(m.size for m in ref)  # both classes present
        for a, b in zip(ours, ref, strict=True):
            np.testing.assert_array_equal(a, b)  # contiguous: bit-identical
        for a, b, lg in zip(fast.predict(images), ref, ref_logits, strict=True):
            differ = a != b
            if differ.any():  # channels-last: only where the reference sits on the threshold (float rounding)
                margin = np.abs(lg[0] - 0.5) if lg.shape[0] == 1 else np.abs(lg[1] - lg[0])
                assert differ.sum() <= 5 and margin[differ].max() < 1e-3


def test_generic_path_matches_the_fast_one(tmp_path):
    ckpt = balanced_checkpoint(LIVER, tmp_path / "w.pth")
    seg = Segmenter.from_files(str(REPO / LIVER), ckpt, "cpu", memory_format="contiguous")
    images = smooth_images(2, (100, 70), 3)
    fast = seg.predict(images)
    seg.fast = False  # the model's own test_step (data_preprocessor + predict), as for a custom segmentor
    for a, b in zip(seg.predict(images), fast, strict=True):
        np.testing.assert_array_equal(a, b)


def test_sliding_window_matches_mmseg_slide(tmp_path):
    from mmengine.config import Config
    from mmseg.apis import MMSegInferencer

    from organseg_plugins.mm.apis import inference_pipeline_config

    ckpt = balanced_checkpoint(LIVER, tmp_path / "w.pth")
    seg = Segmenter.from_files(str(REPO / LIVER), ckpt, "cpu", slide=True, memory_format="contiguous")
    assert seg.seg.test_cfg.mode == "slide" and tuple(seg.seg.test_cfg.crop_size) == (128, 128)
    assert "sliding window (128, 128)" in seg.describe()
    cfg = Config.fromfile(str(REPO / LIVER))
    pipeline = [t for t in inference_pipeline_config(cfg.test_dataloader.dataset.pipeline) if t["type"] != "Resize"]
    pipeline[0]["type"] = "LoadImageFromFile"
    cfg.test_dataloader.dataset.pipeline = pipeline
    cfg.model.test_cfg = dict(mode="slide", crop_size=(128, 128), stride=(85, 85))
    theirs = MMSegInferencer(model=cfg, weights=ckpt, device="cpu")
    theirs.show_progress = False
    images = smooth_images(2, (200, 176), 5)  # larger than the 128 training crop: 3 x 2 tiles at native size
    ref, _ = _reference(theirs, images)
    for a, b in zip(seg.predict(images), ref, strict=True):
        assert a.shape == (200, 176)
        np.testing.assert_array_equal(a, b)


def test_flip_tta_is_mirror_symmetric(tmp_path):
    ckpt = balanced_checkpoint(LIVER, tmp_path / "w.pth")
    tta = Segmenter.from_files(str(REPO / LIVER), ckpt, "cpu", flip_tta=True, memory_format="contiguous")
    plain = Segmenter.from_files(str(REPO / LIVER), ckpt, "cpu", memory_format="contiguous")
    assert tta.forward_passes == 2 and plain.forward_passes == 1
    images = smooth_images(2, (128, 128), 7)  # the model's size: no resize, no padding
    a = tta.predict(images)
    b = tta.predict([np.ascontiguousarray(img[:, ::-1]) for img in images])
    for m, mf in zip(a, b, strict=True):  # the mean of a view and its mirror does not care which came first
        np.testing.assert_array_equal(m, mf[:, ::-1])
    assert any(not np.array_equal(m, p) for m, p in zip(a, plain.predict(images), strict=True))


def test_precision_and_memory_format_options(tmp_path):
    from organseg_plugins.core.errors import OrgansegInputError

    seg = Segmenter.from_files(str(REPO / LIVER), None, "cpu")
    assert seg.precision == "fp32" and seg.channels_last  # a U-Net: convolutions hold the weights
    with pytest.raises(OrgansegInputError, match="fp16 needs a CUDA device"):
        Segmenter.from_files(str(REPO / LIVER), None, "cpu", precision="fp16")
    bf16 = Segmenter.from_files(str(REPO / LIVER), None, "cpu", precision="bf16")
    assert bf16.precision == "bf16" and bf16.predict(smooth_images(1, (64, 64), 0))[0].shape == (64, 64)


def test_reader_processes_give_the_same_slices(tmp_path):
    import nibabel as nib

    vol = np.random.default_rng(0).integers(-300, 300, (40, 30, 5)).astype(np.int16)
    nib.save(nib.Nifti1Image(vol, np.diag([0.9, 0.8, 3.0, 1.0])), str(tmp_path / "v.nii.gz"))
    png = tmp_path / "a.png"
    cv2.imwrite(str(png), smooth_images(1, (20, 24), 1)[0])
    contract = contract_from_config(__import__("mmengine").Config.fromfile(str(REPO / SEGFORMER)), SEGFORMER)
    paths = [str(png), str(tmp_path / "v.nii.gz")]
    in_process = list(read_inputs(paths, (-100, 240), contract, workers=0))
    workers = list(read_inputs(paths, (-100, 240), contract, workers=1))
    assert [i for i, _ in workers] == [0, 1]
    for (_, a), (_, b) in zip(in_process, workers, strict=True):
        assert (a.name, a.kind, a.spacing, len(a.slices)) == (b.name, b.kind, b.spacing, len(b.slices))
        for x, y in zip(a.slices, b.slices, strict=True):
            assert x.shape[-1] == 3  # the 3-channel model's channels
            np.testing.assert_array_equal(x, y)
    assert workers[1][1].volume.shape == (5, 30, 40)  # the geometry travels, the voxels stay in the reader
    with pytest.raises(Exception, match="input not found"):
        list(read_inputs([str(tmp_path / "none.png")], None, contract, workers=1))


def test_converter_slices_equal_inference_inputs_with_the_configs_window(tmp_path):
    """The converter's default window is the CT config's ct_window: its PNGs and the arrays tools/infer.py feeds
    the model from the same NIfTI volume are identical."""
    import json

    import nibabel as nib
    from mmengine.config import Config

    from organseg_plugins.core.converters.ct_volumes import convert_ct_volumes

    root = tmp_path / "msd"
    (root / "imagesTr").mkdir(parents=True)
    (root / "labelsTr").mkdir()
    rng = np.random.default_rng(0)
    hu = rng.integers(-400, 500, (24, 20, 6)).astype(np.int16)
    nib.save(nib.Nifti1Image(hu, np.diag([-0.8, -0.7, 2.5, 1.0])), str(root / "imagesTr" / "case_001.nii.gz"))
    nib.save(nib.Nifti1Image((hu > 200).astype(np.uint8), np.diag([-0.8, -0.7, 2.5, 1.0])),
             str(root / "labelsTr" / "case_001.nii.gz"))
    (root / "dataset.json").write_text(json.dumps({"training": [
        {"image": "./imagesTr/case_001.nii.gz", "label": "./labelsTr/case_001.nii.gz"}]}))
    rep = convert_ct_volumes(root, tmp_path / "out", progress=False)  # the default window
    assert rep.ok
    cfg = "configs/ct_volume/basic_unet-d5_1xb8-dice-40k_nih-pancreas-512x512.py"
    contract = contract_from_config(Config.fromfile(str(REPO / cfg)), cfg)
    window, source = resolve_window(contract, None)
    assert source == f"ct_window of {cfg}" and window == (-100.0, 240.0)
    item = load_input(root / "imagesTr" / "case_001.nii.gz", window)
    conform_slices(item, contract)
    assert len(item.slices) == 6
    for k, s in enumerate(item.slices):
        png = cv2.imread(str(tmp_path / "out" / "img_dir" / "train" / f"case_001_s{k:04d}.png"), cv2.IMREAD_UNCHANGED)
        assert s.dtype == png.dtype == np.uint8
        np.testing.assert_array_equal(s, png)
    from organseg_plugins.core.inference import window_mismatch

    assert window_mismatch(window, source, tmp_path / "out" / "meta.csv") is None  # recorded = the config's
    assert "windowed with [-100, 240] HU" in window_mismatch((-100, 200), "--window", tmp_path / "out" / "meta.csv")
