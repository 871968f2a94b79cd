"""Distributed (torch.distributed) training of ``AdversarialSegmentor``: a model wrapper and gradient averaging.

mmengine's ``MMDistributedDataParallel`` trains a model through ``forward(mode="loss")`` and one
optimizer; a GAN step needs two optimizers and calls the generator's and the discriminators' parts
directly, which DDP's forward hooks would not see. Here, as DDP does, (1) every rank starts from rank
0's parameters and buffers (:func:`broadcast_module`, when the wrapper is built), (2) before each
optimizer step the gradients of the module that optimizer updates (generator or discriminators) are
averaged over the ranks with ONE coalesced ``all_reduce`` (:func:`all_reduce_gradients`, called by
``AdversarialSegmentor.train_step``; gradients no rank produced stay ``None`` as under DDP), and (3) after
each step the buffers (BatchNorm statistics) are taken from rank 0 in one flattened broadcast, so every rank holds the
same generator and the same discriminators after every step. Works with gloo (CPU) and NCCL (GPU).
:func:`organseg_plugins.mm.apis.load_mm_config` selects :class:`AdversarialDistributedWrapper` for
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


def _flat_broadcast(tensors: list[torch.Tensor]) -> None:
    """Broadcast rank 0's ``tensors`` with ONE collective: flattened into one float64 buffer (exact for every
    float dtype up to float64 and for integers below 2**53, e.g. BatchNorm's ``num_batches_tracked``)."""
    if not tensors:
        return
    flat = torch.cat([t.detach().reshape(-1).to(torch.float64) for t in tensors])
    dist.broadcast(flat, src=0)
    offset = 0
    for t in tensors:
        n = t.numel()
        t.data.copy_(flat[offset:offset + n].view_as(t).to(t.dtype))
        offset += n


def broadcast_module(module: nn.Module, buffers_only: bool = False) -> None:
    """Copy rank 0's parameters (unless ``buffers_only``) and buffers to every rank, in place, with one
    collective per call (DDP's ``broadcast_buffers`` also coalesces)."""
    if not is_distributed():
        return
    tensors = [] if buffers_only else [p.data for p in module.parameters()]
    tensors += [b.data for b in module.buffers()]
    by_device: dict[torch.device, list[torch.Tensor]] = {}
    for t in tensors:
        by_device.setdefault(t.device, []).append(t)
    for group in by_device.values():
        _flat_broadcast(group)


def all_reduce_gradients(module: nn.Module) -> None:
    """Average the gradients of ``module``'s trainable parameters over the ranks, with one ``all_reduce``.

    The gradients (a rank without a gradient for a parameter contributes zeros) and one presence flag per
    parameter are flattened into one buffer per (device, dtype) -- one in practice -- and summed in one
    collective; each gradient is then ``sum / world_size``, as DDP averages. A parameter for which no rank
    produced a gradient keeps ``grad = None``, as under DDP, so weight decay does not move a globally unused
    parameter (it would with a zero-filled gradient).
    """
    if not is_distributed():
        return
    world = dist.get_world_size()
    groups: dict[tuple[torch.device, torch.dtype], list[nn.Parameter]] = {}
    for p in module.parameters():
        if p.requires_grad:
            groups.setdefault((p.device, p.dtype), []).append(p)
    for (device, dtype), params in groups.items():
        parts = [p.grad.detach().reshape(-1) if p.grad is not None else torch.zeros(p.numel(), dtype=dtype, device=device)
                 for p in params]
        flags = torch.tensor([p.grad is not None for p in params], dtype=dtype, device=device)
        flat = torch.cat([*parts, flags])
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        produced = flat[-len(params):]
        offset = 0
        for p, seen in zip(params, produced.tolist()):
            n = p.numel()
            if seen > 0:
                grad = flat[offset:offset + n].view_as(p).div_(world)
                if p.grad is None:
                    p.grad = grad.clone()
                else:
                    p.grad.copy_(grad)
            offset += n


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
