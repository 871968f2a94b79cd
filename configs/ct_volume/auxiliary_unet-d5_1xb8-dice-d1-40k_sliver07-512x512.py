# Lian, Sun and Li 2025, Sci Rep: the "auxiliary" row of Table 2 (Sliver07 liver, DSC 93.4): auxiliary_unet-d5_1xb8-dice-d1-40k_nih-pancreas-512x512.py
# on the Sliver07 slices, liver window [-100, 200] HU (ours), one of the 4 folds of 5 (our assumption):
#   python datasets_prep/ct_volumes_to_mmseg.py --root raw/sliver07 --out data/sliver07/fold0 --window liver \
#       --category liver --assignment datasets_prep/splits/sliver07_4fold.json --fold 0 --organ-margin 5
_base_ = ["./auxiliary_unet-d5_1xb8-dice-d1-40k_nih-pancreas-512x512.py"]
ct_window = (-100.0, 200.0)  # the converter's --window liver (tools/infer.py windows CT inputs with it)
data_root = "data/sliver07/fold0"
train_dataloader = dict(dataset=dict(type="LiverCTDataset", data_root=data_root))
val_dataloader = dict(dataset=dict(type="LiverCTDataset", data_root=data_root))
test_dataloader = val_dataloader
