# Spleen paper Table 3 "SegNeXt (mscan_b)" as printed (26.74 M params, 28.62 G FLOPs at 512x512): the MSCAN-B
# backbone on the MSCAN-T config with T's LightHam head width kept (channels = ham_channels = 256) -- only the
# backbone swapped -- instead of upstream B's 512-wide head (../segnext_mscan-b_1xb16-adamw-160k_spleen-512x512.py:
# 27.56 M, 31.89 G).
_base_ = "../segnext_mscan-t_1xb16-adamw-160k_spleen-512x512.py"
model = dict(
    backbone=dict(embed_dims=[64, 128, 320, 512], depths=[3, 3, 12, 3], drop_path_rate=0.1),
    decode_head=dict(in_channels=[128, 320, 512]),
)
