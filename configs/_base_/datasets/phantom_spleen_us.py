# Ultrasound spleen phantoms (datasets_prep/make_phantoms.py): mmseg layout + meta.csv (spacing, length).
custom_imports = dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)

dataset_type = "SpleenUSDataset"
data_root = "data/phantom/spleen_us"
img_scale = (128, 128)
meta_keys = ("img_path", "seg_map_path", "ori_shape", "img_shape", "pad_shape", "scale_factor", "flip",
             "flip_direction", "reduce_zero_label", "spacing_mm", "length_mm")

train_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="LoadBinaryAnnotations"),
    dict(type="RandomResize", scale=img_scale, ratio_range=(0.9, 1.1), keep_ratio=True),
    dict(type="RandomCrop", crop_size=img_scale),
    dict(type="RandomFlip", prob=0.5),
    dict(type="PhotoMetricDistortion"),
    dict(type="PackSegInputs"),
]
test_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=img_scale, keep_ratio=True),
    # annotations after Resize: metrics compare predictions resized back to the original size
    dict(type="LoadBinaryAnnotations"),
    dict(type="PackSegInputs", meta_keys=meta_keys),
]

train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="InfiniteSampler", shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, meta_file="meta.csv",
                 data_prefix=dict(img_path="img_dir/train", seg_map_path="ann_dir/train"),
                 pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, meta_file="meta.csv",
                 data_prefix=dict(img_path="img_dir/val", seg_map_path="ann_dir/val"),
                 pipeline=test_pipeline),
)
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, meta_file="meta.csv",
                 data_prefix=dict(img_path="img_dir/test", seg_map_path="ann_dir/test"),
                 pipeline=test_pipeline),
)
val_evaluator = dict(type="OrganSegMetric")  # per-class P/R/IoU/Dice, kappa, MPLE (length_mm in meta)
test_evaluator = val_evaluator
