# DeepLabV3 (ASPP head, dilated ResNet-50-D8 V1c backbone; spleen paper Tables 2-3), spleen vs background.
# Upstream: mmseg::deeplabv3/deeplabv3_r50-d8_4xb4-160k_ade20k-512x512.py, with the ADE20K data swapped for
# the spleen base, BN instead of SyncBN and no ImageNet weights (from scratch).
_base_ = [
    "mmseg::_base_/models/deeplabv3_r50-d8.py",
    "../../_base_/datasets/spleen_us.py",
    "mmseg::_base_/default_runtime.py",
    "mmseg::_base_/schedules/schedule_160k.py",
]
norm_cfg = dict(type="BN", requires_grad=True)
model = dict(
    data_preprocessor=dict(size=(512, 512)),
    pretrained=None,
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=2, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes=2, norm_cfg=norm_cfg),
)
train_dataloader = dict(batch_size=4)
