# SegFormer-B2 (MiT-B2 + all-MLP head; spleen paper Tables 2-3), spleen vs background, from scratch.
# Upstream: mmseg::segformer/segformer_mit-b2_8xb2-160k_ade20k-512x512.py (= the B0 config, wider/deeper MiT).
_base_ = "./segformer_mit-b0_8xb2-160k_spleen-512x512.py"
model = dict(
    backbone=dict(embed_dims=64, num_heads=[1, 2, 5, 8], num_layers=[3, 4, 6, 3]),
    decode_head=dict(in_channels=[64, 128, 320, 512]),
)
