# Table 1 of Karimi et al. 2025, "Improving spleen segmentation in ultrasound images using a hybrid deep
# learning framework", Sci Rep (Ultralytics naming): SGD lr0 0.00834, final lr = lr0 * lrf (lrf 0.08933),
# momentum 0.903, weight decay 0.00042, 3.21 warm-up epochs with momentum warm-up from 0.727; 100 epochs.
lr0, lrf, momentum, weight_decay = 0.00834, 0.08933, 0.903, 0.00042
warmup_epochs, warmup_momentum, max_epochs = 3.21, 0.727, 100
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="SGD", lr=lr0, momentum=momentum,
                                                         weight_decay=weight_decay, nesterov=True))
param_scheduler = [
    # linear warm-up of lr (from ~0) and of momentum (from 0.727), per iteration
    dict(type="LinearLR", start_factor=1e-3, by_epoch=True, begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type="LinearMomentum", start_factor=warmup_momentum / momentum, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    # then linear decay to lr0 * lrf at the last epoch (Ultralytics' default linear schedule)
    dict(type="LinearLR", start_factor=1.0, end_factor=lrf, by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=20, log_metric_by_epoch=True),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", by_epoch=True, interval=5, max_keep_ckpts=2, save_last=True,
                    save_best="mIoU", rule="greater"),
    sampler_seed=dict(type="DistSamplerSeedHook"),
    visualization=dict(type="SegVisualizationHook"),
)
custom_hooks = [dict(type="CheckFiniteLossHook")]
