"""Step time of ``AdversarialSegmentor`` training on 1 process against N processes on the same per-rank batch.

Each run is ``torchrun --nproc_per_node N -m organseg_plugins.mm.analysis.gan_step_speed --worker ...``: the
worker trains the config through mmengine's runner (what ``tools/train.py --launcher pytorch`` does), times
every ``train_step`` (D step + G step, both optimizers, gradient averaging and the buffer broadcast included)
and counts the ``all_reduce`` / ``broadcast`` calls inside it. On the multi-process run the worker also times,
on the generator's real gradients, the coalesced averaging (:func:`all_reduce_gradients`: one collective)
against the per-tensor averaging it replaced (one ``all_reduce`` per parameter tensor), in the same run.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GanStepSpeed", "gan_step_speed"]


@dataclass
class GanStepSpeed:
    """Median step times (s) per process count, collectives per step, and the averaging micro-benchmark."""

    step_s: dict[int, float]
    collectives: dict[int, dict[str, int]]
    coalesced_s: float | None
    per_tensor_s: float | None
    n_grad_tensors: int | None

    def lines(self) -> list[str]:
        """The report, one line per figure (ratios against the 1-process reference of the same run)."""
        one = self.step_s[min(self.step_s)]
        out = []
        for n, t in sorted(self.step_s.items()):
            c = self.collectives[n]
            out.append(f"{n} process(es): {t * 1000:.1f} ms/step (median), ratio to 1 process {t / one:.2f}, "
                       f"all_reduce {c['all_reduce']} / broadcast {c['broadcast']} per step")
        if self.coalesced_s is not None:
            out.append(f"gradient averaging of the generator ({self.n_grad_tensors} tensors): coalesced "
                       f"{self.coalesced_s * 1000:.2f} ms, per tensor {self.per_tensor_s * 1000:.2f} ms, "
                       f"ratio per-tensor/coalesced {self.per_tensor_s / self.coalesced_s:.1f}")
        return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gan_step_speed(config: str, work_dir: str | os.PathLike, nprocs: tuple[int, ...] = (1, 2), steps: int = 6,
                   cfg_options: list[str] | None = None, timeout: int = 1800) -> GanStepSpeed:
    """Run the config for ``steps`` iterations with each process count and collect the timings.

    Args:
        config: an ``AdversarialSegmentor`` config (e.g. the spleen Pix2Pix phantom config).
        work_dir: folder for the runs (one sub-folder per process count).
        nprocs: process counts; the smallest is the reference of the ratios.
        steps: training iterations per run (the first two are warm-up and not timed).
        cfg_options: extra ``key=value`` overrides (data roots, batch size).
        timeout: seconds allowed per run.

    Returns:
        The figures; :meth:`GanStepSpeed.lines` prints them.

    Raises:
        OrgansegInputError: the config is missing or does not parse (one line naming it).
    """
    from organseg_plugins.mm.apis import load_mm_config

    load_mm_config(config)  # a missing or broken config: one error line here, not a worker's traceback
    step_s, coll, bench = {}, {}, {}
    for n in nprocs:
        work = Path(work_dir) / f"np{n}"
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(n), "--master_addr",
               "127.0.0.1", "--master_port", str(_free_port()), "-m", "organseg_plugins.mm.analysis.gan_step_speed",
               "--worker", config, str(work), str(steps), *(cfg_options or [])]
        env = {**os.environ, "OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 2) // n))}
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"{n}-process run failed:\n{proc.stderr[-4000:]}")
        rec = json.loads((work / "speed_rank0.json").read_text())
        step_s[n] = statistics.median(rec["times"][2:] or rec["times"])
        coll[n] = rec["collectives"]
        if "coalesced_s" in rec:
            bench = rec
    return GanStepSpeed(step_s, coll, bench.get("coalesced_s"), bench.get("per_tensor_s"), bench.get("n_tensors"))


def _per_tensor_average(module) -> None:
    """The per-tensor averaging ``all_reduce_gradients`` replaced (reference of the micro-benchmark only)."""
    import torch.distributed as dist

    world = dist.get_world_size()
    for p in module.parameters():
        if p.requires_grad and p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad.div_(world)


def _worker(config: str, work: str, steps: int, options: list[str]) -> None:
    import torch
    import torch.distributed as dist
    from mmengine.config import DictAction

    from organseg_plugins.mm.apis import build_runner, load_mm_config
    from organseg_plugins.mm.models.segmentors.distributed import all_reduce_gradients

    opts = {k: DictAction._parse_iterable(v) for k, v in (o.split("=", 1) for o in options)}
    opts.update({"train_cfg.max_iters": steps, "train_cfg.val_interval": steps + 1,
                 "default_hooks.checkpoint.interval": steps + 1, "default_hooks.logger.interval": 1,
                 "load_from": None})  # timing only: the generator starts from its initialisation
    cfg = load_mm_config(config, opts, launcher="pytorch")
    cfg.work_dir = work
    runner = build_runner(cfg)
    wrapper, times, counts = runner.model, [], {"all_reduce": 0, "broadcast": 0}
    step = wrapper.train_step

    def timed(data, optim_wrapper):
        originals = {k: getattr(dist, k) for k in counts}

        def counter(name):
            def call(*a, **kw):
                counts[name] += 1
                return originals[name](*a, **kw)
            return call

        for k in counts:
            setattr(dist, k, counter(k))
        t0 = time.perf_counter()
        try:
            return step(data, optim_wrapper)
        finally:
            times.append(time.perf_counter() - t0)
            for k, fn in originals.items():
                setattr(dist, k, fn)

    wrapper.train_step = timed
    runner.train()
    rec = {"times": times, "collectives": {k: v // steps for k, v in counts.items()}}
    if dist.is_initialized() and dist.get_world_size() > 1:
        gen = wrapper.module.generator
        for p in gen.parameters():  # real-sized gradients on every trainable tensor
            p.grad = torch.randn_like(p) if p.requires_grad else None
        for name, fn in (("coalesced_s", all_reduce_gradients), ("per_tensor_s", _per_tensor_average)):
            fn(gen)  # warm-up
            dist.barrier()
            t0 = time.perf_counter()
            for _ in range(5):
                fn(gen)
            rec[name] = (time.perf_counter() - t0) / 5
        rec["n_tensors"] = sum(1 for p in gen.parameters() if p.requires_grad)
    if not dist.is_initialized() or dist.get_rank() == 0:
        Path(work, "speed_rank0.json").write_text(json.dumps(rec))


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--worker":
    _worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:])
