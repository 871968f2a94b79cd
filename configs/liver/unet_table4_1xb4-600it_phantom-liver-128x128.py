# Liver paper U-Net (Table 4) on the CT liver phantoms at 128x128 on the CPU schedule (demo, tests):
# binary cross-entropy, from scratch. Real data: configs/liver/unet_table4_1xb8-50e_liver-512x512.py.
_base_ = [
    "../_base_/models/liver_unet_table4.py",
    "../_base_/datasets/phantom_liver_ct.py",
    "mmseg::_base_/default_runtime.py",
    "../_base_/schedules/cpu_iters.py",
]
model = dict(data_preprocessor=dict(size=(128, 128)))
