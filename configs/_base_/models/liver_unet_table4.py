# The U-Net of Sattari et al. 2025, "Liver margin segmentation in abdominal CT images using U-Net and
# Detectron2: annotated dataset for deep learning models", Sci Rep, Table 4, as an mmseg EncoderDecoder:
# LiverUNetBackbone = Table 4 up to the last 3x3 conv (16 x H x W), LiverUNetHead = the final 1x1 conv to one
# sigmoid logit (num_classes=2, out_channels=1, threshold 0.5). Loss: binary cross-entropy (BCEDiceLoss with
# dice_weight=0: BCE-with-logits averaged over the non-ignored pixels). Grayscale input: one channel scaled
# to [0, 1]. Dropout rates are not in the paper (defaults below, one per encoder level; the decoder reuses
# the rate of its level). From scratch; give load_from to fine-tune. Needs organseg_plugins.mm (the dataset
# bases set custom_imports).
data_preprocessor = dict(
    type="SegDataPreProcessor",
    mean=[0.0],  # one channel: LoadImageFromFile(color_type="grayscale") gives H x W, packed as 1 x H x W
    std=[255.0],
    bgr_to_rgb=False,
    pad_val=0,
    seg_pad_val=255,
    size=(512, 512),  # training batches padded to the crop size
    test_cfg=dict(size_divisor=16),  # whole-image test: pad to a multiple of 2**4 (four poolings), cropped back
)
model = dict(
    type="EncoderDecoder",
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(type="LiverUNetBackbone", in_channels=1, base_channels=16, num_levels=5,
                  dropout=[0.1, 0.1, 0.2, 0.2, 0.3], init="he_normal"),
    decode_head=dict(type="LiverUNetHead", in_channels=16, channels=16, num_classes=2, out_channels=1,
                     threshold=0.5, dropout_ratio=0.0, align_corners=False,
                     loss_decode=dict(type="BCEDiceLoss", bce_weight=1.0, dice_weight=0.0, loss_name="loss_bce")),
    train_cfg=dict(),
    test_cfg=dict(mode="whole"),
)
