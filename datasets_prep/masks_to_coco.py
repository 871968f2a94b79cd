#!/usr/bin/env python
"""Binary mask folder -> COCO instances JSON, or (--reverse) COCO -> 0/1 mask PNGs.

Examples::

    python datasets_prep/masks_to_coco.py --images data/x/img_dir/train --masks data/x/ann_dir/train \\
        --out data/x/annotations/instances_train.json --category liver --file-name-root data/x
    python datasets_prep/masks_to_coco.py --images busi/benign --masks busi/benign --mask-suffix _mask \\
        --merge-extra --out busi_benign.json --category lesion --polygons
    python datasets_prep/masks_to_coco.py --reverse --coco data/x/annotations/instances_train.json --out masks/

One non-empty mask = one annotation (all its regions; RLE by default, exact round trip; --polygons
approximates). 0/255 masks are converted to 0/1; any other values are reported per file, and so is a mask
without its image. With --reverse, an unusable annotation (a polygon of fewer than 3 points or of zero area, no
segmentation, an RLE of another size) is one error naming the JSON, the image and the annotation id, and that
image gets no mask rather than a silently empty one (exit status 1).
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.converters.masks_coco import coco_to_mask_dir, masks_dir_to_coco
from organseg_plugins.core.converters.report import EXIT_HELP, add_common_cli_args, print_summary
from organseg_plugins.core.errors import OrgansegInputError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(
        description="Images + binary masks -> COCO instances JSON (one annotation per non-empty mask), or with "
        "--reverse a COCO JSON -> one 0/1 mask PNG per image.",
        epilog=EXIT_HELP,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--reverse", action="store_true", help="COCO -> masks (needs --coco; --out is a folder)")
    p.add_argument("--images", help="folder of images (masks -> COCO)")
    p.add_argument("--masks", help="folder of masks, same stem as the image (masks -> COCO)")
    p.add_argument("--coco", help="COCO JSON (with --reverse)")
    p.add_argument("--out", required=True, help="output JSON file, or with --reverse the output folder")
    p.add_argument("--category", default=None,
                   help="category name (masks -> COCO, default 'organ'); with --reverse the category to keep")
    p.add_argument("--polygons", action="store_true", help="polygons instead of compressed RLE")
    p.add_argument("--mask-suffix", default="", help="mask file = <image stem><suffix>.png, e.g. _mask")
    p.add_argument("--merge-extra", action="store_true", help="merge numbered extra masks <stem><suffix>_1.png ...")
    p.add_argument("--file-name-root", default=None,
                   help="COCO file_name = image path relative to this folder (default: bare file name)")
    p.add_argument("--mask-label", type=int, default=None, help="foreground value of multi-label masks")
    p.add_argument("--value", type=int, choices=(1, 255), default=1, help="foreground value written by --reverse")
    add_common_cli_args(p)
    return p.parse_args(argv)


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the conversion; return the exit status."""
    args = parse_args(argv)
    progress = not args.no_progress
    if args.reverse:
        if not args.coco:
            raise OrgansegInputError("--reverse needs --coco FILE")
        report = coco_to_mask_dir(args.coco, args.out, category=args.category, value=args.value,
                                  overwrite=args.overwrite, dry_run=args.dry_run, progress=progress)
    else:
        if not (args.images and args.masks):
            raise OrgansegInputError("masks -> COCO needs --images and --masks (or use --reverse --coco)")
        report = masks_dir_to_coco(
            args.images, args.masks, args.out, category=args.category or "organ", polygons=args.polygons,
            mask_suffix=args.mask_suffix, merge_extra=args.merge_extra, file_name_root=args.file_name_root,
            mask_label=args.mask_label, overwrite=args.overwrite, dry_run=args.dry_run, progress=progress,
        )
    return print_summary(report, args)


if __name__ == "__main__":
    main()
