# Baseline of Liu et al. 2025 (Table 2):
# SegNet (Badrinarayanan et al. 2017), VGG16-BN encoder, from scratch, with ARU-Net's BUSI data, loss and recipe.
_base_ = [
    "../../_base_/models/us_baselines.py",
    "../../_base_/datasets/busi.py",
    "../../_base_/schedules/aru_net_adam-cosine-150e.py",
    "mmseg::_base_/default_runtime.py",
]
model = dict(backbone=dict(_delete_=True, type="SegNetBackbone",
                           in_channels=3, stages=((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))))
log_processor = dict(by_epoch=True)
