# Schedule of the adversarial-constraint U-Net configs (configs/ct_volume/). The paper gives no optimiser,
# learning rate, iterations or batch size: Adam lr 1e-4 (constant), 40k iterations, batch 8, validation and
# a checkpoint every 4k iterations, the best kept by per-volume DSC, are this project's defaults.
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.999), weight_decay=0.0))
param_scheduler = []
max_iters = 40000
train_cfg = dict(type="IterBasedTrainLoop", max_iters=max_iters, val_interval=4000)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", by_epoch=False, interval=4000, max_keep_ckpts=2, save_last=True,
                    save_best="vol_DSC", rule="greater"),
    sampler_seed=dict(type="DistSamplerSeedHook"),
    visualization=dict(type="SegVisualizationHook"),
)
custom_hooks = [dict(type="CheckFiniteLossHook")]
