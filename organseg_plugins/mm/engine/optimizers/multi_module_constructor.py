"""One optimizer per sub-module of a model (``generator`` and ``discriminators`` of
:class:`~organseg_plugins.mm.models.segmentors.adversarial.AdversarialSegmentor`) in an ``OptimWrapperDict``,
as mmagic's Pix2Pix trains its generator and discriminator."""

from __future__ import annotations

import copy

from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiModuleOptimWrapperConstructor:
    """Build one optimizer wrapper per sub-module: ``dict(generator=dict(...), discriminators=dict(...))``.

    Each key names an attribute of the model (``model.generator``, ``model.discriminators``) and holds an
    ordinary ``optim_wrapper`` config (``type``, ``optimizer``, optional ``paramwise_cfg``), built with
    mmengine's ``DefaultOptimWrapperConstructor`` into an ``OptimWrapperDict``.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict | None = None) -> None:
        if paramwise_cfg is not None:
            raise ValueError("give paramwise_cfg inside each sub-module's optim_wrapper config")
        self.optim_wrapper_cfg = optim_wrapper_cfg

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        wrappers = {}
        for key, cfg in self.optim_wrapper_cfg.items():
            if not hasattr(model, key):
                raise ValueError(f"optim_wrapper key {key!r} is not a sub-module of {type(model).__name__}")
            cfg = copy.deepcopy(cfg)
            paramwise = cfg.pop("paramwise_cfg", None)
            wrappers[key] = DefaultOptimWrapperConstructor(cfg, paramwise)(getattr(model, key))
        return OptimWrapperDict(**wrappers)
