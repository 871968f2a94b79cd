# DeepSPV baseline, the clinical standard (Yuan et al. 2025, Med Image Anal; arXiv 2411.11190): linear regression
# of the volume on the spleen length x width (coronal maximum Feret diameter x coronal width),
# read from volumes.csv; v / 100 mL = a + b x, fitted by Adam on the MSE.
#   python tools/train.py configs/deepspv/linreg-length-width_1xb16-200e_spleen-views-128.py
_base_ = ["mmseg::_base_/default_runtime.py", "../_base_/datasets/spleen_views.py",
           "../_base_/schedules/deepspv_adam-200e.py"]
custom_imports = dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)

model = dict(type="LinearVolumeModel", feature="length_width", feature_scale=10000.0, volume_scale=100.0)
optim_wrapper = dict(optimizer=dict(lr=0.1))  # two parameters: a larger step (converges in a few hundred steps)
