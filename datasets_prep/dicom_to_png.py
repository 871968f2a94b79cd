#!/usr/bin/env python
"""Convert per-case DICOM CT series (+ masks) to windowed 8-bit PNG slices in the MMSeg layout.

Example::

    python datasets_prep/dicom_to_png.py --root raw/liver_ct --out data/liver_png            # W 400 / L 50
    python datasets_prep/dicom_to_png.py --root raw/liver_ct --out data/liver_png --preset liver
    python datasets_prep/dicom_to_png.py --root raw/liver_ct --out data/liver_png --level 40 --width 350 \\
        --assignment data/liver_splits.json

Input: ROOT/<case>/images/ (one DICOM file per slice, recognised by content: ``.dcm``, no suffix or a UID
name such as ``CT.1.3.12.2.1107.5.1.4.16573``, with or without the 128-byte preamble; other files are
reported and skipped) and ROOT/<case>/masks/ (per-slice DICOM masks, PNG masks named like the image
files, or one DICOM-SEG). HU = stored * RescaleSlope + RescaleIntercept; grey =
round(255 * clip((HU - (L - W/2)) / W, 0, 1)). Pixel spacing and slice thickness go to OUT/meta.csv.
See organseg_plugins.core.converters.dicom.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.converters.dicom import convert_dicom_cases
from organseg_plugins.core.converters.report import EXIT_HELP, add_common_cli_args, print_summary
from organseg_plugins.core.converters.splits import read_assignment
from organseg_plugins.core.io.dicom import DEFAULT_WINDOW_LEVEL, DEFAULT_WINDOW_WIDTH, WINDOW_PRESETS
from organseg_plugins.core.parallel import add_workers_argument


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    presets = ", ".join(f"{k} (L {v[0]:g} / W {v[1]:g})" for k, v in WINDOW_PRESETS.items())
    p = argparse.ArgumentParser(
        description="DICOM CT series per case -> 8-bit PNG slices with a HU window, 0/1 masks aligned by "
        "slice position / InstanceNumber / file stem / DICOM-SEG references, meta.csv with spacing, COCO JSON.",
        epilog=EXIT_HELP,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--root", required=True, help="folder of case folders (or one case folder)")
    p.add_argument("--out", required=True, help="output folder (outside --root)")
    p.add_argument("--images-subdir", default="images", help="image series folder name inside a case")
    p.add_argument("--masks-subdir", default="masks", help="mask folder name inside a case")
    p.add_argument("--level", type=float, default=None,
                   help=f"window level in HU (default {DEFAULT_WINDOW_LEVEL:g}, abdominal soft tissue)")
    p.add_argument("--width", type=float, default=None, help=f"window width in HU (default {DEFAULT_WINDOW_WIDTH:g})")
    p.add_argument("--preset", choices=sorted(WINDOW_PRESETS), default=None, help=f"window preset: {presets}")
    p.add_argument("--window-from-file", action="store_true",
                   help="use each file's WindowCenter/WindowWidth when present")
    p.add_argument("--split", default="train", help="split of every case when there is no --assignment")
    p.add_argument("--assignment", default=None, help="case split file from make_splits.py (case ids = folder names)")
    p.add_argument("--fold", type=int, default=None, help="fold to use from a k-fold --assignment")
    p.add_argument("--category", default="liver", help="COCO category name")
    p.add_argument("--segment", default=None, help="DICOM-SEG segment number or label (if it has several)")
    p.add_argument("--mask-label", type=int, default=None, help="foreground value of multi-label mask files")
    p.add_argument("--missing-mask", choices=("error", "empty"), default="error",
                   help="a slice without a per-slice mask: report and skip it, or write an empty mask")
    p.add_argument("--images-only", action="store_true", help="convert images only (no masks)")
    p.add_argument("--match", choices=("auto", "position", "instance"), default="auto",
                   help="how per-slice DICOM masks are aligned to image slices")
    p.add_argument("--position-tol", type=float, default=0.01, help="slice position tolerance in mm")
    add_workers_argument(p, "cases")
    add_common_cli_args(p)
    return p.parse_args(argv)


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the conversion; return the exit status."""
    args = parse_args(argv)
    level, width = DEFAULT_WINDOW_LEVEL, DEFAULT_WINDOW_WIDTH
    if args.preset:
        level, width = WINDOW_PRESETS[args.preset]
    level = args.level if args.level is not None else level
    width = args.width if args.width is not None else width
    assignment = read_assignment(args.assignment, args.fold) if args.assignment else None
    print(f"window: level {level:g} HU, width {width:g} HU"
          + (" (file values where present)" if args.window_from_file else ""))
    report = convert_dicom_cases(
        args.root, args.out, images_subdir=args.images_subdir, masks_subdir=args.masks_subdir,
        level=level, width=width, window_from_file=args.window_from_file, split=args.split,
        assignment=assignment, category=args.category, segment=args.segment, mask_label=args.mask_label,
        missing_mask=args.missing_mask, images_only=args.images_only, match=args.match,
        position_tol_mm=args.position_tol, overwrite=args.overwrite, dry_run=args.dry_run,
        progress=not args.no_progress, workers=args.workers,
    )
    return print_summary(report, args)


if __name__ == "__main__":
    main()
