# Lian, Sun and Li 2025, Sci Rep: the "auxiliary constraint" row of Table 1 (DSC 80.3 +- 6.4), Eq. 2-3: the basic
# U-Net (generator) + discriminator D1 (three convolutions 7x7, 5x5, 4x4, ThreeConvDiscriminator) judging the
# output's probability map against the ground truth, alone (unconditional). D and G alternate, the other frozen
# (AdversarialSegmentor). Weight of D1's generator term: 0.001 (w2 of Eq. 4; Eq. 2 writes it unweighted, i.e. 1).
# Options: the paper's minimax generator term log(1 - D(G)) with adversaries[0]["g_loss"] = "minimax" (default
# "non_saturating", -log D(G)); conditional D with conditional=True and in_channels=2.
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
    generator={{_base_.model}},
    data_preprocessor={{_base_.model.data_preprocessor}},
    discriminators=dict(d1=dict(type="ThreeConvDiscriminator", in_channels=1)),
    adversaries=[dict(name="d1", discriminator="d1", source="decode_head", resize_to="source", adv_weight=0.001)],
    supervised_loss=True,  # the basic loss (w1 = 1) on the generator
)
optim_wrapper = dict(
    _delete_=True,
    constructor="MultiModuleOptimWrapperConstructor",
    generator={{_base_.optim_wrapper}},
    discriminators=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.5, 0.999))),
)
val_evaluator = [dict(type="OrganSegMetric"), dict(type="CTVolumeMetric", method="auxiliary")]
test_evaluator = val_evaluator
