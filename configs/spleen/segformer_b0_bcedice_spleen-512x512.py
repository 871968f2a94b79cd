# Phase 1 of Karimi et al. 2025, "Improving spleen segmentation in ultrasound images using a hybrid deep
# learning framework", Sci Rep: SegFormer-B0 trained with BCE + Dice (Eq. 1-3) on Spleenex-style data
# (datasets_prep/spleen_to_mmseg.py -> data/spleen), Table 1 optimisation, 512x512, from scratch.
_base_ = [
    "../_base_/models/segformer_b0_bcedice.py",
    "../_base_/datasets/spleen_us.py",
    "mmseg::_base_/default_runtime.py",
    "../_base_/schedules/spleen_table1_sgd-100e.py",
]
log_processor = dict(by_epoch=True)  # the Table 1 schedule counts epochs
