# Training recipe of Liu et al. 2025, "Attention residual network for medical ultrasound image segmentation",
# Sci Rep 15:22155 ("Datasets") with the authors' code where the paper is silent: Adam lr 1e-4, betas (0.9, 0.999),
# no weight decay; 3-epoch warm-up, then cosine annealing to 1e-6; 150 epochs; batch 2 (the dataset base);
# fp16 mixed precision with tools/train.py --amp (CUDA); early stopping on the validation loss (patience 15,
# the paper's threshold 0.05 read as min-delta), keeping the checkpoint with the lowest validation loss.
max_epochs = 150
warmup_epochs = 3
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.999), weight_decay=0.0))
param_scheduler = [
    dict(type="LinearLR", start_factor=0.1, by_epoch=True, begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type="CosineAnnealingLR", eta_min=1e-6, by_epoch=True, begin=warmup_epochs, end=max_epochs,
         T_max=max_epochs - warmup_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=20, log_metric_by_epoch=True),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", by_epoch=True, interval=10, max_keep_ckpts=1, save_last=True,
                    save_best="val_loss", rule="less"),
    sampler_seed=dict(type="DistSamplerSeedHook"),
    visualization=dict(type="SegVisualizationHook"),
)
custom_hooks = [
    dict(type="CheckFiniteLossHook"),
    dict(type="EarlyStoppingHook", monitor="val_loss", rule="less", min_delta=0.05, patience=15),
]
