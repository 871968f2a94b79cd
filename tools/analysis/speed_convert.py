"""Speed and memory of the CT and DICOM converters at dataset scale: 1 worker against 2, same run, CPU.

    python tools/analysis/speed_convert.py [--cases 8] [--shape 200 512 512] [--workers 1 2] [--repeat 1]
        [--converters ct dicom] [--small]

Writes an NIH Pancreas-CT-like set (one DICOM series + one NIfTI label per case; ``--cases`` volumes of
``--shape`` voxels) into a temporary folder, converts it with ``datasets_prep/ct_volumes_to_mmseg.py``'s and
``datasets_prep/dicom_to_png.py``'s converters (images only) with each ``--workers`` count, every run in a
fresh process, and prints per run the wall time, slices/s and each worker's peak resident memory against one
volume's size, then the ratio slices/s N workers / 1 worker and whether the outputs are byte-identical.
``--small`` is a few-second check (2 cases of 8x64x64). Asserts nothing; the work is
:func:`organseg_plugins.core.speed.convert.convert_speed`. Exit status 0, or 2 with one ``error:`` line.
"""

from __future__ import annotations

import argparse
import sys

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.speed.convert import CONVERTERS, convert_speed


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the speed check and print its report; return the exit status."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cases", type=int, default=8, help="volumes in the generated set")
    p.add_argument("--shape", type=int, nargs=3, default=(200, 512, 512), metavar=("Z", "Y", "X"))
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to compare")
    p.add_argument("--repeat", type=int, default=1, help="runs of each (interleaved; ratios from the fastest)")
    p.add_argument("--converters", nargs="+", default=list(CONVERTERS), choices=CONVERTERS)
    p.add_argument("--small", action="store_true", help="2 cases of 8x64x64 (a check that it runs)")
    p.add_argument("--tmp-dir", default=None, help="folder for the set and the outputs (default: system temp)")
    args = p.parse_args(argv)
    cases, shape = (2, (8, 64, 64)) if args.small else (args.cases, args.shape)
    result = convert_speed(cases, shape, args.workers, args.repeat, args.converters, args.tmp_dir,
                           log=lambda m: print(m, file=sys.stderr, flush=True))
    print(result.report())
    return 0


if __name__ == "__main__":
    main()
