# Lian, Sun and Li 2025, Sci Rep: the "refined constraint" row of Table 1 (DSC 82.8 +- 5.3), Eq. 4-6: the auxiliary
# model (auxiliary_unet-d5_1xb8-dice-d1-40k_nih-pancreas-512x512.py, same bases, listed rather than inherited to
# keep the chains at two levels) + a second basic loss and discriminator D2 (identical to D1, own weights) on the
# fourth decoder stage, which has its own prediction head (auxiliary_head on backbone output 1 = stage 4, half
# resolution, ground truth nearest-resized). Eq. 4: w1 * Basic(Y1) + w2 * adv(D1) + w3 * Basic(Y2) + w4 * adv(D2),
# w = 1, 0.001, 0.1, 0.0002. Other judged stages: backbone out_stages=(5, s), auxiliary_head in_channels =
# 32 * 2**(5 - s). Options as in the auxiliary config (g_loss="minimax", MaskL1Loss, conditional D).
# Distributed: torchrun --nproc_per_node N tools/train.py <this config> --launcher pytorch.
_base_ = [
    "../_base_/models/constrained_unet_d5.py",
    "../_base_/datasets/nih_pancreas_ct.py",
    "mmseg::_base_/default_runtime.py",
    "../_base_/schedules/constrained_unet_adam-40k.py",
]
model = dict(
    _delete_=True,
    type="AdversarialSegmentor",
    generator=dict(
        _base_.model,  # the basic U-Net + the stage-4 head
        auxiliary_head=dict(
            type="ConstrainedUNetHead", in_channels=64, in_index=1, num_classes=2, out_channels=1, threshold=0.5,
            align_corners=False,
            loss_decode=dict(type="BCEDiceLoss", bce_weight=0.0, dice_weight=1.0, loss_weight=0.1,  # w3
                             loss_name="loss_dice"))),
    data_preprocessor={{_base_.model.data_preprocessor}},
    discriminators=dict(d1=dict(type="ThreeConvDiscriminator", in_channels=1),
                        d2=dict(type="ThreeConvDiscriminator", in_channels=1)),
    adversaries=[dict(name="d1", discriminator="d1", source="decode_head", resize_to="source", adv_weight=0.001),  # w2
                 dict(name="d2", discriminator="d2", source="auxiliary_head", resize_to="source",
                      adv_weight=0.0002)],  # w4
    supervised_loss=True,  # the two basic losses (w1 = 1 on the output, w3 on stage 4)
)
optim_wrapper = dict(
    _delete_=True,
    constructor="MultiModuleOptimWrapperConstructor",
    generator={{_base_.optim_wrapper}},
    discriminators=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.5, 0.999))),
)
val_evaluator = [dict(type="OrganSegMetric"), dict(type="CTVolumeMetric", method="refined")]
test_evaluator = val_evaluator
