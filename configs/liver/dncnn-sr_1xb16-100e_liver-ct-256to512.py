# Liver paper DnCNN-SR pre-processing (SPEC section 2) on real CT slices: 512x512 windowed PNG slices
# (datasets_prep/dicom_to_png.py -> data/liver_png/img_dir/{train,val,test}) are the targets, their
# 2x2 block means with Poisson noise (std 0.1 at intensity 1; the paper states no degradation model) the
# 256x256 inputs. Loss MSE + (1 - SSIM); PSNR/SSIM against the bicubic baseline every 5 epochs.
# The paper gives no optimiser or schedule: Adam 1e-3 with cosine decay over 100 epochs.
# Phantom/CPU variant: configs/liver/dncnn-sr_1xb8-300it_phantom-ct-64to128.py.
_base_ = ["./dncnn-sr_1xb8-300it_phantom-ct-64to128.py"]

data_root = "data/liver_png"
crop_size = 512
max_epochs = 100
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    sampler=dict(_delete_=True, type="DefaultSampler", shuffle=True),
    dataset=dict(data_root=data_root, crop_size=crop_size),
)
val_dataloader = dict(num_workers=4, dataset=dict(data_root=data_root))
test_dataloader = dict(num_workers=4, dataset=dict(data_root=data_root))

log_processor = dict(by_epoch=True)
param_scheduler = [
    dict(type="LinearLR", start_factor=0.1, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type="CosineAnnealingLR", T_max=max_epochs - 1, eta_min=1e-6, by_epoch=True, begin=1, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(_delete_=True, type="EpochBasedTrainLoop", max_epochs=max_epochs, val_interval=5)
default_hooks = dict(
    logger=dict(type="LoggerHook", interval=20, log_metric_by_epoch=True),
    checkpoint=dict(type="CheckpointHook", by_epoch=True, interval=5, max_keep_ckpts=2, save_last=True,
                    save_best="psnr", rule="greater"),
)
