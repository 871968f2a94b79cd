# Baseline of Liu et al. 2025 (Table 2): U-Net, mmseg's UNet backbone (5 stages, 64 base channels, conv-BN-ReLU,
# InterpConv up-sampling as mmseg builds it) with the 1x1 classifier on its last (full-resolution) output;
# ARU-Net's BUSI data, loss and recipe.
_base_ = [
    "../../_base_/models/us_baselines.py",
    "../../_base_/datasets/busi.py",
    "../../_base_/schedules/aru_net_adam-cosine-150e.py",
    "mmseg::_base_/default_runtime.py",
]
model = dict(backbone=dict(_delete_=True, type="UNet", in_channels=3, base_channels=64, num_stages=5,
                           strides=(1, 1, 1, 1, 1), enc_num_convs=(2, 2, 2, 2, 2), dec_num_convs=(2, 2, 2, 2),
                           downsamples=(True, True, True, True), enc_dilations=(1, 1, 1, 1, 1),
                           dec_dilations=(1, 1, 1, 1), with_cp=False, conv_cfg=None,
                           norm_cfg=dict(type="BN", requires_grad=True), act_cfg=dict(type="ReLU"),
                           upsample_cfg=dict(type="InterpConv"), norm_eval=False),
             decode_head=dict(in_index=4))
log_processor = dict(by_epoch=True)
