# Phase 2 of Karimi et al. 2025, "Improving spleen segmentation in ultrasound images using a hybrid deep
# learning framework", Sci Rep (Eq. 4-7): the phase-1 SegFormer-B0 becomes the generator of a Pix2Pix cGAN
# with a conditional PatchGAN discriminator on concat(image, mask); G loss = cGAN + 100 * L1; at test time
# only the generator runs, then the paper's post-processing (switch off: postprocessor=None).
#   python tools/train.py configs/spleen/segformer_b0_bcedice_spleen-512x512.py      # phase 1 first
#   python tools/train.py configs/spleen/segformer_b0_pix2pix.py
# Same bases as phase 1 (segformer_b0_bcedice_spleen-512x512.py), listed rather than inherited to keep the
# phantom config's chain at two levels; tests/mm/test_configs.py checks that the generator, data and
# schedule equal phase 1's.
_base_ = [
    "../_base_/models/segformer_b0_bcedice.py",
    "../_base_/datasets/spleen_us.py",
    "mmseg::_base_/default_runtime.py",
    "../_base_/schedules/spleen_table1_sgd-100e.py",
]
log_processor = dict(by_epoch=True)  # the Table 1 schedule counts epochs
load_from = "work_dirs/segformer_b0_bcedice_spleen-512x512/epoch_100.pth"  # phase-1 checkpoint -> generator
model = dict(
    _delete_=True,
    type="AdversarialSegmentor",
    generator={{_base_.model}},
    data_preprocessor={{_base_.model.data_preprocessor}},
    discriminators=dict(patchgan=dict(type="PatchGANDiscriminator", in_channels=3 + 1)),
    adversaries=[dict(name="pix2pix", discriminator="patchgan", source="decode_head", conditional=True,
                      resize_to="input", adv_weight=1.0, l1_weight=100.0)],  # lambda: Pix2Pix default
    supervised_loss=False,  # Eq. 6: cGAN + lambda * L1 only
    postprocessor=dict(type="OrganMaskPostProcessor", largest_component=True, fill_holes=True, opening_radius=1),
)
optim_wrapper = dict(
    _delete_=True,
    constructor="MultiModuleOptimWrapperConstructor",
    generator={{_base_.optim_wrapper}},  # Table 1 SGD
    discriminators=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999))),
)
param_scheduler = dict(_delete_=True, generator={{_base_.param_scheduler}}, discriminators=[])
# Distributed: torchrun ... tools/train.py <this config> --launcher pytorch (AdversarialDistributedWrapper).
