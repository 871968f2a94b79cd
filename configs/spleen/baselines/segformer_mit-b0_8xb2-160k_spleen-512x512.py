# SegFormer-B0 (MiT-B0 + all-MLP head; the spleen paper's phase-1 model and Tables 2-3 baseline), trained
# with the upstream recipe on spleen vs background. Upstream: mmseg::segformer/
# segformer_mit-b0_8xb2-160k_ade20k-512x512.py, with the ADE20K data swapped for the spleen base, BN instead of
# SyncBN in the head and no ImageNet-pretrained MiT (from scratch; give load_from=... for a local checkpoint).
_base_ = [
    "mmseg::_base_/models/segformer_mit-b0.py",
    "../../_base_/datasets/spleen_us.py",
    "mmseg::_base_/default_runtime.py",
    "mmseg::_base_/schedules/schedule_160k.py",
]
norm_cfg = dict(type="BN", requires_grad=True)
model = dict(
    data_preprocessor=dict(size=(512, 512)),
    pretrained=None,
    backbone=dict(init_cfg=None),
    decode_head=dict(num_classes=2, norm_cfg=norm_cfg),
)
# optimizer and schedule of the upstream config
optim_wrapper = dict(
    _delete_=True,
    type="OptimWrapper",
    optimizer=dict(type="AdamW", lr=0.00006, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(
        custom_keys={"pos_block": dict(decay_mult=0.0), "norm": dict(decay_mult=0.0), "head": dict(lr_mult=10.0)}),
)
param_scheduler = [
    dict(type="LinearLR", start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type="PolyLR", eta_min=0.0, power=1.0, begin=1500, end=160000, by_epoch=False),
]
train_dataloader = dict(batch_size=2)
