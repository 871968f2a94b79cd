# DnCNN-SR (configs/liver/dncnn-sr_1xb16-100e_liver-ct-256to512.py) on the CT phantoms
# (datasets_prep/make_phantoms.py -> data/phantom/liver_ct) on a short CPU schedule: 128x128 clean crops ->
# 64x64 inputs. Only data root, image size and schedule differ from the real config
# (tests/mm/test_configs.py checks it): same network, degradation, loss and metric.
#   python tools/train.py configs/liver/dncnn-sr_1xb8-300it_phantom-ct-64to128.py
#   python tools/test.py configs/liver/dncnn-sr_1xb8-300it_phantom-ct-64to128.py work_dirs/.../iter_300.pth
#   python tools/denoise.py CONFIG CHECKPOINT --input SLICES --output OUT
_base_ = ["./dncnn-sr_1xb16-100e_liver-ct-256to512.py"]

# --- data: phantoms, 128x128 training crops ---------------------------------------------------------------
data_root = "data/phantom/liver_ct"
crop_size = 128
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    sampler=dict(type="InfiniteSampler"),  # iteration-based schedule below
    dataset=dict(data_root=data_root, crop_size=crop_size),
)
val_dataloader = dict(num_workers=2, dataset=dict(data_root=data_root))
test_dataloader = dict(num_workers=2, dataset=dict(data_root=data_root))

# --- schedule: 300 iterations, short warm-up then cosine decay --------------------------------------------
max_iters = 300
param_scheduler = [
    dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type="CosineAnnealingLR", T_max=max_iters - 20, eta_min=1e-5, by_epoch=False, begin=20, end=max_iters),
]
train_cfg = dict(_delete_=True, type="IterBasedTrainLoop", max_iters=max_iters, val_interval=100)
default_hooks = dict(
    logger=dict(interval=10, log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=100, max_keep_ckpts=1),
)
log_processor = dict(by_epoch=False)
