#!/usr/bin/env python
"""Convert spleen ultrasound DICOMs + masks + radiologist lengths to the MMSeg layout with meta.csv.

Example (the spleen paper's protocol: 5-fold 80:20 by patient, fold 0 laid out)::

    python datasets_prep/spleen_to_mmseg.py --images raw/us --masks raw/labels --lengths raw/lengths.csv \\
        --out data/spleen_fold0 --kfold 5 --fold 0
    python datasets_prep/spleen_to_mmseg.py --images raw/png --masks raw/labels --lengths raw/lengths.csv \\
        --out data/spleen --spacing 0.3 --patient-regex '^(P\\d+)_' --fractions 0.7 0.1 0.2

meta.csv columns: filename,split,patient_id,spacing_mm,length_mm,height,width. Spacing from --spacing,
else PixelSpacing, else SequenceOfUltrasoundRegions PhysicalDeltaX (cm -> mm). Masks become 0/1.
See organseg_plugins.core.converters.spleen.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.converters.cases import parse_fractions
from organseg_plugins.core.converters.report import EXIT_HELP, add_common_cli_args, print_summary
from organseg_plugins.core.converters.spleen import convert_spleen
from organseg_plugins.core.converters.splits import read_assignment


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(
        description="Spleen ultrasound images (DICOM, or PNG/JPEG with --spacing) + masks (DICOM/PNG, same stem) + "
        "lengths CSV (filename,length_mm) -> OUT/img_dir/{split}, OUT/ann_dir/{split} (0/1), OUT/meta.csv, "
        "COCO JSON, splits.json; split by patient.",
        epilog=EXIT_HELP,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--images", required=True, help="folder of ultrasound images")
    p.add_argument("--masks", required=True, help="folder of label masks (same stem as the image)")
    p.add_argument("--lengths", default=None, help="CSV with columns filename,length_mm")
    p.add_argument("--out", required=True, help="output folder (outside the inputs)")
    p.add_argument("--spacing", type=float, default=None, help="pixel spacing in mm for all images (overrides DICOM)")
    p.add_argument("--patient-regex", default=None, help="regex giving the patient id of a file name "
                   "(default: DICOM PatientID)")
    p.add_argument("--assignment", default=None, help="patient split file from make_splits.py")
    p.add_argument("--kfold", type=int, default=5, help="k-fold cross-validation by patient (the paper: 5)")
    p.add_argument("--fold", type=int, default=0, help="fold laid out as validation")
    p.add_argument("--test-fraction", type=float, default=0.0, help="held-out test patients (k-fold mode)")
    p.add_argument("--fractions", nargs="+", type=float, default=None,
                   help="train val test fractions: a plain split instead of k-fold")
    p.add_argument("--seed", type=int, default=0, help="random seed of the split")
    p.add_argument("--mask-suffix", default="", help="mask file = <image stem><suffix>.png/.dcm")
    p.add_argument("--mask-label", type=int, default=None, help="foreground value of multi-label masks")
    p.add_argument("--allow-missing-length", action="store_true",
                   help="convert images without a length (length_mm left empty) instead of reporting them")
    add_common_cli_args(p)
    return p.parse_args(argv)


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the conversion; return the exit status."""
    args = parse_args(argv)
    assignment = read_assignment(args.assignment, args.fold) if args.assignment else None
    report = convert_spleen(
        args.images, args.masks, args.lengths, args.out, spacing=args.spacing, patient_regex=args.patient_regex,
        assignment=assignment, kfold=args.kfold, fold=args.fold,
        fractions=parse_fractions(args.fractions) if args.fractions else None, test_fraction=args.test_fraction,
        seed=args.seed, mask_suffix=args.mask_suffix, mask_label=args.mask_label,
        allow_missing_length=args.allow_missing_length, overwrite=args.overwrite, dry_run=args.dry_run,
        progress=not args.no_progress,
    )
    return print_summary(report, args)


if __name__ == "__main__":
    main()
