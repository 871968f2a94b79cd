# Spleen views + volumes (datasets_prep/spleen_views.py layout: coronal/, transverse/, volumes.csv) for the
# DeepSPV volume models (Yuan et al. 2025, "DeepSPV: a deep learning pipeline for 3D spleen volume estimation
# from 2D ultrasound images", Med Image Anal): mid-coronal view only by default; the dual-view configs set
# `views` of the three datasets to ("coronal", "transverse"). Real data: the views of CT spleen labels, e.g.
#   python datasets_prep/spleen_views.py --labels Task09_Spleen/labelsTr --out data/spleen_views
dataset_type = "SpleenViewsDataset"
data_root = "data/spleen_views"
crop_size = 128  # view canvas (px); 128 px of 2 mm = a 256 mm field of view
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=True),
    collate_fn=dict(type="default_collate"),
    dataset=dict(type=dataset_type, data_root=data_root, split="train", views=("coronal",), size=crop_size,
                 flip_prob=0.5),
)
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="default_collate"),
    dataset=dict(type=dataset_type, data_root=data_root, split="val", views=("coronal",), size=crop_size,
                 test_mode=True),
)
test_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="default_collate"),
    dataset=dict(type=dataset_type, data_root=data_root, split="test", views=("coronal",), size=crop_size,
                 test_mode=True),
)
# MRVA, MAE and (RVAE) 95% interval coverage; per-case CSV + latent PCA figure in work_dir/<timestamp>/
val_evaluator = dict(type="VolumeMRVAMetric")
test_evaluator = val_evaluator
