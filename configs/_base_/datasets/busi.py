# BUSI breast ultrasound (Al-Dhabyani et al. 2020) as datasets_prep/us_lesions_to_mmseg.py busi writes it:
# data/busi/img_dir/{train,val,test}, ann_dir/... (0/1), meta.csv; benign + malignant, 7:1:2 stratified by class
# (Liu et al. 2025, "Attention residual network for medical ultrasound image segmentation", Sci Rep 15:22155).
# Augmentation of the paper: resize to 512x512, random horizontal flip, random rotation in [-10, 10] degrees,
# random crop of 80% of the size resized back to 512 (written as: resize by 1/0.8 = 1.25, crop 512, which is the
# same region as crop 0.8*512 then resize; probabilities are not given: 0.5 each). The metric sees predictions
# resized back to the original size (the authors' evaluation) and also the validation loss (SegLossMetric) for
# early stopping.
custom_imports = dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)
dataset_type = "BreastLesionUSDataset"
data_root = "data/busi"
crop_size = (512, 512)
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
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, meta_file="meta.csv", meta_keys=("class",),
                 data_prefix=dict(img_path="img_dir/train", seg_map_path="ann_dir/train"), pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, meta_file="meta.csv", meta_keys=("class",),
                 data_prefix=dict(img_path="img_dir/val", seg_map_path="ann_dir/val"), pipeline=test_pipeline),
)
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, meta_file="meta.csv", meta_keys=("class",),
                 data_prefix=dict(img_path="img_dir/test", seg_map_path="ann_dir/test"), pipeline=test_pipeline),
)
# OrganSegMetric: pooled confusion matrix over the set (the authors' two-class means: mIoU, mDice = F1, mPrecision,
# mRecall, aAcc) and per-image lesion scores (img_IoU.lesion ...); SegLossMetric: val_loss for early stopping.
val_evaluator = [dict(type="OrganSegMetric"), dict(type="SegLossMetric", loss=dict(type="CEDiceLoss"))]
test_evaluator = dict(type="OrganSegMetric")
