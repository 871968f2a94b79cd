"""AdversarialSegmentor under torch.distributed (torchrun, 2 processes, gloo): every rank holds the same weights.

Run as a script by torchrun, this file is the worker: it trains a configs/ct_volume GAN config through
``load_mm_config(..., launcher="pytorch")`` and mmseg's runner (what ``tools/train.py --launcher pytorch``
does) and saves its rank's parameters, buffers and per-step losses.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import sys
from pathlib import Path

import pytest
import torch

REFINED = "configs/ct_volume/refined_unet-d5_1xb4-dice-d1d2-200it_phantom-pancreas-64x64.py"


def _count_collectives(wrapper) -> list[dict[str, int]]:
    """Count ``all_reduce`` / ``broadcast`` calls inside each ``train_step`` of ``wrapper`` (one dict per step)."""
    import torch.distributed as dist

    counts: list[dict[str, int]] = []
    step = wrapper.train_step

    def counted(data, optim_wrapper):
        c = {"all_reduce": 0, "broadcast": 0}
        originals = {name: getattr(dist, name) for name in c}

        def counter(name):
            def call(*args, **kwargs):
                c[name] += 1
                return originals[name](*args, **kwargs)
            return call

        for name in c:
            setattr(dist, name, counter(name))
        try:
            return step(data, optim_wrapper)
        finally:
            for name, fn in originals.items():
                setattr(dist, name, fn)
            counts.append(c)

    wrapper.train_step = counted
    return counts


def _worker(config: str, work: str, options: list[str]) -> None:
    import torch.distributed as dist
    from mmengine.config import DictAction  # noqa: F401  (same option parsing as tools/train.py)

    from organseg_plugins.mm.apis import build_runner, load_mm_config

    opts = {}
    for item in options:
        key, value = item.split("=", 1)
        opts[key] = DictAction._parse_iterable(value)
    cfg = load_mm_config(config, opts, launcher="pytorch")
    cfg.work_dir = work
    runner = build_runner(cfg)
    counts = _count_collectives(runner.model)
    runner.train()
    rank = dist.get_rank()
    model = runner.model.module
    hub = runner.message_hub
    losses = {k: hub.get_scalar(f"train/{k}").data[0].tolist() for k in ("loss_g", "loss_d")}
    torch.save({"params": {k: v.detach().cpu().clone() for k, v in model.named_parameters()},
                "buffers": {k: v.detach().cpu().clone() for k, v in model.named_buffers()},
                "wrapper": type(runner.model).__name__, "collectives": counts}, Path(work) / f"rank{rank}.pt")
    (Path(work) / f"losses{rank}.json").write_text(json.dumps(losses))


@pytest.mark.slow
def test_two_processes_keep_generator_and_discriminators_identical(ct_volume_root, tmp_path):
    """4 GAN steps on 2 ranks (each its own half of the data): parameters and buffers equal on both ranks,
    generator and discriminators each changed from their start, and the losses change from step to step."""
    from tests.conftest import REPO, assert_finite_losses, mm_scalars, run_tool, scalar_series

    with socket.socket() as sock:  # a free port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = ct_volume_root / "nih_pancreas"
    options = ["train_cfg.max_iters=4", "train_cfg.val_interval=100", "default_hooks.checkpoint.interval=100",
               "default_hooks.logger.interval=1", "train_dataloader.batch_size=2",
               f"train_dataloader.dataset.data_root={root}", f"val_dataloader.dataset.data_root={root}",
               f"test_dataloader.dataset.data_root={root}"]
    work = tmp_path / "dist"
    proc = run_tool("-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
                    "--master_port", str(port), str(Path(__file__)), REFINED, str(work), *options,
                    env={"OMP_NUM_THREADS": "1"}, cwd=REPO)
    log = proc.stdout + proc.stderr
    assert "Distributed training: True" in log, log[-3000:]
    records = mm_scalars(work)  # rank 0's log: the 4 iterations, finite G and D losses
    assert_finite_losses(records, ("loss_g", "loss_d"), steps=[1, 2, 3, 4])
    r0, r1 = (torch.load(work / f"rank{r}.pt") for r in (0, 1))
    assert r0["wrapper"] == "AdversarialDistributedWrapper"
    # one coalesced all_reduce per optimizer (D, then G) and one flattened buffer broadcast per step
    # (before: one all_reduce per parameter tensor and one broadcast per buffer)
    assert r0["collectives"] == r1["collectives"] == [{"all_reduce": 2, "broadcast": 1}] * 4
    for key in ("params", "buffers"):
        assert r0[key].keys() == r1[key].keys()
        diff = [k for k in r0[key] if not torch.equal(r0[key][k], r1[key][k])]
        assert not diff, (key, diff[:5])
    # both sides trained: compare with the seeded initial weights (same seed, same init on every rank)
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import organseg_plugins.mm  # noqa: F401

    init_default_scope("mmseg")
    cfg = Config.fromfile(str(REPO / REFINED))
    from mmengine.runner import set_random_seed

    set_random_seed(0)
    init = MODELS.build(cfg.model)
    init.init_weights()
    start = dict(init.named_parameters())
    moved = {k.split(".")[0] for k, v in r0["params"].items() if not torch.equal(v, start[k].detach())}
    assert {"generator", "discriminators"} <= moved, moved
    loss0, loss1 = (json.loads((work / f"losses{r}.json").read_text()) for r in (0, 1))
    assert len(loss0["loss_g"]) == 4 and len(set(round(v, 6) for v in loss0["loss_g"])) > 1
    assert len(set(round(v, 6) for v in loss0["loss_d"])) > 1
    assert loss0["loss_g"] != loss1["loss_g"]  # each rank saw its own samples (DistributedSampler)
    for key in ("loss_g", "loss_d"):  # the log holds rank 0's values (running means: the first is its first loss)
        assert scalar_series(records, key)[1] == pytest.approx(loss0[key][0], rel=1e-5)


def _grad_worker(rank: int, init_file: str, out: str) -> None:
    """Rank 0 has a gradient for ``a`` only, rank 1 for ``a`` and ``b``; nobody has one for ``c``."""
    import torch.distributed as dist
    from torch import nn

    from organseg_plugins.mm.models.segmentors.distributed import all_reduce_gradients, broadcast_module

    # a stuck collective fails the test after a minute instead of hanging it
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2,
                            timeout=datetime.timedelta(seconds=60))
    torch.manual_seed(rank)  # different start on each rank: broadcast_module must equalise it
    m = nn.ParameterDict({k: nn.Parameter(torch.randn(3)) for k in "abc"})
    m.register_buffer("count", torch.tensor(7 + rank, dtype=torch.int64))
    broadcast_module(m)
    start = {k: v.detach().clone() for k, v in m.items()}
    m["a"].grad = torch.full((3,), float(rank + 1))  # ranks give 1 and 2 -> mean 1.5
    if rank == 1:
        m["b"].grad = torch.full((3,), 4.0)  # rank 0 gives nothing (zeros) -> mean 2.0, as DDP averages
    calls = []
    original = dist.all_reduce

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    dist.all_reduce = counted
    try:
        all_reduce_gradients(m)
    finally:
        dist.all_reduce = original
    grads = {k: None if v.grad is None else v.grad.clone() for k, v in m.items()}
    torch.optim.SGD(m.parameters(), lr=0.1, weight_decay=0.5).step()
    torch.save({"grads": grads, "start": start, "end": {k: v.detach().clone() for k, v in m.items()},
                "count": int(m.count), "calls": len(calls)}, f"{out}/r{rank}.pt")
    # gloo's worker thread frees each finished work (and the Python-owned tensors it holds, which needs the GIL)
    # after the caller has returned; destroying the group, or letting the interpreter's exit destroy it, joins
    # that thread while holding the GIL: a deadlock, seen twice in fresh-clone runs (once after a barrier, whose
    # own work held the all_reduce's). So both ranks meet at a barrier (every collective done, the results
    # saved) and leave without running destructors; the package itself never destroys a group.
    dist.barrier()
    os._exit(0)


def test_gradient_averaging_is_one_collective_and_keeps_unused_gradients_none(tmp_path):
    """Hand case on 2 gloo ranks: mean of (1, 2) = 1.5 for ``a``; (0, 4) -> 2.0 for ``b`` (a rank without a
    gradient contributes zeros, as under DDP); ``c`` has no gradient anywhere and stays ``None``, so SGD's weight
    decay leaves it unchanged (a zero-filled gradient would move it by lr * wd * c = 5%)."""
    import torch.multiprocessing as mp

    mp.spawn(_grad_worker, args=(str(tmp_path / "init"), str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f"r{r}.pt") for r in (0, 1))
    for r in (r0, r1):
        assert r["calls"] == 1  # one coalesced all_reduce for the three parameters and their flags
        assert torch.equal(r["grads"]["a"], torch.full((3,), 1.5))
        assert torch.equal(r["grads"]["b"], torch.full((3,), 2.0))
        assert r["grads"]["c"] is None
        assert torch.equal(r["end"]["c"], r["start"]["c"])
        assert r["count"] == 7  # rank 0's int64 buffer, exact through the float64 broadcast
    for k in "abc":
        assert torch.equal(r0["start"][k], r1["start"][k]) and torch.equal(r0["end"][k], r1["end"][k])


if __name__ == "__main__":  # the torchrun worker
    _worker(sys.argv[1], sys.argv[2], sys.argv[3:])
