# DeepSPV regression VAE (Yuan et al. 2025, "DeepSPV: a deep learning pipeline for 3D spleen volume estimation
# from 2D ultrasound images", Med Image Anal; arXiv 2411.11190), single view: the mid-coronal mask -> residual
# encoder -> mu, log-variance (latent 128) -> decoder (reconstruction) and regression head (volume); loss =
# BCE + 0.2 KL + weighted MSE on volume / 100 mL; 95% intervals from 1000 latent draws. Abstract: MRVA 86.62%
# single view on CT-derived masks. Two-encoder dual view: the -dual config with model.net.fusion=two_encoder.
#   python tools/train.py configs/deepspv/rvae_1xb16-200e_spleen-views-128-coronal.py
#   python tools/test.py configs/deepspv/rvae_1xb16-200e_spleen-views-128-coronal.py work_dirs/.../best_mrva_*.pth
# Phantom/CPU variant: configs/deepspv/rvae_1xb16-1000it_phantom-views-64-coronal.py.
_base_ = ["mmseg::_base_/default_runtime.py", "../_base_/datasets/spleen_views.py",
           "../_base_/schedules/deepspv_adam-200e.py"]
custom_imports = dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)

model = dict(
    type="RVAEVolumeModel",
    net=dict(in_channels=1, latent_dim=128, channels=(32, 64, 128, 256), fusion="stack", decoder_upsamples=4,
             regress_from="mu"),
    beta=0.2,  # KL weight (paper)
    volume_weight=100.0,  # volume MSE weight (on volume / volume_scale); the reconstruction is a pixel sum
    volume_scale=100.0,  # mL per network unit
    vae_only_iters=0,  # > 0: two-stage schedule (VAE only for that many iterations, then joint)
    num_samples=1000,  # latent draws per case for the 95% interval
    interval=(2.5, 97.5),
)
