#!/usr/bin/env python
"""Convert a CVAT KITTI 1.0 segmentation export to COCO instances + the MMSeg layout.

Example (the liver CT paper's labels, one class "liver")::

    python datasets_prep/kitti_to_coco.py --root exports/liver_kitti --out data/liver --class liver
    python datasets_prep/kitti_to_coco.py --root exports/liver_kitti --out data/liver --class liver \\
        --assignment data/liver_splits.json --case-regex '^(case\\d+)' --polygons

All instance ids of the class on an image become ONE annotation (a liver in two regions stays one
object) unless --keep-instances. See organseg_plugins.core.converters.kitti.convert_kitti.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.converters.kitti import convert_kitti
from organseg_plugins.core.converters.report import EXIT_HELP, add_common_cli_args, print_summary
from organseg_plugins.core.converters.splits import read_assignment


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(
        description="KITTI 1.0 segmentation export (CVAT: image_2/, semantic/, instance/, label_colors.txt) -> "
        "OUT/img_dir/{split}, OUT/ann_dir/{split} (0/1 masks), OUT/annotations/instances_{split}.json "
        "(COCO), OUT/meta.csv.",
        epilog=EXIT_HELP,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--root", required=True, help="the KITTI export folder (holds label_colors.txt)")
    p.add_argument("--out", required=True, help="output folder (outside --root)")
    p.add_argument("--class", dest="class_name", required=True, help="organ class name in label_colors.txt")
    p.add_argument("--split", default="train",
                   help="split of every image (a subset named training/validation/testing maps to train/val/test)")
    p.add_argument("--polygons", action="store_true", help="COCO polygons instead of compressed RLE")
    p.add_argument("--keep-instances", action="store_true",
                   help="one annotation per KITTI instance id instead of one merged object per image")
    p.add_argument("--assignment", default=None, help="case split file from make_splits.py (JSON/CSV)")
    p.add_argument("--fold", type=int, default=None, help="fold to use from a k-fold --assignment")
    p.add_argument("--case-regex", default=None, help="regex giving the case id of an item id (group 1 or ?P<case>)")
    p.add_argument("--label-colors", default=None, help="label file (default ROOT/label_colors.txt)")
    add_common_cli_args(p)
    return p.parse_args(argv)


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the conversion; return the exit status."""
    args = parse_args(argv)
    assignment = read_assignment(args.assignment, args.fold) if args.assignment else None
    report = convert_kitti(
        args.root, args.out, args.class_name, split=args.split, polygons=args.polygons,
        keep_instances=args.keep_instances, assignment=assignment, case_regex=args.case_regex,
        label_colors=args.label_colors, overwrite=args.overwrite, dry_run=args.dry_run,
        progress=not args.no_progress,
    )
    return print_summary(report, args)


if __name__ == "__main__":
    main()
