#!/usr/bin/env python
"""Convert CT volumes (NIH Pancreas-CT, Sliver07, MSD) to windowed 8-bit PNG slices in the MMSeg layout.

Example::

    python datasets_prep/ct_volumes_to_mmseg.py --root raw/Pancreas-CT --out data/nih_pancreas/fold0 \\
        --assignment datasets_prep/splits/nih_pancreas_ct_4fold.json --fold 0 --organ-margin 5
    python datasets_prep/ct_volumes_to_mmseg.py --root raw/sliver07 --out data/sliver07/fold0 --window liver \\
        --category liver --assignment datasets_prep/splits/sliver07_4fold.json --fold 0
    python datasets_prep/ct_volumes_to_mmseg.py --root raw/Task07_Pancreas --out data/msd_pancreas --labels 1 2

One PNG per slice (``<case>_sKKKK.png``), 0/1 masks, meta.csv with case id, slice index, number of
slices, spacing (z, row, column) and geometry; per-case problems are listed and the case skipped.
See organseg_plugins.core.converters.ct_volumes.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.converters.ct_volumes import CT_WINDOWS, LAYOUTS, convert_ct_volumes
from organseg_plugins.core.converters.report import EXIT_HELP, add_common_cli_args, print_summary
from organseg_plugins.core.converters.splits import read_assignment
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.parallel import add_workers_argument


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    wins = ", ".join(f"{k} [{v[0]:g}, {v[1]:g}]" for k, v in CT_WINDOWS.items())
    p = argparse.ArgumentParser(
        description="CT volumes (DICOM series, NIfTI, MetaImage) -> 8-bit PNG slices with a HU window, 0/1 masks, "
        "meta.csv one row per slice, COCO JSON.", epilog=EXIT_HELP,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--root", required=True, help="dataset folder")
    p.add_argument("--out", required=True, help="output folder (outside --root)")
    p.add_argument("--layout", choices=LAYOUTS, default="auto", help="dataset layout")
    p.add_argument("--window", default="pancreas",
                   help=f"HU window: a name ({wins}) or LO,HI in HU, e.g. --window=-100,240")
    p.add_argument("--split", default="train", help="split of every case when there is no --assignment")
    p.add_argument("--assignment", default=None, help="case split file (make_splits.py or datasets_prep/splits/)")
    p.add_argument("--fold", type=int, default=None, help="fold of a k-fold --assignment (its cases become val)")
    p.add_argument("--category", default="pancreas", help="organ name (COCO category)")
    p.add_argument("--labels", type=int, nargs="+", default=None,
                   help="label values counted as the organ (default: labels must be 0/1)")
    p.add_argument("--organ-margin", type=int, default=None,
                   help="train split: keep only slices with organ +- this many slices (default: all slices)")
    add_workers_argument(p, "volumes (one volume in memory per process)")
    add_common_cli_args(p)
    return p.parse_args(argv)


def _window(text: str) -> str | tuple[float, float]:
    if text in CT_WINDOWS:
        return text
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise OrgansegInputError(f"--window {text!r}: give a name ({', '.join(CT_WINDOWS)}) or LO,HI in HU") from None
    return lo, hi


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the conversion; return the exit status."""
    args = parse_args(argv)
    window = _window(args.window)
    assignment = read_assignment(args.assignment, args.fold) if args.assignment else None
    report = convert_ct_volumes(
        args.root, args.out, layout=args.layout, window=window, split=args.split, assignment=assignment,
        category=args.category, labels=args.labels, organ_margin=args.organ_margin, overwrite=args.overwrite,
        dry_run=args.dry_run, progress=not args.no_progress, workers=args.workers)
    return print_summary(report, args)


if __name__ == "__main__":
    main()
