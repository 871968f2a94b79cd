# Schedule of the DeepSPV volume models: Adam 1e-3 (the blog summary's code; the paper's schedule is not
# verified here), 200 epochs with cosine decay, MRVA on the validation split every 10 epochs, best-MRVA
# checkpoint kept.
max_epochs = 200
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-3, betas=(0.9, 0.999)),
                     clip_grad=dict(max_norm=10.0))
param_scheduler = [
    dict(type="CosineAnnealingLR", T_max=max_epochs, eta_min=1e-5, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=20, log_metric_by_epoch=True),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", by_epoch=True, interval=10, max_keep_ckpts=2, save_last=True,
                    save_best="mrva", rule="greater"),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)
custom_hooks = [dict(type="CheckFiniteLossHook")]
