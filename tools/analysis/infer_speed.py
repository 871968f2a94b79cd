"""Time ``tools/infer.py``'s inference path against mmseg's own ``MMSegInferencer`` on the same model and images,
in one run, and print the ratio (the project's path must not be slower).

    python tools/analysis/infer_speed.py CONFIG CHECKPOINT IMAGE... [--batch-size 4] [--repeat 3] [--device cpu]

mmseg's inferencer gets the config with the project's annotation loader taken out of its test pipeline (it
only removes its own ``LoadAnnotations``); both see the same 3-channel arrays; the best of ``--repeat`` timed
passes (interleaved) after one warm-up pass is compared. Prints ``ratio (project / mmseg): X`` and exits 1 when X > 1 + tolerance.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os.path as osp
import time

import numpy as np

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.inference import load_input


def _infer_tool():
    path = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), "infer.py")
    spec = importlib.util.spec_from_file_location("organseg_infer_tool", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def best_times(fns, repeat: int) -> list[float]:
    """The best of ``repeat`` passes of each function after one warm-up pass each, the passes interleaved
    (a, b, a, b, ...) so a change of machine load hits both alike."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - t0)
    return [min(t) for t in times]


@cli_main
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config")
    p.add_argument("checkpoint")
    p.add_argument("images", nargs="+")
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--device", default="cpu")
    p.add_argument("--tolerance", type=float, default=0.10, help="allowed slow-down before exit status 1")
    args = p.parse_args(argv)
    tool = _infer_tool()
    ours = tool.build_inferencer(args.config, args.checkpoint, args.device)
    images = [s if s.ndim == 3 else np.repeat(s[..., None], 3, axis=2)
              for path in args.images for s in load_input(path).slices]

    from mmengine.config import Config
    from mmengine.logging import MMLogger
    from mmseg.apis import MMSegInferencer

    from organseg_plugins.mm.inferencer import inference_pipeline_config

    MMLogger.get_current_instance().setLevel(logging.ERROR)
    cfg = Config.fromfile(args.config)
    pipeline = inference_pipeline_config(cfg.test_dataloader.dataset.pipeline)
    pipeline[0]["type"] = "LoadImageFromFile"  # MMSegInferencer swaps it for its InferencerLoader itself
    cfg.test_dataloader.dataset.pipeline = pipeline
    theirs = MMSegInferencer(model=cfg, weights=args.checkpoint, device=args.device)
    theirs.show_progress = False
    t_ours, t_theirs = best_times([lambda: tool.predict(ours, images, args.batch_size, progress=False),
                                   lambda: theirs(images, batch_size=args.batch_size, return_datasamples=True)],
                                  args.repeat)
    ratio = t_ours / t_theirs
    print(f"{len(images)} image(s), batch {args.batch_size}, best of {args.repeat}: tools/infer.py {t_ours:.3f}s, "
          f"MMSegInferencer {t_theirs:.3f}s")
    print(f"ratio (project / mmseg): {ratio:.3f}")
    return 1 if ratio > 1 + args.tolerance else 0


if __name__ == "__main__":
    main()
