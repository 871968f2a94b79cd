# DnCNN-SR pre-processing of Sattari et al. 2025, "Liver margin segmentation in abdominal CT images using
# U-Net and Detectron2: annotated dataset for deep learning models", Sci Rep: joint denoising + x2 super-resolution
# of CT slices, loss MSE + (1 - SSIM), evaluated by PSNR/SSIM against the bicubic-upsampled degraded input.
# Real CT slices: 512x512 windowed PNG slices (datasets_prep/dicom_to_png.py -> data/liver_png/img_dir/
# {train,val,test}) are the targets, their 2x2 block means with Poisson noise (std 0.1 at intensity 1; the
# paper states no degradation model) the 256x256 inputs; PSNR/SSIM against the bicubic baseline every 5
# epochs. The paper gives no optimiser or schedule: Adam 1e-3 with cosine decay over 100 epochs.
# Phantom/CPU variant: configs/liver/dncnn-sr_1xb8-300it_phantom-ct-64to128.py.
#   python tools/train.py configs/liver/dncnn-sr_1xb16-100e_liver-ct-256to512.py
#   python tools/denoise.py CONFIG CHECKPOINT --input SLICES --output OUT
_base_ = ["mmseg::_base_/default_runtime.py"]
custom_imports = dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)

scale = 2
crop_size = 512  # high-resolution training crop; the network sees crop_size // scale
noise, sigma = "poisson", 0.1  # degradation model (the paper gives none): see organseg_plugins.core.transforms.degrade.degrade
model = dict(
    type="DnCNNSRModel",
    net=dict(scale=scale, base_channels=32, num_down=2, dilations=(1, 2, 4, 2, 1), upsample_mode="bicubic"),
    mse_weight=1.0,
    ssim_weight=1.0,
    data_range=1.0,
)

dataset_type = "DegradedSliceDataset"
data_root = "data/liver_png"
degradation = dict(scale=scale, noise=noise, sigma=sigma)
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=True),
    collate_fn=dict(type="default_collate"),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path="img_dir/train"),
                 crop_size=crop_size, random_flip=True, **degradation),
)
val_dataloader = dict(
    batch_size=1,  # whole slices (sizes may differ)
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="default_collate"),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path="img_dir/val"),
                 test_mode=True, seed=1, **degradation),
)
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="default_collate"),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path="img_dir/test"),
                 test_mode=True, seed=2, **degradation),
)
val_evaluator = dict(type="PSNRSSIMMetric", upsample_mode="bicubic")
test_evaluator = val_evaluator

# Adam 1e-3 (the paper gives no optimiser), one warm-up epoch then cosine decay over 100 epochs.
max_epochs = 100
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-3, betas=(0.9, 0.999)),
                     clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type="LinearLR", start_factor=0.1, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type="CosineAnnealingLR", T_max=max_epochs - 1, eta_min=1e-6, by_epoch=True, begin=1, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
# no SegVisualizationHook: it draws segmentation masks (tools/test.py --show-dir does not apply here)
default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=20, log_metric_by_epoch=True),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", by_epoch=True, interval=5, max_keep_ckpts=2, save_last=True,
                    save_best="psnr", rule="greater"),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)
custom_hooks = [dict(type="CheckFiniteLossHook")]
log_processor = dict(by_epoch=True)
randomness = dict(seed=0)
