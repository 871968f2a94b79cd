# ARU-Net (Liu et al. 2025, "Attention residual network for medical ultrasound image segmentation", Sci Rep
# 15:22155) on BUSI, the paper's reading of the model (preset "paper"), loss and recipe. Reported (BUSI):
# mIoU 82.59, accuracy 97.53, F1 90.06 as two-class means over one pooled confusion matrix (OrganSegMetric's
# mIoU / aAcc / mDice). Train: python tools/train.py configs/aru_net/aru_net_1xb2-adam-cosine-150e_busi-512x512.py --amp
_base_ = [
    "../_base_/models/aru_net.py",
    "../_base_/datasets/busi.py",
    "../_base_/schedules/aru_net_adam-cosine-150e.py",
    "mmseg::_base_/default_runtime.py",
]
log_processor = dict(by_epoch=True)  # epoch-based recipe (default_runtime logs by iteration)
