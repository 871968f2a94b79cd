# DeepSPV baseline (Yuan et al. 2025, Med Image Anal; arXiv 2411.11190): torchvision vgg16 regressing the
# volume from the mid-coronal mask, from scratch (weights=None), MSE on volume / 100 mL. For dual view set
# the datasets' views=("coronal", "transverse") and model.in_channels=2.
#   python tools/train.py configs/deepspv/vgg16-regressor_1xb16-200e_spleen-views-128-coronal.py
_base_ = ["mmseg::_base_/default_runtime.py", "../_base_/datasets/spleen_views.py",
           "../_base_/schedules/deepspv_adam-200e.py"]
custom_imports = dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)

model = dict(type="CNNVolumeModel", arch="vgg16", in_channels=1, volume_scale=100.0)
