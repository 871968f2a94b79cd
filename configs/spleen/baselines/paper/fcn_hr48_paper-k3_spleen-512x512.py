# Spleen paper Table 2 "HRNet-48" as printed (70.08 M params, 161.5 G FLOPs at 512x512): HRNetV2-W48 with an
# FCNHead whose single 720->720 convolution is 3x3 (mmseg FCNHead's default kernel_size) instead of the 1x1 of
# mmseg's fcn_hr*.py configs (65.85 M, 93.73 G). Otherwise the baseline config, unchanged.
_base_ = "../fcn_hr48_4xb4-160k_spleen-512x512.py"
model = dict(decode_head=dict(kernel_size=3))
