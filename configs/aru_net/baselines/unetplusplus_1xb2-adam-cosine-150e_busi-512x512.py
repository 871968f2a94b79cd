# Baseline of Liu et al. 2025 (Table 2):
# U-Net++ (Zhou et al. 2018), from scratch, with ARU-Net's BUSI data, loss and recipe.
_base_ = [
    "../../_base_/models/us_baselines.py",
    "../../_base_/datasets/busi.py",
    "../../_base_/schedules/aru_net_adam-cosine-150e.py",
    "mmseg::_base_/default_runtime.py",
]
model = dict(backbone=dict(_delete_=True, type="UNetPlusPlusBackbone",
                           in_channels=3, widths=(64, 128, 256, 512, 1024)))
log_processor = dict(by_epoch=True)
