# Phase 2 (Pix2Pix refinement) on the ultrasound phantoms, CPU schedule: the README demo's second step.
# Same mechanism and settings as configs/spleen/segformer_b0_pix2pix.py; generator = phase-1 phantom model.
_base_ = ["./segformer_b0_bcedice_phantom-spleen-128x128.py"]
load_from = "work_dirs/demo/phase1/iter_600.pth"
model = dict(
    _delete_=True,
    type="AdversarialSegmentor",
    generator={{_base_.model}},
    data_preprocessor={{_base_.model.data_preprocessor}},
    # half-width PatchGAN (C32-C64-C128-C256) to keep the CPU demo short; the real config uses C64
    discriminators=dict(patchgan=dict(type="PatchGANDiscriminator", in_channels=3 + 1, base_channels=32)),
    adversaries=[dict(name="pix2pix", discriminator="patchgan", source="decode_head", conditional=True,
                      resize_to="input", adv_weight=1.0, l1_weight=100.0)],
    supervised_loss=False,
    postprocessor=dict(type="OrganMaskPostProcessor", largest_component=True, fill_holes=True, opening_radius=1),
)
optim_wrapper = dict(
    _delete_=True,
    constructor="MultiModuleOptimWrapperConstructor",
    generator=dict(type="OptimWrapper", optimizer=dict(type="AdamW", lr=1e-4, betas=(0.5, 0.999), weight_decay=0.01)),
    discriminators=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999))),
)
param_scheduler = []
train_cfg = dict(max_iters=150, val_interval=75)
default_hooks = dict(checkpoint=dict(interval=75))
