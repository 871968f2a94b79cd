# Phase 2 (configs/spleen/segformer_b0_pix2pix.py, Pix2Pix refinement) on the ultrasound phantoms at 128x128
# on a CPU schedule: the README demo's second step. Only data root, image size and schedule differ from the
# real config, plus a half-width discriminator; the data are phase 1's phantom data
# (segformer_b0_bcedice_phantom-spleen-128x128.py; tests/mm/test_configs.py checks both).
_base_ = ["./segformer_b0_pix2pix.py"]
load_from = "work_dirs/demo/phase1/iter_600.pth"  # the phantom phase-1 checkpoint -> generator

# --- data: phantoms, 128x128 (as in segformer_b0_bcedice_phantom-spleen-128x128.py) ------------------------
data_root = "data/phantom/spleen_us"
crop_size = (128, 128)
# A light augmentation for the small images instead of Table 1's: no mosaic (the MultiImageMixDataset wrapper
# is dropped, train reads the plain dataset), no translate/scale or HSV jitter; rescale + crop, flip, jitter.
train_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="LoadBinaryAnnotations"),
    dict(type="RandomResize", scale=crop_size, ratio_range=(0.9, 1.1), keep_ratio=True),
    dict(type="RandomCrop", crop_size=crop_size),
    dict(type="RandomFlip", prob=0.5),
    dict(type="PhotoMetricDistortion"),
    dict(type="PackSegInputs"),
]
test_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=crop_size, keep_ratio=True),  # square phantoms: same as keep_ratio=False
    dict(type="LoadBinaryAnnotations"),
    dict(type="PackSegInputs", meta_keys=_base_.meta_keys),
]
train_dataloader = dict(
    sampler=dict(type="InfiniteSampler"),  # iteration-based schedule below
    dataset=dict(_delete_=True, type="SpleenUSDataset", data_root=data_root, meta_file="meta.csv",
                 data_prefix=dict(img_path="img_dir/train", seg_map_path="ann_dir/train"),
                 pipeline=train_pipeline),
)
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(data_root=data_root, pipeline=test_pipeline))
# tools/test.py --tta: the real config's test-time flips at the phantom size (its Resize steps re-scaled)
tta_pipeline = [
    dict(step, transforms=[[dict(t, scale=crop_size, keep_ratio=True) if t["type"] == "Resize" else t
                            for t in group] for group in step["transforms"]])
    if step["type"] == "TestTimeAug" else step
    for step in _base_.tta_pipeline
]
model = dict(
    data_preprocessor=dict(size=crop_size),
    generator=dict(data_preprocessor=dict(size=crop_size)),
    # half-width PatchGAN (C32-C64-C128-C256) to keep the CPU demo short; the real config uses C64
    discriminators=dict(patchgan=dict(base_channels=32)),
)

# --- schedule: 150 iterations, constant learning rates; the generator fine-tunes with AdamW ---------------
max_iters = 150
optim_wrapper = dict(
    generator=dict(_delete_=True, type="OptimWrapper",
                   optimizer=dict(type="AdamW", lr=1e-4, betas=(0.5, 0.999), weight_decay=0.01)),
)
param_scheduler = []
train_cfg = dict(_delete_=True, type="IterBasedTrainLoop", max_iters=max_iters, val_interval=75)
default_hooks = dict(
    logger=dict(interval=25, log_metric_by_epoch=False),
    checkpoint=dict(_delete_=True, type="CheckpointHook", by_epoch=False, interval=75, max_keep_ckpts=1,
                    save_last=True),
)
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)  # reproducible phantom runs (mmengine seeds python, numpy and torch)
