"""One adversarial-training mechanism for mmseg segmentors (Pix2Pix refinement and U-Net constraints).

A segmentor (any mmseg ``EncoderDecoder``) is the generator; one or more discriminators judge
segmentor outputs. Each *adversary* declares which output it judges (``decode_head`` or
``auxiliary_head``), at which resolution, whether it is conditioned on the image, and with which
weights. The spleen paper's Pix2Pix phase (Karimi et al. 2025, Eq. 4-7) and the auxiliary/refined
constraints of the U-Net paper (Lian, Sun and Li 2025, Eq. 4-6) are both configurations of
:class:`AdversarialSegmentor`; D and G steps alternate inside ``train_step`` with separate
optimizers in an mmengine ``OptimWrapperDict`` (keys ``generator`` and ``discriminators``), as in
mmagic's Pix2Pix. Under torch.distributed (``--launcher pytorch``) each optimizer's module has its
gradients averaged over the ranks before its step and the buffers follow rank 0
(:mod:`organseg_plugins.mm.distributed`, wrapper ``AdversarialDistributedWrapper``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModel, is_model_wrapper
from mmengine.optim import OptimWrapperDict
from mmseg.registry import MODELS
from mmseg.utils import add_prefix
from torch import nn

from organseg_plugins.mm.models.segmentors.distributed import (
    all_reduce_gradients,
    broadcast_module,
    is_distributed,
)

SOURCES = ("decode_head", "auxiliary_head")


G_LOSSES = ("non_saturating", "minimax")


_TRAIN_STEP_ONLY = (
    "AdversarialSegmentor trains through its own train_step (D and G steps with two optimizers): "
    "mmengine's MMDistributedDataParallel calls forward(mode='loss') instead. Under torch.distributed use "
    "model_wrapper_cfg=dict(type='AdversarialDistributedWrapper') (tools/train.py --launcher pytorch sets it).")


OWN_PREFIXES = ("generator.", "discriminators.", "data_preprocessor.", "postprocessor.")


@dataclass
class Adversary:
    """What one discriminator judges and how much it weighs (one term of Eq. 4 / Eq. 6).

    Attributes:
        name: label used in the logged loss names.
        discriminator: key in ``AdversarialSegmentor.discriminators``.
        source: segmentor output judged: ``decode_head`` (final output) or ``auxiliary_head``
            (e.g. the 4th decoder stage of the U-Net, with its own prediction head).
        conditional: feed ``concat(image, mask)`` (Pix2Pix) instead of the mask alone.
        resize_to: ``"input"`` upsamples the prediction to the image size (Pix2Pix judges full-resolution
            masks); ``"source"`` resizes the ground truth to the output's size (refined constraint).
        adv_weight: weight of the generator's adversarial term (cGAN term; w2 / w4 of Eq. 4).
        l1_weight: weight of L1(y, G(x)) on mask probabilities (Pix2Pix lambda, Eq. 6; 0 = off).
        d_weight: weight of this discriminator's loss (Eq. 7 / Eq. 5-6).
        g_loss: generator's adversarial term: ``"non_saturating"`` (default, ``BCE(D(fake), 1) =
            -log D(G(x))``) or ``"minimax"`` (``log(1 - D(G(x)))`` as written in Eq. 2 of Lian, Sun and
            Li 2025 and in Goodfellow et al. 2014's value function; weak gradients early in training).
    """

    name: str
    discriminator: str
    source: str = "decode_head"
    conditional: bool = False
    resize_to: str = "input"
    adv_weight: float = 1.0
    l1_weight: float = 0.0
    d_weight: float = 1.0
    g_loss: str = "non_saturating"


@MODELS.register_module()
class AdversarialSegmentor(BaseModel):
    """An mmseg segmentor trained against discriminators; at test time only the segmentor runs.

    Generator loss = (optionally) the segmentor's own supervised losses (e.g. BCE+Dice, Dice on each
    judged output) + sum over adversaries of ``adv_weight * BCE(D(fake), 1) + l1_weight * L1``.
    Discriminator loss (Eq. 7) = ``d_weight * [BCE(D(real), 1) + BCE(D(fake.detach()), 0)]``.
    Real = one-hot ground truth (ignored pixels take the prediction's value, so they carry no signal);
    fake = sigmoid (one output channel) or softmax of the judged logits.

    Checkpoints of the plain segmentor (phase 1) load into ``generator`` through ``load_from``: keys
    without this model's prefixes are mapped to ``generator.<key>``.

    Args:
        generator: mmseg segmentor config (its ``data_preprocessor`` becomes this model's).
        discriminators: name -> discriminator config (e.g. ``PatchGANDiscriminator``).
        adversaries: list of :class:`Adversary` fields (dicts).
        supervised_loss: add the segmentor's own decode/auxiliary head losses to the G loss.
        data_preprocessor: this model's data preprocessor; ``None`` takes the generator's. Configs give
            it explicitly (``{{_base_.model.data_preprocessor}}``) because mmengine's runner otherwise fills
            in the top-level ``data_preprocessor`` variable of the upstream bases.
        postprocessor: optional config of a registered post-processor applied to test predictions
            (e.g. ``OrganMaskPostProcessor``); ``None`` switches it off.
        init_cfg: mmengine init config.
    """

    def __init__(self, generator: dict, discriminators: dict, adversaries: list[dict],
                 supervised_loss: bool = True, postprocessor: dict | None = None,
                 data_preprocessor: dict | None = None, init_cfg: dict | None = None) -> None:
        generator = copy.deepcopy(generator)
        own = generator.pop("data_preprocessor", None)
        preprocessor = data_preprocessor if data_preprocessor is not None else own
        super().__init__(data_preprocessor=preprocessor, init_cfg=init_cfg)
        self.generator = MODELS.build(generator)
        self.discriminators = nn.ModuleDict({k: MODELS.build(v) for k, v in discriminators.items()})
        self.adversaries = [Adversary(**a) for a in adversaries]
        for adv in self.adversaries:
            if adv.discriminator not in self.discriminators:
                raise ValueError(f"adversary {adv.name!r}: no discriminator {adv.discriminator!r} "
                                 f"(have {sorted(self.discriminators)})")
            if adv.source not in SOURCES:
                raise ValueError(f"adversary {adv.name!r}: source must be one of {SOURCES}, got {adv.source!r}")
            if adv.source == "auxiliary_head" and not self.generator.with_auxiliary_head:
                raise ValueError(f"adversary {adv.name!r} judges auxiliary_head but the generator has none")
            if adv.resize_to not in ("input", "source"):
                raise ValueError(f"adversary {adv.name!r}: resize_to must be 'input' or 'source'")
            if adv.g_loss not in G_LOSSES:
                raise ValueError(f"adversary {adv.name!r}: g_loss must be one of {G_LOSSES}, got {adv.g_loss!r}")
        self.supervised_loss = supervised_loss
        self.postprocessor = MODELS.build(postprocessor) if postprocessor else None
        self._register_load_state_dict_pre_hook(self._map_segmentor_checkpoint)

    # ---- checkpoints ------------------------------------------------------------------------
    @staticmethod
    def _map_segmentor_checkpoint(state_dict, prefix, *args) -> None:
        """Map a plain segmentor's keys (``backbone.*``, ``decode_head.*``) to ``generator.*``."""
        own = [prefix + p for p in OWN_PREFIXES]
        foreign = [k for k in state_dict if k.startswith(prefix) and not k.startswith(tuple(own))]
        if foreign and not any(k.startswith(prefix + "generator.") for k in state_dict):
            for k in foreign:
                state_dict[prefix + "generator." + k[len(prefix):]] = state_dict.pop(k)
            print_log(f"AdversarialSegmentor: loaded a segmentor checkpoint ({len(foreign)} tensors) "
                      "into the generator", logger="current")

    # ---- inference --------------------------------------------------------------------------
    def forward(self, inputs: torch.Tensor, data_samples=None, mode: str = "tensor"):
        if mode == "predict":
            results = self.generator.predict(inputs, data_samples)
            return self.postprocessor(results) if self.postprocessor is not None else results
        if mode == "loss":  # only reached when a DDP wrapper bypasses train_step: say so instead of training wrong
            raise RuntimeError(_TRAIN_STEP_ONLY)
        if mode == "tensor":
            return self.generator._forward(inputs, data_samples)
        raise ValueError(f"invalid mode {mode!r}")

    # ---- training ---------------------------------------------------------------------------
    def _outputs(self, inputs: torch.Tensor) -> dict[str, torch.Tensor]:
        gen = self.generator
        feats = gen.extract_feat(inputs)
        out = {"decode_head": gen.decode_head.forward(feats), "_feats": feats}
        if gen.with_auxiliary_head:
            aux = gen.auxiliary_head
            out["auxiliary_head"] = (aux[0] if isinstance(aux, nn.ModuleList) else aux).forward(feats)
        return out

    def _supervised(self, outputs: dict, samples: list) -> dict[str, torch.Tensor]:
        gen = self.generator
        losses = add_prefix(gen.decode_head.loss_by_feat(outputs["decode_head"], samples), "decode")
        if gen.with_auxiliary_head:
            heads = gen.auxiliary_head if isinstance(gen.auxiliary_head, nn.ModuleList) else [gen.auxiliary_head]
            for i, head in enumerate(heads):
                logits = outputs["auxiliary_head"] if i == 0 else head.forward(outputs["_feats"])
                name = "aux" if len(heads) == 1 else f"aux_{i}"
                losses.update(add_prefix(head.loss_by_feat(logits, samples), name))
        return losses

    def _judged(self, adv: Adversary, outputs: dict, inputs: torch.Tensor, gt: torch.Tensor):
        """(real, fake) discriminator inputs of one adversary, and the valid-pixel mask."""
        logits = outputs[adv.source]
        size = inputs.shape[2:] if adv.resize_to == "input" else logits.shape[2:]
        if logits.shape[2:] != size:
            logits = F.interpolate(logits, size=size, mode="bilinear", align_corners=False)
        num = logits.shape[1]
        fake = logits.sigmoid() if num == 1 else logits.softmax(dim=1)
        g = gt if gt.shape[2:] == size else F.interpolate(gt.float(), size=size, mode="nearest").long()
        ignore = getattr(self.generator.decode_head, "ignore_index", 255)
        valid = (g != ignore).float()
        if num == 1:
            real = (g == 1).float()
        else:
            real = F.one_hot(g.clamp(0, num - 1).squeeze(1), num).permute(0, 3, 1, 2).float()
        real = valid * real + (1 - valid) * fake.detach()
        mask_real, mask_fake = real, fake
        if adv.conditional:
            image = inputs.float() if inputs.shape[2:] == size else F.interpolate(
                inputs.float(), size=size, mode="bilinear", align_corners=False)
            real, fake = torch.cat([image, real], 1), torch.cat([image, fake], 1)
        return real, fake, mask_real, mask_fake, valid

    def _set_d_requires_grad(self, flag: bool) -> None:
        for p in self.discriminators.parameters():
            p.requires_grad_(flag)

    @staticmethod
    def _update(optim, loss: torch.Tensor, module: nn.Module) -> None:
        """``optim.update_params(loss)``, with ``module``'s gradients averaged over ranks when distributed."""
        if not is_distributed():
            optim.update_params(loss)
            return
        optim.backward(optim.scale_loss(loss))
        if optim.should_update():
            all_reduce_gradients(module)
            optim.step()
            optim.zero_grad()

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        """One D step (all discriminators) then one G step (the segmentor), each with its own optimizer."""
        if not isinstance(optim_wrapper, OptimWrapperDict) or not {"generator", "discriminators"} <= set(
                optim_wrapper.keys()):
            raise TypeError("AdversarialSegmentor needs optim_wrapper=dict(constructor="
                            "'MultiModuleOptimWrapperConstructor', generator=..., discriminators=...)")
        if is_model_wrapper(self.generator) or is_model_wrapper(self.discriminators):
            raise RuntimeError(_TRAIN_STEP_ONLY)
        g_optim, d_optim = optim_wrapper["generator"], optim_wrapper["discriminators"]
        data = self.data_preprocessor(data, True)
        inputs, samples = data["inputs"], data["data_samples"]
        gt = torch.stack([s.gt_sem_seg.data for s in samples]).long()
        with g_optim.optim_context(self.generator):
            outputs = self._outputs(inputs)
            judged = [self._judged(adv, outputs, inputs, gt) for adv in self.adversaries]

        # discriminator step (Eq. 7): real -> 1, generated (detached) -> 0
        log_vars: dict[str, torch.Tensor] = {}
        self._set_d_requires_grad(True)
        with d_optim.optim_context(self.discriminators):
            d_losses = {}
            for adv, (real, fake, *_rest) in zip(self.adversaries, judged):
                disc = self.discriminators[adv.discriminator]
                pred_real, pred_fake = disc(real), disc(fake.detach())
                d_losses[f"loss_d_{adv.name}"] = adv.d_weight * (
                    F.binary_cross_entropy_with_logits(pred_real, torch.ones_like(pred_real))
                    + F.binary_cross_entropy_with_logits(pred_fake, torch.zeros_like(pred_fake)))
            d_loss, d_log = self.parse_losses(d_losses)
        self._update(d_optim, d_loss, self.discriminators)
        log_vars.update({k: v for k, v in d_log.items() if k != "loss"})

        # generator step (Eq. 4-6): fool the (frozen) discriminators, + lambda * L1, + supervised losses
        self._set_d_requires_grad(False)
        with g_optim.optim_context(self.generator):
            g_losses = self._supervised(outputs, samples) if self.supervised_loss else {}
            for adv, (_real, fake, mask_real, mask_fake, valid) in zip(self.adversaries, judged):
                pred_fake = self.discriminators[adv.discriminator](fake)
                if adv.g_loss == "minimax":  # log(1 - sigmoid(z)) = -softplus(z)
                    term = -F.softplus(pred_fake).mean()
                else:
                    term = F.binary_cross_entropy_with_logits(pred_fake, torch.ones_like(pred_fake))
                g_losses[f"loss_g_adv_{adv.name}"] = adv.adv_weight * term
                if adv.l1_weight:
                    l1 = (valid * (mask_fake - mask_real).abs()).sum() / (valid.sum() * mask_fake.shape[1]).clamp(min=1)
                    g_losses[f"loss_g_l1_{adv.name}"] = adv.l1_weight * l1
            g_loss, g_log = self.parse_losses(g_losses)
        self._update(g_optim, g_loss, self.generator)
        self._set_d_requires_grad(True)
        if is_distributed():  # BatchNorm statistics from rank 0 (DDP's broadcast_buffers), equal after every step
            broadcast_module(self, buffers_only=True)
        log_vars.update({k: v for k, v in g_log.items() if k != "loss"})
        log_vars["loss_g"], log_vars["loss_d"] = g_log["loss"], d_log["loss"]
        return log_vars
