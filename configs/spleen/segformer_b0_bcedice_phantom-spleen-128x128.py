# Phase 1 (configs/spleen/segformer_b0_bcedice_spleen-512x512.py) on the ultrasound phantoms
# (datasets_prep/make_phantoms.py -> data/phantom/spleen_us) at 128x128 on a short CPU schedule: the README
# demo's first step and the tests. Only data root, image size and schedule differ from the real config
# (tests/mm/test_configs.py checks it): SegFormer-B0 + BCE-Dice from scratch as there.
_base_ = ["./segformer_b0_bcedice_spleen-512x512.py"]

# --- data: phantoms, 128x128 ------------------------------------------------------------------------------
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
model = dict(data_preprocessor=dict(size=crop_size))
# tools/test.py --tta: the real config's test-time flips at the phantom size (its Resize steps re-scaled)
tta_pipeline = [
    dict(step, transforms=[[dict(t, scale=crop_size, keep_ratio=True) if t["type"] == "Resize" else t
                            for t in group] for group in step["transforms"]])
    if step["type"] == "TestTimeAug" else step
    for step in _base_.tta_pipeline
]

# --- schedule: 600 iterations of AdamW from scratch, warm-up then poly decay, seeded ----------------------
max_iters = 600
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type="AdamW", lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={"pos_block": dict(decay_mult=0.0), "norm": dict(decay_mult=0.0)}),
)
param_scheduler = [
    dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type="PolyLR", power=1.0, eta_min=0.0, by_epoch=False, begin=50, end=max_iters),
]
train_cfg = dict(_delete_=True, type="IterBasedTrainLoop", max_iters=max_iters, val_interval=200)
default_hooks = dict(
    logger=dict(interval=25, log_metric_by_epoch=False),
    checkpoint=dict(_delete_=True, type="CheckpointHook", by_epoch=False, interval=200, max_keep_ckpts=1,
                    save_last=True),
)
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)  # reproducible phantom runs (mmengine seeds python, numpy and torch)
