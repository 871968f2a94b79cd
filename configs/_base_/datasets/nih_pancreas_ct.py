# NIH Pancreas-CT slices (Lian, Sun and Li 2025, Sci Rep, Table 1) in the mmseg layout written by
#   python datasets_prep/ct_volumes_to_mmseg.py --root raw/Pancreas-CT --out data/nih_pancreas/fold0 \
#       --assignment datasets_prep/splits/nih_pancreas_ct_4fold.json --fold 0 --organ-margin 5
# (HU window [-100, 240], 512x512 slices; the held-out fold is img_dir/val, used for val and test). meta.csv
# gives each slice its case, index and spacing, so CTVolumeMetric rebuilds the volumes and reports Table 1's
# per-volume metrics in mm; OrganSegMetric adds the pooled slice-level IoU/Dice. The paper states no
# augmentation: none here (our default).
custom_imports = dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)
# The HU window of the slices (the converter's default --window pancreas, recorded per slice in meta.csv as
# window_lo_hu/window_hi_hu): tools/infer.py windows DICOM/NIfTI inputs with it (--window overrides).
ct_window = (-100.0, 240.0)

dataset_type = "PancreasCTDataset"
data_root = "data/nih_pancreas/fold0"
crop_size = (512, 512)
meta_keys = ("img_path", "seg_map_path", "ori_shape", "img_shape", "pad_shape", "scale_factor", "flip",
             "flip_direction", "reduce_zero_label", "spacing_mm", "case_id", "slice_index", "num_slices",
             "spacing_z_mm", "spacing_row_mm", "spacing_col_mm", "origin", "direction", "storage_direction")

train_pipeline = [
    dict(type="LoadImageFromFile", color_type="grayscale"),
    dict(type="LoadBinaryAnnotations"),
    dict(type="Resize", scale=crop_size, keep_ratio=False),
    dict(type="PackSegInputs"),
]
test_pipeline = [
    dict(type="LoadImageFromFile", color_type="grayscale"),
    dict(type="Resize", scale=crop_size, keep_ratio=False),
    dict(type="LoadBinaryAnnotations"),  # after Resize: metrics see the original-size mask
    dict(type="PackSegInputs", meta_keys=meta_keys),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type="InfiniteSampler", shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, meta_file="meta.csv",
                 data_prefix=dict(img_path="img_dir/train", seg_map_path="ann_dir/train"), pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, meta_file="meta.csv",
                 data_prefix=dict(img_path="img_dir/val", seg_map_path="ann_dir/val"), pipeline=test_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = [dict(type="OrganSegMetric"), dict(type="CTVolumeMetric")]
test_evaluator = val_evaluator
