# SegFormer-B1 (MiT-B1 + all-MLP head; spleen paper Tables 2-3), spleen vs background, from scratch.
# Upstream: mmseg::segformer/segformer_mit-b1_8xb2-160k_ade20k-512x512.py (= the B0 config, wider/deeper MiT).
_base_ = "./segformer_mit-b0_8xb2-160k_spleen-512x512.py"
model = dict(
    backbone=dict(embed_dims=64, num_heads=[1, 2, 5, 8], num_layers=[2, 2, 2, 2]),
    decode_head=dict(in_channels=[64, 128, 320, 512]),
)
