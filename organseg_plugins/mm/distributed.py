"""Distributed (torch.distributed) training of ``AdversarialSegmentor``: a model wrapper and gradient averaging.

mmengine's ``MMDistributedDataParallel`` trains a model through ``forward(mode="loss")`` and one
optimizer; a GAN step needs two optimizers and calls the generator's and the discriminators' parts
directly, which DDP's forward hooks would not see. Here, as DDP does, (1) every rank starts from rank
0's parameters and buffers (:func:`broadcast_module`, when the wrapper is built), (2) before each
optimizer step the gradients of the module that optimizer updates (generator or discriminators) are
averaged over the ranks (:func:`all_reduce_gradients`, called by ``AdversarialSegmentor.train_step``),
and (3) after each step the buffers (BatchNorm statistics) are taken from rank 0, so every rank holds the
same generator and the same discriminators after every step. Works with gloo (CPU) and NCCL (GPU).
:func:`organseg_plugins.mm.config.load_mm_config` selects :class:`AdversarialDistributedWrapper` for
an ``AdversarialSegmentor`` launched with ``--launcher pytorch``.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from mmengine.registry import MODEL_WRAPPERS  # the root registry: the runner looks wrappers up there
from torch import nn

__all__ = ["AdversarialDistributedWrapper", "all_reduce_gradients", "broadcast_module", "is_distributed"]


def is_distributed() -> bool:
    """A process group with more than one rank is initialised."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def broadcast_module(module: nn.Module, buffers_only: bool = False) -> None:
    """Copy rank 0's parameters (unless ``buffers_only``) and buffers to every rank, in place."""
    if not is_distributed():
        return
    tensors = [] if buffers_only else [p.data for p in module.parameters()]
    tensors += [b.data for b in module.buffers()]
    for t in tensors:
        dist.broadcast(t, src=0)


def all_reduce_gradients(module: nn.Module) -> None:
    """Average the gradients of ``module``'s trainable parameters over the ranks (missing grads count as 0)."""
    if not is_distributed():
        return
    world = dist.get_world_size()
    for p in module.parameters():
        if not p.requires_grad:
            continue
        if p.grad is None:
            p.grad = torch.zeros_like(p)
        dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
        p.grad.div_(world)


@MODEL_WRAPPERS.register_module()
class AdversarialDistributedWrapper(nn.Module):
    """Model wrapper for ``AdversarialSegmentor`` under torch.distributed (see the module docstring).

    ``train_step``/``val_step``/``test_step`` are the wrapped model's; the wrapper only makes the ranks
    start equal. Gradients are averaged inside the model's ``train_step``, per optimizer.

    Args:
        module: the model (already on its device).
    """

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module
        broadcast_module(module)

    def train_step(self, data, optim_wrapper):
        """The model's D and G steps (gradients averaged over ranks inside)."""
        return self.module.train_step(data, optim_wrapper)

    def val_step(self, data):
        """The model's ``val_step``."""
        return self.module.val_step(data)

    def test_step(self, data):
        """The model's ``test_step``."""
        return self.module.test_step(data)

    def forward(self, *args, **kwargs):
        """The model's ``forward``."""
        return self.module(*args, **kwargs)
