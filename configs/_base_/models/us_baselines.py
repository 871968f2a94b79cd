# The baselines of Liu et al. 2025, "Attention residual network for medical ultrasound image segmentation"
# (Sci Rep 15:22155, Table 2) on ARU-Net's data and recipe: the same EncoderDecoder, preprocessing and loss as
# configs/_base_/models/aru_net.py; a baseline config replaces `backbone` (UNetPlusPlusBackbone,
# AttentionUNetBackbone, SegNetBackbone, or mmseg's UNet) and keeps this head: mmseg's FCNHead with no convs,
# i.e. only the 1x1 classifier conv_seg on the backbone's full-resolution 64-channel map.
baseline_head = dict(type="FCNHead", in_channels=64, channels=64, num_convs=0, concat_input=False, in_index=0,
                     num_classes=2, dropout_ratio=0.0, align_corners=False,
                     loss_decode=dict(type="CEDiceLoss", ce_weight=1.0, dice_weight=1.0, loss_name="loss_ce_dice"))
model = dict(
    type="EncoderDecoder",
    data_preprocessor=dict(type="SegDataPreProcessor", mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0],
                           bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size=(512, 512),
                           test_cfg=dict(size_divisor=32)),
    pretrained=None,
    backbone=dict(type="UNetPlusPlusBackbone", in_channels=3, widths=(64, 128, 256, 512, 1024)),
    decode_head=baseline_head,
    train_cfg=dict(),
    test_cfg=dict(mode="whole"),
)
