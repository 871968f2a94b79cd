# Spleen paper Table 2 "SegFormer-B2" as printed (27.35 M params, 56.64 G FLOPs at 512x512): MiT-B2 with the
# original SegFormer release's all-MLP decoder width for B2-B5 (embed_dim=768, NVlabs/SegFormer) instead of
# mmseg's 256 (../segformer_mit-b2_8xb2-160k_spleen-512x512.py: 24.72 M, 21.35 G). That baseline's backbone
# and head inputs are repeated here on the B0 config (inheritance depth limit, tests/mm/test_configs.py).
_base_ = "../segformer_mit-b0_8xb2-160k_spleen-512x512.py"
model = dict(
    backbone=dict(embed_dims=64, num_heads=[1, 2, 5, 8], num_layers=[3, 4, 6, 3]),
    decode_head=dict(in_channels=[64, 128, 320, 512], channels=768),
)
