"""Step time of the GAN phase on 1 process against 2 (same per-rank batch), collectives per step, and the
coalesced gradient averaging against the per-tensor one, all measured in one run.

    python tools/analysis/speed_gan_step.py configs/spleen/segformer_b0_pix2pix_phantom-spleen-128x128.py \
        --work-dir work_dirs/speed_gan --steps 8
Without ``--data-root`` the spleen phantoms are generated into the work folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from organseg_plugins.core.cli import cli_main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config", help="an AdversarialSegmentor config")
    p.add_argument("--work-dir", required=True, help="folder for the runs")
    p.add_argument("--data-root", help="dataset root of the config (default: generated spleen phantoms)")
    p.add_argument("--steps", type=int, default=6, help="iterations per run (first 2 not timed)")
    p.add_argument("--nprocs", type=int, nargs="+", default=[1, 2], help="process counts (default 1 2)")
    p.add_argument("--batch-size", type=int, default=2, help="per-rank batch size")
    return p.parse_args(argv)


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run and print the figures."""
    from organseg_plugins.core.phantoms.organ_slices import write_phantom_dataset
    from organseg_plugins.mm.analysis.gan_step_speed import gan_step_speed

    args = parse_args(argv)
    root = args.data_root
    if root is None:
        write_phantom_dataset(Path(args.work_dir) / "phantom", num_spleen=12, num_liver=0, size=128, seed=0,
                              progress=False)
        root = str(Path(args.work_dir) / "phantom" / "spleen_us")
    opts = [f"{k}.dataset.data_root={root}" for k in ("train_dataloader", "val_dataloader", "test_dataloader")]
    opts += [f"train_dataloader.batch_size={args.batch_size}", "train_dataloader.num_workers=0",
             "train_dataloader.persistent_workers=False"]
    for line in gan_step_speed(args.config, args.work_dir, tuple(args.nprocs), args.steps, opts).lines():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
