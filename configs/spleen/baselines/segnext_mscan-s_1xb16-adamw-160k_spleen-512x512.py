# SegNeXt with an MSCAN-S backbone (spleen paper Tables 2-3), spleen vs background, from scratch.
# Upstream: mmseg::segnext/segnext_mscan-s_1xb16-adamw-160k_ade20k-512x512.py (= the T config + these changes).
_base_ = "./segnext_mscan-t_1xb16-adamw-160k_spleen-512x512.py"
model = dict(
    backbone=dict(embed_dims=[64, 128, 320, 512], depths=[2, 2, 4, 2]),
    decode_head=dict(in_channels=[128, 320, 512], channels=256, ham_channels=256, ham_kwargs=dict(MD_R=16)),
)
