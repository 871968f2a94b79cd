# Spleen paper Table 3 "SegNeXt (mscan_l)" as printed (45.11 M params, 49.49 G FLOPs at 512x512): the MSCAN-L
# backbone on the MSCAN-T config with T's LightHam head width kept (channels = ham_channels = 256) -- only the
# backbone swapped -- instead of upstream L's 1024-wide head (../segnext_mscan-l_1xb16-adamw-160k_spleen-512x512.py:
# 48.77 M, 64.34 G).
_base_ = "../segnext_mscan-t_1xb16-adamw-160k_spleen-512x512.py"
model = dict(
    backbone=dict(embed_dims=[64, 128, 320, 512], depths=[3, 5, 27, 3], drop_path_rate=0.3),
    decode_head=dict(in_channels=[128, 320, 512]),
)
