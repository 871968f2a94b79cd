# Spleen ultrasound: the Spleenex data of Karimi et al. 2025, "Improving spleen segmentation in ultrasound
# images using a hybrid deep learning framework", Sci Rep (the spleen paper), in the layout written by
# datasets_prep/spleen_to_mmseg.py: data/spleen/img_dir/{train,val,test}, ann_dir/{...} (0/1 PNG masks)
# and meta.csv (filename, split, patient_id, spacing_mm, length_mm, height, width).
# Every image is resized (aspect ratio NOT kept) to 512x512, the paper's input size; the metric compares
# predictions resized back to the original size with the original mask and reads spacing_mm/length_mm
# from the sample metainfo (MPLE, Eq. 8; distances in mm). Other folds (e.g. data/spleen_fold1): a child
# config must set the dataloaders' dataset data_root, not only the top-level data_root (README "Your own data").
custom_imports = dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)

dataset_type = "SpleenUSDataset"
data_root = "data/spleen"
crop_size = (512, 512)
meta_keys = ("img_path", "seg_map_path", "ori_shape", "img_shape", "pad_shape", "scale_factor", "flip",
             "flip_direction", "reduce_zero_label", "spacing_mm", "length_mm")

# The spleen paper's Table 1 augmentation (Ultralytics hyper-parameter names): 4-image mosaic with
# p=0.856 (mmseg's RandomMosaic inside MultiImageMixDataset), translate 0.11 and scale 0.494
# (RandomTranslateScale), HSV jitter h 0.0179 / s 0.9 / v 0.317 (HSVRandomAug), horizontal flip p=0.34.
load_pipeline = [dict(type="LoadImageFromFile"), dict(type="LoadBinaryAnnotations")]
train_pipeline = [
    dict(type="RandomMosaic", prob=0.856, img_scale=crop_size, seg_pad_val=255),
    dict(type="Resize", scale=crop_size, keep_ratio=False),
    dict(type="RandomTranslateScale", translate=0.11, scale=0.494, seg_pad_val=255),
    dict(type="HSVRandomAug", hgain=0.0179, sgain=0.9, vgain=0.317),
    dict(type="RandomFlip", prob=0.34, direction="horizontal"),
    dict(type="PackSegInputs"),
]
test_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=crop_size, keep_ratio=False),
    # annotations after Resize: the metric sees the original-size mask and the prediction resized back
    dict(type="LoadBinaryAnnotations"),
    dict(type="PackSegInputs", meta_keys=meta_keys),
]
# tools/test.py --tta: each test image as is and horizontally flipped (the flip of training); the class
# probabilities are averaged after un-flipping by OrganSegTTAModel (tools/test.py uses it in place of
# default_runtime's tta_model SegTTAModel: correct for the one-channel sigmoid heads and the Pix2Pix
# AdversarialSegmentor, keeps spacing_mm/length_mm for the metric).
tta_pipeline = [
    dict(type="LoadImageFromFile"),
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
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=True),  # the Table 1 schedule is epoch-based
    dataset=dict(
        type="MultiImageMixDataset",
        dataset=dict(type=dataset_type, data_root=data_root, meta_file="meta.csv",
                     data_prefix=dict(img_path="img_dir/train", seg_map_path="ann_dir/train"),
                     pipeline=load_pipeline),
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
# per class (background, spleen) precision/recall/IoU/Dice, their means, Cohen's kappa, MPLE (length_mm)
val_evaluator = dict(type="OrganSegMetric")
test_evaluator = val_evaluator
