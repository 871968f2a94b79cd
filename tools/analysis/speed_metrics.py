"""Speed of the metric suite against MONAI and medpy on the same masks, same run, CPU.

    python tools/analysis/speed_metrics.py [--quick] [--size 512] [--no-3d] [--no-peers]

On a 512x512 pair (isotropic and anisotropic spacing) and a 100x512x512 volume, times our whole suite
(``compute_all`` with the NSD at 2 mm) against our surface distances alone, interleaved, and prints one
``suite/surface ratio <case>: <ratio>`` line per case (goal <= 1.3; absolute targets 1 ms per pair and 50 ms
per volume at the default size), repeated in a summary at the end; then our HD/HD95/ASD and NSD against MONAI
and medpy (ratio peer / ours, > 1: we are faster, and the largest relative difference of the values). Asserts
nothing; ``--size 64 --quick --no-peers`` is a smoke run of a few seconds. The work is
:func:`organseg_plugins.core.speed.metrics.metrics_speed`. Exit status 0, or 2 with argparse's usage error.
"""

from __future__ import annotations

import argparse
import functools

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.speed.metrics import MIN_SIZE, metrics_speed


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the speed check and print its report; return the exit status."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    p.add_argument("--no-3d", action="store_true", help="skip the volume")
    p.add_argument("--no-peers", action="store_true", help="skip the MONAI / medpy comparisons")
    p.add_argument("--size", type=int, default=512,
                   help="image side (default 512); the volume is (size/5.12) x size x size, the organs scaled")
    args = p.parse_args(argv)
    if args.size < MIN_SIZE:
        p.error(f"--size must be >= {MIN_SIZE}")
    metrics_speed(args.size, quick=args.quick, volume=not args.no_3d, peers=not args.no_peers,
                  emit=functools.partial(print, flush=True))
    return 0


if __name__ == "__main__":
    main()
