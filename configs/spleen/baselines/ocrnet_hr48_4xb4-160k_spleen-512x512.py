# OCRNet with an HRNetV2-W48 backbone (spleen paper Tables 2-3), binary spleen vs background.
# Upstream: mmseg::ocrnet/ocrnet_hr48_4xb4-160k_ade20k-512x512.py (= the W18 config + W48 widths).
_base_ = "./ocrnet_hr18_4xb4-160k_spleen-512x512.py"
widths = [48, 96, 192, 384]
model = dict(
    backbone=dict(
        extra=dict(
            stage2=dict(num_channels=(48, 96)),
            stage3=dict(num_channels=(48, 96, 192)),
            stage4=dict(num_channels=(48, 96, 192, 384)))),
    decode_head=[
        dict(_base_.model.decode_head[0], in_channels=widths, channels=sum(widths)),  # FCN stage
        dict(_base_.model.decode_head[1], in_channels=widths),  # OCR stage
    ],
)
