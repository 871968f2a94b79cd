# DeepLabV3 with a dilated ResNet-101-D8 V1c backbone (spleen paper Tables 2-3), spleen vs background.
# Upstream: mmseg::deeplabv3/deeplabv3_r101-d8_4xb4-160k_ade20k-512x512.py (= the R50 config, depth 101).
_base_ = "./deeplabv3_r50-d8_4xb4-160k_spleen-512x512.py"
model = dict(pretrained=None, backbone=dict(depth=101))
