# ARU-Net of Liu et al. 2025, "Attention residual network for medical ultrasound image segmentation", Sci Rep
# 15:22155, as an mmseg EncoderDecoder: ARUNetBackbone = stem + four pool/residual stages + SpConvMixer bottleneck
# (64@512 ... 1024@32 for 3x512x512), ARUNetHead = the attention decoder (multi-conv self-attention after each
# up-sampling, channel attention at each fusion) + the 1x1 classifier to 2 softmax classes. preset="paper" fills
# the choices the paper leaves open with its reading; preset="code" builds the authors' released code (see
# organseg_plugins.core.models.aru_net). Loss: CE + Dice over the softmax, 1:1 (the paper's loss; Dice over both
# classes as the code). Input: RGB scaled to [0, 1] (the code's preprocess: image / 255). From scratch.
# custom_imports (organseg_plugins.mm) come with the dataset base.
data_preprocessor = dict(
    type="SegDataPreProcessor",
    mean=[0.0, 0.0, 0.0],
    std=[255.0, 255.0, 255.0],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=(512, 512),
    test_cfg=dict(size_divisor=16),  # four poolings: whole-image test padded to a multiple of 16
)
model = dict(
    type="EncoderDecoder",
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(type="ARUNetBackbone", in_channels=3, widths=(64, 128, 256, 512, 1024), preset="paper",
                  residual_encoder=True, spconvmixer=True),
    decode_head=dict(type="ARUNetHead", in_channels=(64, 128, 256, 512, 1024), channels=64, preset="paper",
                     channel_attention=True, self_attention=True, num_classes=2, dropout_ratio=0.0,
                     align_corners=False,
                     loss_decode=dict(type="CEDiceLoss", ce_weight=1.0, dice_weight=1.0, loss_name="loss_ce_dice")),
    train_cfg=dict(),
    test_cfg=dict(mode="whole"),
)
