"""AdversarialSegmentor under torch.distributed (torchrun, 2 processes, gloo): every rank holds the same weights.

Run as a script by torchrun, this file is the worker: it trains a configs/ct_volume GAN config through
``load_mm_config(..., launcher="pytorch")`` and mmseg's runner (what ``tools/train.py --launcher pytorch``
does) and saves its rank's parameters, buffers and per-step losses.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest
import torch

REFINED = "configs/ct_volume/refined_unet-d5_1xb4-dice-d1d2-200it_phantom-pancreas-64x64.py"


def _worker(config: str, work: str, options: list[str]) -> None:
    import torch.distributed as dist
    from mmengine.config import DictAction  # noqa: F401  (same option parsing as tools/train.py)

    from organseg_plugins.mm.config import build_runner, load_mm_config

    opts = {}
    for item in options:
        key, value = item.split("=", 1)
        opts[key] = DictAction._parse_iterable(value)
    cfg = load_mm_config(config, opts, launcher="pytorch")
    cfg.work_dir = work
    runner = build_runner(cfg)
    runner.train()
    rank = dist.get_rank()
    model = runner.model.module
    hub = runner.message_hub
    losses = {k: hub.get_scalar(f"train/{k}").data[0].tolist() for k in ("loss_g", "loss_d")}
    torch.save({"params": {k: v.detach().cpu().clone() for k, v in model.named_parameters()},
                "buffers": {k: v.detach().cpu().clone() for k, v in model.named_buffers()},
                "wrapper": type(runner.model).__name__}, Path(work) / f"rank{rank}.pt")
    (Path(work) / f"losses{rank}.json").write_text(json.dumps(losses))


@pytest.mark.slow
def test_two_processes_keep_generator_and_discriminators_identical(ct_volume_root, tmp_path):
    """4 GAN steps on 2 ranks (each its own half of the data): parameters and buffers equal on both ranks,
    generator and discriminators each changed from their start, and the losses change from step to step."""
    from conftest import REPO, run_tool

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
    assert "Distributed training: True" in log and "Iter(train) [4/4]" in log, log[-3000:]
    r0, r1 = (torch.load(work / f"rank{r}.pt") for r in (0, 1))
    assert r0["wrapper"] == "AdversarialDistributedWrapper"
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


if __name__ == "__main__":  # the torchrun worker
    _worker(sys.argv[1], sys.argv[2], sys.argv[3:])
