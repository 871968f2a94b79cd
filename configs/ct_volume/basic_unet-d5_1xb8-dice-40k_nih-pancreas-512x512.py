# Lian, Sun and Li 2025, "Extracting organs of interest from medical images based on convolutional neural network
# with auxiliary and refined constraints", Sci Rep: the "basic" row of Table 1 (NIH Pancreas-CT, DSC 77.4 +- 7.6):
# the U-Net with the Dice basic loss (Eq. 1), no discriminator. One fold of the standard 4-fold cross-validation
# (datasets_prep/splits/nih_pancreas_ct_4fold.json; change data_root per fold).
#   python tools/train.py configs/ct_volume/basic_unet-d5_1xb8-dice-40k_nih-pancreas-512x512.py
_base_ = [
    "../_base_/models/constrained_unet_d5.py",
    "../_base_/datasets/nih_pancreas_ct.py",
    "mmseg::_base_/default_runtime.py",
    "../_base_/schedules/constrained_unet_adam-40k.py",
]
val_evaluator = [dict(type="OrganSegMetric"), dict(type="CTVolumeMetric", method="basic")]
test_evaluator = val_evaluator
