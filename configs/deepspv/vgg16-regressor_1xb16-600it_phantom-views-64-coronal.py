# vgg16-regressor_1xb16-200e_spleen-views-128-coronal.py on the 3-D spleen phantoms' views (64 px of 4 mm) on a short CPU schedule; only data root, view size and
# schedule differ from the real config (tests/mm/test_configs.py checks it). Phantom views:
#   python datasets_prep/spleen_views.py --phantoms 400 --out data/phantom/spleen_views --size 64 --view-spacing 4
#   python tools/train.py configs/deepspv/vgg16-regressor_1xb16-600it_phantom-views-64-coronal.py
_base_ = ["./vgg16-regressor_1xb16-200e_spleen-views-128-coronal.py"]

data_root = "data/phantom/spleen_views"
crop_size = 64
train_dataloader = dict(sampler=dict(type="InfiniteSampler"), dataset=dict(data_root=data_root, size=crop_size))
val_dataloader = dict(dataset=dict(data_root=data_root, size=crop_size))
test_dataloader = dict(dataset=dict(data_root=data_root, size=crop_size))

max_iters = 600
param_scheduler = [dict(type="CosineAnnealingLR", T_max=max_iters, eta_min=1e-5, by_epoch=False, begin=0, end=max_iters)]
train_cfg = dict(_delete_=True, type="IterBasedTrainLoop", max_iters=max_iters, val_interval=max_iters // 4)
default_hooks = dict(logger=dict(interval=50, log_metric_by_epoch=False),
                     checkpoint=dict(by_epoch=False, interval=max_iters // 4, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
