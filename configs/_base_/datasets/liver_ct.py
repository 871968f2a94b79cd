# Liver CT slices of Sattari et al. 2025, "Liver margin segmentation in abdominal CT images using U-Net and
# Detectron2: annotated dataset for deep learning models", Sci Rep (the liver paper), in the mmseg layout
# written by datasets_prep/kitti_to_coco.py (CVAT KITTI 1.0 export) or datasets_prep/dicom_to_png.py
# (DICOM series):
# data/liver/img_dir/{train,val,test}/*.png (8-bit windowed grayscale slices), ann_dir/{...} (0/1 masks) and
# meta.csv (case-level splits; spacing_mm when the converter knows it, else distances stay in pixels).
# Every slice is resized (aspect ratio not kept) to 512x512x1, the paper's input. Metrics of Table 6:
# Mask IoU (IoU.liver), Trimap IoU, boundary F-measure, Boundary IoU, plus pixel F1 (Dice.liver).
custom_imports = dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)
# The HU window of the slices: datasets_prep/dicom_to_png.py's default, level 50 / width 400 (recorded per
# slice in meta.csv as window_level/window_width); tools/infer.py windows DICOM/NIfTI inputs with it
# (--window overrides). Data converted with another --level/--width/--preset needs this changed to match.
ct_window = (-150.0, 250.0)

dataset_type = "LiverCTDataset"
data_root = "data/liver"
crop_size = (512, 512)
meta_keys = ("img_path", "seg_map_path", "ori_shape", "img_shape", "pad_shape", "scale_factor", "flip",
             "flip_direction", "reduce_zero_label", "spacing_mm")

# The paper names rotation and scaling as U-Net augmentations without values; no flips (liver on the left).
train_pipeline = [
    dict(type="LoadImageFromFile", color_type="grayscale"),
    dict(type="LoadBinaryAnnotations"),
    dict(type="RandomResize", scale=crop_size, ratio_range=(0.9, 1.1), keep_ratio=False),
    dict(type="RandomCrop", crop_size=crop_size),
    dict(type="RandomRotate", prob=0.5, degree=10, pad_val=0, seg_pad_val=255),
    dict(type="PackSegInputs"),
]
test_pipeline = [
    dict(type="LoadImageFromFile", color_type="grayscale"),
    dict(type="Resize", scale=crop_size, keep_ratio=False),
    # annotations after Resize: the metric sees the original-size mask and the prediction resized back
    dict(type="LoadBinaryAnnotations"),
    dict(type="PackSegInputs", meta_keys=meta_keys),
]
# tools/test.py --tta: each slice as is and flipped, probabilities averaged after un-flipping by
# OrganSegTTAModel (tools/test.py uses it in place of default_runtime's SegTTAModel; correct for the
# one-channel sigmoid U-Net head). Training uses no flips (the liver sits on the image left), so the
# flipped view is out of distribution: compare with and without --tta.
tta_pipeline = [
    dict(type="LoadImageFromFile", color_type="grayscale"),
    dict(
        type="TestTimeAug",
        transforms=[
            [dict(type="Resize", scale=crop_size, keep_ratio=False)],
            [dict(type="RandomFlip", prob=0.0, direction="horizontal"),
             dict(type="RandomFlip", prob=1.0, direction="horizontal")],
            [dict(type="LoadBinaryAnnotations")],
            [dict(type="PackSegInputs", meta_keys=meta_keys)],
        ],
    ),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=True),  # epoch-based schedule
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
val_evaluator = dict(type="OrganSegMetric", boundary_metrics=True)
test_evaluator = val_evaluator
