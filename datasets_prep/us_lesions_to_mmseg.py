#!/usr/bin/env python
"""Ultrasound lesion sets (ARU-Net, Liu et al. 2025) -> the project's mmseg layout (0/1 masks, meta.csv, COCO).

Examples::

    # BUSI: benign + malignant (normal excluded), extra lesion masks OR-merged, 7:1:2 split stratified by class
    python datasets_prep/us_lesions_to_mmseg.py busi --root raw/Dataset_BUSI_with_GT --out data/busi
    # TN3K: test-* -> test; trainval-* by a fold file, or a seeded 7:1 train/val split
    python datasets_prep/us_lesions_to_mmseg.py tn3k --root raw/tn3k --out data/tn3k --fold-json raw/tn3k/tn3k-trainval-fold0.json
    # DDTI as mmseg's projects/medical/2d_image/ultrasound/ddti prepares it (images|masks/{train,val})
    python datasets_prep/us_lesions_to_mmseg.py ddti --root projects/.../ddti/data --out data/ddti
    # any image/mask folder pair ("TUS"...)
    python datasets_prep/us_lesions_to_mmseg.py folder --images raw/tus/images --masks raw/tus/masks --out data/tus

See organseg_plugins.core.converters.busi / tn3k / ddti / lesion_folder.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.converters.busi import convert_busi
from organseg_plugins.core.converters.cases import parse_fractions
from organseg_plugins.core.converters.ddti import convert_ddti
from organseg_plugins.core.converters.lesion_folder import convert_lesion_folder
from organseg_plugins.core.converters.report import EXIT_HELP, add_common_cli_args, print_summary
from organseg_plugins.core.converters.tn3k import convert_tn3k


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1], epilog=EXIT_HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="source", required=True)
    busi = sub.add_parser("busi", help="BUSI (Dataset_BUSI_with_GT/{benign,malignant,normal})")
    busi.add_argument("--root", required=True, help="Dataset_BUSI_with_GT (or its parent)")
    busi.add_argument("--classes", nargs="+", default=["benign", "malignant"],
                      help="classes to convert (the paper: benign malignant; add normal to keep it)")
    busi.add_argument("--fractions", nargs="+", type=float, default=[0.7, 0.1, 0.2], help="train val test")
    busi.add_argument("--no-stratify", action="store_true", help="do not split within each class")
    tn3k = sub.add_parser("tn3k", help="TN3K (trainval-image/-mask, test-image/-mask)")
    tn3k.add_argument("--root", required=True)
    tn3k.add_argument("--fold-json", default=None, help="tn3k-trainval-fold<k>.json (train/val ids)")
    tn3k.add_argument("--val-fraction", type=float, default=0.125, help="val share of trainval without a fold file")
    tn3k.add_argument("--mask-threshold", type=int, default=128, help="binarise the JPEG masks at this value")
    ddti = sub.add_parser("ddti", help="DDTI in mmseg's projects layout (images|masks/{train,val})")
    ddti.add_argument("--root", required=True)
    folder = sub.add_parser("folder", help="an image folder + a mask folder")
    folder.add_argument("--images", required=True)
    folder.add_argument("--masks", required=True)
    folder.add_argument("--mask-suffix", default="", help="mask = <stem><suffix>.png")
    folder.add_argument("--merge-extra", action="store_true", help="OR-merge <stem><suffix>_1.png ... extras")
    folder.add_argument("--class-regex", default=None, help="regex (group 1) giving the class to stratify by")
    folder.add_argument("--fractions", nargs="+", type=float, default=[0.7, 0.1, 0.2], help="train val test")
    folder.add_argument("--mask-threshold", type=int, default=None, help="binarise lossy masks at this value")
    folder.add_argument("--category", default="lesion", help="COCO category name")
    for sp in (busi, tn3k, ddti, folder):
        sp.add_argument("--out", required=True, help="output folder (outside the inputs)")
        if sp is not ddti:
            sp.add_argument("--seed", type=int, default=0, help="split seed")
        add_common_cli_args(sp)
    return p.parse_args(argv)


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the conversion; return the exit status."""
    a = parse_args(argv)
    common = dict(overwrite=a.overwrite, dry_run=a.dry_run, progress=not a.no_progress)
    if a.source == "busi":
        report = convert_busi(a.root, a.out, classes=a.classes, fractions=parse_fractions(a.fractions),
                              stratify=not a.no_stratify, seed=a.seed, **common)
    elif a.source == "tn3k":
        report = convert_tn3k(a.root, a.out, fold_json=a.fold_json, val_fraction=a.val_fraction, seed=a.seed,
                              mask_threshold=a.mask_threshold, **common)
    elif a.source == "ddti":
        report = convert_ddti(a.root, a.out, **common)
    else:
        report = convert_lesion_folder(a.images, a.masks, a.out, mask_suffix=a.mask_suffix,
                                       merge_extra=a.merge_extra, class_regex=a.class_regex,
                                       fractions=parse_fractions(a.fractions), seed=a.seed,
                                       mask_threshold=a.mask_threshold, category=a.category, **common)
    return print_summary(report, a)


if __name__ == "__main__":
    main()
