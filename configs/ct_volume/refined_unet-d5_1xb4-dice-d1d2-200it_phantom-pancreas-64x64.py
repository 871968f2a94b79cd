# The refined configuration (refined_unet-d5_1xb8-dice-d1d2-40k_nih-pancreas-512x512.py) on the CT volume phantoms
# (python datasets_prep/make_ct_volume_phantoms.py --out data/phantom/ct_volumes) at 64x64 on a short CPU schedule.
# Only data root, image size and schedule differ from the real config.
_base_ = ["./refined_unet-d5_1xb8-dice-d1d2-40k_nih-pancreas-512x512.py"]

# --- data: phantoms, 64x64 --------------------------------------------------------------------------------
data_root = "data/phantom/ct_volumes/nih_pancreas"
crop_size = (64, 64)
train_pipeline = [dict(t, scale=crop_size) if t["type"] == "Resize" else t for t in _base_.train_pipeline]
test_pipeline = [dict(t, scale=crop_size) if t["type"] == "Resize" else t for t in _base_.test_pipeline]
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
model = dict(data_preprocessor=dict(size=crop_size), generator=dict(data_preprocessor=dict(size=crop_size)))

# --- schedule: 200 iterations, validation (per-volume metrics) every 100 ----------------------------------
max_iters = 200
train_cfg = dict(max_iters=max_iters, val_interval=100)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=100, max_keep_ckpts=1))
randomness = dict(seed=0)
