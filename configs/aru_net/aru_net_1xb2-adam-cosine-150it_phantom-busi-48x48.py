# ARU-Net (configs/aru_net/aru_net_1xb2-adam-cosine-150e_busi-512x512.py) on the BUSI-like lesion phantoms at
# 48x48 on a short CPU schedule (demo, tests). Only data root, image size and schedule differ from the real
# config (tests/mm/test_configs.py checks it): the same model, loss, augmentation, Adam 1e-4 and cosine decay.
#   python datasets_prep/make_lesion_phantoms.py --out data/phantom/us_raw --benign 40 --malignant 20 --normal 5
#   python datasets_prep/us_lesions_to_mmseg.py busi --root data/phantom/us_raw/busi --out data/phantom/busi
#   python tools/train.py configs/aru_net/aru_net_1xb2-adam-cosine-150it_phantom-busi-48x48.py
_base_ = ["./aru_net_1xb2-adam-cosine-150e_busi-512x512.py"]

# --- data: phantoms, 48x48 ------------------------------------------------------------------------------------
data_root = "data/phantom/busi"
crop_size = (48, 48)
train_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="LoadBinaryAnnotations"),
    dict(type="Resize", scale=crop_size, keep_ratio=False),
    dict(type="RandomFlip", prob=0.5, direction="horizontal"),
    dict(type="RandomRotate", prob=0.5, degree=10, pad_val=0, seg_pad_val=0),
    dict(type="RandomApply", prob=0.5, transforms=[
        dict(type="RandomResize", scale=crop_size, ratio_range=(1.25, 1.25), keep_ratio=True),
        dict(type="RandomCrop", crop_size=crop_size),
    ]),
    dict(type="PackSegInputs"),
]
test_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=crop_size, keep_ratio=False),
    dict(type="LoadBinaryAnnotations"),
    dict(type="PackSegInputs"),
]
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type="InfiniteSampler", shuffle=True),  # iteration-based schedule below
    dataset=dict(data_root=data_root, pipeline=train_pipeline),
)
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(num_workers=0, persistent_workers=False,
                       dataset=dict(data_root=data_root, pipeline=test_pipeline))
model = dict(data_preprocessor=dict(size=crop_size))

# --- schedule: 150 iterations, 10 of warm-up then cosine to 1e-6, seeded ----------------------------------------
max_iters = 150
param_scheduler = [
    dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type="CosineAnnealingLR", eta_min=1e-6, by_epoch=False, begin=10, end=max_iters, T_max=max_iters - 10),
]
train_cfg = dict(_delete_=True, type="IterBasedTrainLoop", max_iters=max_iters, val_interval=50)
default_hooks = dict(
    logger=dict(interval=10, log_metric_by_epoch=False),
    checkpoint=dict(_delete_=True, type="CheckpointHook", by_epoch=False, interval=50, max_keep_ckpts=1,
                    save_last=True, save_best="val_loss", rule="less"),
)
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
