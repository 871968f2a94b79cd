# UNet (5 stages, output stride 16 of the encoder) with an FCN head (spleen paper Tables 2-3, "UNet").
# Upstream: mmseg::unet/unet-s5-d16_fcn_4xb4-160k_cityscapes-512x1024.py, with the Cityscapes data swapped
# for the spleen base, BN instead of SyncBN; whole-image inference (512 is divisible by 16).
_base_ = [
    "mmseg::_base_/models/fcn_unet_s5-d16.py",
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
    test_cfg=dict(mode="whole"),
)
train_dataloader = dict(batch_size=4)
