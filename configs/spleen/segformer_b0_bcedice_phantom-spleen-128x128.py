# Phase 1 on the ultrasound phantoms at 128x128 on a CPU schedule (README demo, tests):
# SegFormer-B0 + BCE-Dice from scratch. Real data: configs/spleen/segformer_b0_bcedice_spleen-512x512.py.
_base_ = [
    "../_base_/models/segformer_b0_bcedice.py",
    "../_base_/datasets/phantom_spleen_us.py",
    "mmseg::_base_/default_runtime.py",
    "../_base_/schedules/cpu_iters.py",
]
model = dict(data_preprocessor=dict(size=(128, 128)))
