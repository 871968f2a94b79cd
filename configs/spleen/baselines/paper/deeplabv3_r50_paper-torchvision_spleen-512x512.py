# Spleen paper Table 2 "DeepLab-V3 (ResNet-50)" as printed (39.12 M params, 162.69 G FLOPs at 512x512):
# torchvision's deeplabv3_resnet50 without its auxiliary head -- ResNet-50 with the 7x7 stem (mmseg ``ResNet``,
# = torchvision's), dilated to output stride 8, and torchvision's DeepLabHead (256 channels, rates 12/24/36,
# 1x1 projection + 3x3 conv; TorchvisionASPPHead) -- instead of mmseg's ResNetV1c-D8 + 512-channel ASPPHead
# (65.74 M, 269.81 G).
_base_ = "../deeplabv3_r50-d8_4xb4-160k_spleen-512x512.py"
model = dict(
    backbone=dict(type="ResNet"),
    decode_head=dict(type="TorchvisionASPPHead", channels=256, dilations=(1, 12, 24, 36)),
)
