# The U-Net of Lian, Sun and Li 2025, "Extracting organs of interest from medical images based on convolutional
# neural network with auxiliary and refined constraints", Sci Rep (Fig. 1-2), as an mmseg EncoderDecoder: the
# basic segmentor (Table 1-2 row "basic"). The paper gives no widths, depth or norms; our reading: 5 decoder
# stages (the "five deconvolutional layers"), base width 32, BatchNorm; the backbone returns decoder stages
# (5, 4): stage 5 = the output (decode_head, in_index=0), stage 4 = half resolution (the refined constraint's
# own head, auxiliary_head with in_index=1, in configs/ct_volume/refined_*). Basic loss: Dice on the sigmoid
# probability map (Eq. 1 as the text reads it); Eq. 1's L1 as written: loss_decode=dict(type="MaskL1Loss").
# Grayscale input (one channel in [0, 1]); from scratch (no pretrained weights exist); load_from to fine-tune.
data_preprocessor = dict(
    type="SegDataPreProcessor",
    mean=[0.0],
    std=[255.0],
    bgr_to_rgb=False,
    pad_val=0,
    seg_pad_val=255,
    size=(512, 512),
    test_cfg=dict(size_divisor=32),  # five poolings: pad to a multiple of 2**5, cropped back
)
model = dict(
    type="EncoderDecoder",
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(type="ConstrainedUNetBackbone", in_channels=1, base_channels=32, num_stages=5, out_stages=(5, 4)),
    decode_head=dict(type="ConstrainedUNetHead", in_channels=32, in_index=0, num_classes=2, out_channels=1,
                     threshold=0.5, align_corners=False,
                     loss_decode=dict(type="BCEDiceLoss", bce_weight=0.0, dice_weight=1.0, loss_name="loss_dice")),
    train_cfg=dict(),
    test_cfg=dict(mode="whole"),
)
