# Spleen paper Table 2 "DeepLab-V3 (ResNet-101)" as printed (58.16 M params, 240.48 G FLOPs at 512x512):
# torchvision's deeplabv3_resnet101 without its auxiliary head (as the R50 paper variant, depth 101) instead of
# mmseg's ResNetV1c-101-D8 + 512-channel ASPPHead (../deeplabv3_r101-d8_4xb4-160k_spleen-512x512.py: 84.73 M,
# 347.61 G).
_base_ = "../deeplabv3_r50-d8_4xb4-160k_spleen-512x512.py"
model = dict(
    backbone=dict(type="ResNet", depth=101),
    decode_head=dict(type="TorchvisionASPPHead", channels=256, dilations=(1, 12, 24, 36)),
)
