# SegFormer-B0 (upstream mmseg model) as the phase-1 model of Karimi et al. 2025, "Improving spleen
# segmentation in ultrasound images using a hybrid deep learning framework", Sci Rep: one sigmoid output
# channel trained with BCE + Dice (Eq. 1-3), intensities scaled to [0, 1], BatchNorm (the upstream SyncBN
# needs CUDA), no pretrained weights (give load_from to fine-tune).
# Needs organseg_plugins.mm (BCEDiceLoss): the dataset bases set custom_imports.
_base_ = ["mmseg::_base_/models/segformer_mit-b0.py"]
norm_cfg = dict(type="BN", requires_grad=True)
model = dict(
    data_preprocessor=dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0], size=(512, 512)),
    backbone=dict(init_cfg=None),
    decode_head=dict(num_classes=2, out_channels=1, threshold=0.5, norm_cfg=norm_cfg,
                     loss_decode=dict(_delete_=True, type="BCEDiceLoss", bce_weight=1.0, dice_weight=1.0)),
)
