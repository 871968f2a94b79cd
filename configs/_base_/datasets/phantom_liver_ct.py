# CT liver phantoms (datasets_prep/make_phantoms.py -> data/phantom/liver_ct): mmseg layout img_dir/{split},
# ann_dir/{split} (0/1 masks) + meta.csv (spacing_mm, case_id, n_parts). Grayscale, 1 channel, 128x128.
# Metrics of the liver paper's Table 6: Mask IoU (IoU.liver), Boundary IoU (Cheng et al. 2021, band 2% of the
# diagonal), Trimap IoU, boundary F-measure (BOUNDARY_F), plus pixel F1 (Dice.liver).
custom_imports = dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)

dataset_type = "LiverCTDataset"
data_root = "data/phantom/liver_ct"
img_scale = (128, 128)
meta_keys = ("img_path", "seg_map_path", "ori_shape", "img_shape", "pad_shape", "scale_factor", "flip",
             "flip_direction", "reduce_zero_label", "spacing_mm")

# No flips: the liver sits on the image left in every axial CT slice.
train_pipeline = [
    dict(type="LoadImageFromFile", color_type="grayscale"),
    dict(type="LoadBinaryAnnotations"),
    dict(type="RandomResize", scale=img_scale, ratio_range=(0.9, 1.1), keep_ratio=True),
    dict(type="RandomCrop", crop_size=img_scale),
    dict(type="RandomRotate", prob=0.5, degree=10, pad_val=0, seg_pad_val=255),
    dict(type="PackSegInputs"),
]
test_pipeline = [
    dict(type="LoadImageFromFile", color_type="grayscale"),
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
val_evaluator = dict(type="OrganSegMetric", boundary_metrics=True)  # + per-image CSV: csv_file="..."
test_evaluator = val_evaluator
