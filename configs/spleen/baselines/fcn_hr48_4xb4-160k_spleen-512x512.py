# FCN with an HRNetV2-W48 backbone (spleen paper Tables 2-3, "HRNet-48"), binary spleen vs background.
# Upstream: mmseg::hrnet/fcn_hr48_4xb4-160k_ade20k-512x512.py (= fcn_hr18 model + W48 widths), with the
# ADE20K data swapped for the spleen base, BN instead of SyncBN and no ImageNet weights (from scratch).
_base_ = [
    "mmseg::_base_/models/fcn_hr18.py",
    "../../_base_/datasets/spleen_us.py",
    "mmseg::_base_/default_runtime.py",
    "mmseg::_base_/schedules/schedule_160k.py",
]
norm_cfg = dict(type="BN", requires_grad=True)
model = dict(
    data_preprocessor=dict(size=(512, 512)),
    pretrained=None,
    backbone=dict(
        norm_cfg=norm_cfg,
        extra=dict(
            stage2=dict(num_channels=(48, 96)),
            stage3=dict(num_channels=(48, 96, 192)),
            stage4=dict(num_channels=(48, 96, 192, 384)))),
    decode_head=dict(in_channels=[48, 96, 192, 384], channels=sum([48, 96, 192, 384]), num_classes=2,
                     norm_cfg=norm_cfg),
)
train_dataloader = dict(batch_size=4)
