# The liver U-Net (configs/liver/unet_table4_1xb8-50e_liver-512x512.py, Table 4) on the CT liver phantoms
# (datasets_prep/make_phantoms.py -> data/phantom/liver_ct) at 128x128 on a short CPU schedule (demo, tests).
# Only data root, image size and schedule differ from the real config (tests/mm/test_configs.py checks it):
# binary cross-entropy, from scratch as there.
_base_ = ["./unet_table4_1xb8-50e_liver-512x512.py"]

# --- data: phantoms, 128x128 ------------------------------------------------------------------------------
data_root = "data/phantom/liver_ct"
ct_window = (-160.0, 240.0)  # the phantoms' window (level 40 / width 400, organseg_plugins.core.phantoms.organ_slices)
crop_size = (128, 128)
# The real augmentation (rescale 0.9-1.1, crop, rotation, no flips) at 128x128; the resizes keep the aspect
# ratio, which for the square phantoms is the same as the real config's keep_ratio=False.
train_pipeline = [
    dict(type="LoadImageFromFile", color_type="grayscale"),
    dict(type="LoadBinaryAnnotations"),
    dict(type="RandomResize", scale=crop_size, ratio_range=(0.9, 1.1), keep_ratio=True),
    dict(type="RandomCrop", crop_size=crop_size),
    dict(type="RandomRotate", prob=0.5, degree=10, pad_val=0, seg_pad_val=255),
    dict(type="PackSegInputs"),
]
test_pipeline = [
    dict(type="LoadImageFromFile", color_type="grayscale"),
    dict(type="Resize", scale=crop_size, keep_ratio=True),
    dict(type="LoadBinaryAnnotations"),
    dict(type="PackSegInputs", meta_keys=_base_.meta_keys),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    sampler=dict(type="InfiniteSampler"),  # iteration-based schedule below
    dataset=dict(data_root=data_root, pipeline=train_pipeline),
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
