# Liver paper DnCNN-SR pre-processing (SPEC section 2): joint denoising + x2 super-resolution of CT slices,
# loss MSE + (1 - SSIM), evaluated by PSNR/SSIM against the bicubic-upsampled degraded input.
# CT phantoms (datasets_prep/make_phantoms.py -> data/phantom/liver_ct) on a short CPU schedule:
# 128x128 clean crops -> 64x64 inputs (2x2 block mean + Poisson noise, std 0.1 at intensity 1).
# Real data: configs/liver/dncnn-sr_1xb16-100e_liver-ct-256to512.py.
#   python tools/train.py configs/liver/dncnn-sr_1xb8-300it_phantom-ct-64to128.py
#   python tools/test.py configs/liver/dncnn-sr_1xb8-300it_phantom-ct-64to128.py work_dirs/.../iter_300.pth
#   python tools/denoise.py CONFIG CHECKPOINT --input SLICES --output OUT
_base_ = [
    "mmseg::_base_/default_runtime.py",
    "../_base_/schedules/cpu_iters.py",
]
custom_imports = dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)

scale = 2
crop_size = 128  # high-resolution training crop; the network sees crop_size // scale
noise, sigma = "poisson", 0.1  # degradation model (the paper gives none): see organseg_plugins.core.denoise.degrade
model = dict(
    type="DnCNNSRModel",
    net=dict(scale=scale, base_channels=32, num_down=2, dilations=(1, 2, 4, 2, 1), upsample_mode="bicubic"),
    mse_weight=1.0,
    ssim_weight=1.0,
    data_range=1.0,
)

dataset_type = "DegradedSliceDataset"
data_root = "data/phantom/liver_ct"
degradation = dict(scale=scale, noise=noise, sigma=sigma)
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="InfiniteSampler", shuffle=True),
    collate_fn=dict(type="default_collate"),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path="img_dir/train"),
                 crop_size=crop_size, random_flip=True, **degradation),
)
val_dataloader = dict(
    batch_size=1,  # whole slices (sizes may differ)
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="default_collate"),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path="img_dir/val"),
                 test_mode=True, seed=1, **degradation),
)
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="default_collate"),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path="img_dir/test"),
                 test_mode=True, seed=2, **degradation),
)
val_evaluator = dict(type="PSNRSSIMMetric", upsample_mode="bicubic")
test_evaluator = val_evaluator

# Adam 1e-3 (the paper gives no optimiser), short warm-up then cosine decay over 300 iterations.
max_iters = 300
optim_wrapper = dict(_delete_=True, type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-3, betas=(0.9, 0.999)),
                     clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type="CosineAnnealingLR", T_max=max_iters - 20, eta_min=1e-5, by_epoch=False, begin=20, end=max_iters),
]
train_cfg = dict(type="IterBasedTrainLoop", max_iters=max_iters, val_interval=100)
# no SegVisualizationHook: it draws segmentation masks (tools/test.py --show-dir does not apply here)
default_hooks = dict(
    _delete_=True,
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=10, log_metric_by_epoch=False),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", by_epoch=False, interval=100, max_keep_ckpts=1, save_last=True,
                    save_best="psnr", rule="greater"),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)
