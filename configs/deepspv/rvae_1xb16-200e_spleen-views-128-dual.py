# DeepSPV regression VAE, dual view (Yuan et al. 2025, Med Image Anal; arXiv 2411.11190): mid-coronal and
# transverse masks stacked as two channels (fusion="stack"); fusion="two_encoder" gives each view its own
# encoder, the features concatenated before mu / log-variance. Abstract: MRVA 92.5% dual view on CT-derived
# masks. Otherwise as configs/deepspv/rvae_1xb16-200e_spleen-views-128-coronal.py.
#   python tools/train.py configs/deepspv/rvae_1xb16-200e_spleen-views-128-dual.py [--cfg-options model.net.fusion=two_encoder]
# Phantom/CPU variant: configs/deepspv/rvae_1xb16-1000it_phantom-views-64-dual.py.
_base_ = ["mmseg::_base_/default_runtime.py", "../_base_/datasets/spleen_views.py",
           "../_base_/schedules/deepspv_adam-200e.py"]
custom_imports = dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)

views = ("coronal", "transverse")
train_dataloader = dict(dataset=dict(views=views))
val_dataloader = dict(dataset=dict(views=views))
test_dataloader = dict(dataset=dict(views=views))
model = dict(
    type="RVAEVolumeModel",
    net=dict(in_channels=2, latent_dim=128, channels=(32, 64, 128, 256), fusion="stack", decoder_upsamples=4,
             regress_from="mu"),
    beta=0.2,  # KL weight (paper)
    volume_weight=100.0,  # volume MSE weight (on volume / volume_scale); the reconstruction is a pixel sum
    volume_scale=100.0,  # mL per network unit
    vae_only_iters=0,  # > 0: two-stage schedule (VAE only for that many iterations, then joint)
    num_samples=1000,  # latent draws per case for the 95% interval
    interval=(2.5, 97.5),
)
