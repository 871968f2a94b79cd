# Sattari et al. 2025, "Liver margin segmentation in abdominal CT images using U-Net and Detectron2:
# annotated dataset for deep learning models", Sci Rep: the U-Net of Table 4 on the liver CT slices
# (data/liver), 512x512x1, binary cross-entropy, from scratch. The paper states neither optimiser nor schedule ("optimization
# algorithms like stochastic gradient descent" only): Adam lr 1e-4, 50 epochs, batch 8 are this
# project's defaults; the best checkpoint by Mask IoU (IoU.liver) on val is kept for the Table 6 test.
_base_ = [
    "../_base_/models/liver_unet_table4.py",
    "../_base_/datasets/liver_ct.py",
    "mmseg::_base_/default_runtime.py",
]
max_epochs = 50
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.999), weight_decay=0.0))
param_scheduler = []  # constant learning rate
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=20, log_metric_by_epoch=True),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", by_epoch=True, interval=5, max_keep_ckpts=2, save_last=True,
                    save_best="IoU.liver", rule="greater"),
    sampler_seed=dict(type="DistSamplerSeedHook"),
    visualization=dict(type="SegVisualizationHook"),
)
custom_hooks = [dict(type="CheckFiniteLossHook")]
log_processor = dict(by_epoch=True)
