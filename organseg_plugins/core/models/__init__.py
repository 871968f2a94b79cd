"""Pure-PyTorch networks of the papers (no framework): discriminators, the liver U-Net, DnCNN-SR, ARU-Net,
the DeepSPV RVAE and its volume-regression baselines,
ARU-Net's ultrasound baselines (U-Net++, Attention U-Net, SegNet)."""

from .aru_net import PRESETS as ARU_NET_PRESETS
from .aru_net import ARUNet, ARUNetDecoder, ARUNetEncoder, aru_net_options
from .constrained_unet import DEFAULT_OUT_STAGES, ConstrainedUNet
from .discriminators import PatchGANDiscriminator, ThreeConvDiscriminator
from .dncnn_sr import DnCNNSR, upsample
from .liver_unet import TABLE4_DROPOUT, LiverUNet
from .rvae import FUSIONS, RegressionVAE, RVAEOutput, rvae_loss_terms
from .us_baselines import AttentionUNet, SegNet, UNetPlusPlus
from .volume_regressors import CNN_ARCHS, CNNVolumeRegressor, LinearVolumeRegressor

__all__ = ["ARU_NET_PRESETS", "AttentionUNet", "ConstrainedUNet", "DEFAULT_OUT_STAGES", "ARUNet", "ARUNetDecoder", "ARUNetEncoder", "CNN_ARCHS", "CNNVolumeRegressor", "DnCNNSR",
           "FUSIONS", "LinearVolumeRegressor", "LiverUNet", "RVAEOutput", "RegressionVAE", "SegNet", "UNetPlusPlus", "rvae_loss_terms",
           "PatchGANDiscriminator", "TABLE4_DROPOUT", "ThreeConvDiscriminator", "aru_net_options", "upsample"]
