# ARU-Net on a thyroid set (the paper's "TUS", 627 images, whose identity is unclear): TN3K as written by
# datasets_prep/us_lesions_to_mmseg.py tn3k (DDTI / plain folders: the same layout, set data_root). Reported
# (TUS): mIoU 84.88, accuracy 96.09, F1 89.7 (the body text says 96.74 / 84.82).
_base_ = ["./aru_net_1xb2-adam-cosine-150e_busi-512x512.py"]
data_root = "data/tn3k"
dataset_type = "ThyroidNoduleUSDataset"
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, meta_keys=None))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, meta_keys=None))
test_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, meta_keys=None))
