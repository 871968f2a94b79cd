"""Speed of the per-volume evaluation (slices -> volume -> Tables 1-2 metrics) against MONAI, same run, CPU.

    python tools/analysis/speed_volume_eval.py [--shape 200 512 512] [--reps 3] [--volumes 4] [--workers 1 2]

Times regrouping the slices, our whole per-volume suite and MONAI's Hausdorff / ASD / Dice on one synthetic
organ pair of ``--shape`` voxels (2.5 x 0.8 x 0.8 mm), median of ``--reps`` runs, and prints the times, the
ratio MONAI / ours (> 1: we are faster) and the largest relative difference of MSD, ASD and DSC. Then, on
``--volumes`` such pairs, volumes/s of the per-volume evaluator with each ``--workers`` count and of MONAI
(one process), the ratios, and whether every worker count gave the same numbers (``--volumes 0``: skip).
Asserts nothing. The work is :func:`organseg_plugins.core.speed.volume_eval.volume_eval_speed` and
:func:`~organseg_plugins.core.speed.volume_eval.volumes_speed`. Exit status 0, or 2 with one ``error:`` line.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.speed.volume_eval import volume_eval_speed, volumes_speed


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the speed check and print its report; return the exit status."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--shape", type=int, nargs=3, default=(200, 512, 512), metavar=("Z", "Y", "X"))
    p.add_argument("--reps", type=int, default=3, help="timed runs of each step (median)")
    p.add_argument("--volumes", type=int, default=4, help="volumes for the volumes/s comparison (0: skip it)")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to compare")
    args = p.parse_args(argv)
    print(volume_eval_speed(args.shape, args.reps).report(), flush=True)
    if args.volumes:
        print(volumes_speed(args.shape, args.volumes, args.workers).report())
    return 0


if __name__ == "__main__":
    main()
