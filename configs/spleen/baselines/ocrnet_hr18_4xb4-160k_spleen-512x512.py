# OCRNet with an HRNetV2-W18 backbone (spleen paper Tables 2-3), binary spleen vs background.
# Upstream: mmseg::ocrnet/ocrnet_hr18_4xb4-160k_ade20k-512x512.py, with the ADE20K data swapped for the
# spleen base, BN instead of SyncBN and no ImageNet weights (from scratch).
_base_ = [
    "mmseg::_base_/models/ocrnet_hr18.py",
    "../../_base_/datasets/spleen_us.py",
    "mmseg::_base_/default_runtime.py",
    "mmseg::_base_/schedules/schedule_160k.py",
]
norm_cfg = dict(type="BN", requires_grad=True)
model = dict(
    data_preprocessor=dict(size=(512, 512)),
    pretrained=None,
    backbone=dict(norm_cfg=norm_cfg),
    # the cascade's two heads (FCN auxiliary stage, then OCR), as upstream, for 2 classes with BN
    decode_head=[dict(head, num_classes=2, norm_cfg=norm_cfg) for head in _base_.model.decode_head],
)
train_dataloader = dict(batch_size=4)
