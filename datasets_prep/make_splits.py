#!/usr/bin/env python
"""Case-level train/val/test splits or k-fold folds (no case in two splits), optionally laid out.

Examples::

    # 70/15/15 by case from the file names of a flat folder, written as JSON
    python datasets_prep/make_splits.py --images flat/images --case-regex '^(case\\d+)_' --out splits.json
    # the spleen paper: 5-fold 80:20 at patient level; lay out fold 0 as an MMSeg tree
    python datasets_prep/make_splits.py --images flat/images --masks flat/masks --case-regex '^(p\\d+)' \\
        --kfold 5 --out splits.json --layout data/spleen_fold0 --fold 0
    # BUSI 7:1:2 stratified by class ("benign (12).png" / "malignant (3).png")
    python datasets_prep/make_splits.py --images busi/all --case-regex '^(.*)\\.png$' \\
        --fractions 0.7 0.1 0.2 --stratify-regex '^(benign|malignant)' --out busi_splits.csv

The assignment is deterministic for a seed (case ids are sorted before the seeded shuffle).
See organseg_plugins.core.converters.splits.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.converters.cases import case_id_from_name, parse_fractions
from organseg_plugins.core.converters.report import (
    EXIT_HELP,
    ConversionReport,
    add_common_cli_args,
    print_summary,
)
from organseg_plugins.core.converters.splits import (
    cases_from_files,
    fold_assignment,
    kfold_cases,
    layout_mmseg,
    read_assignment,
    split_cases,
    write_assignment,
)
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.images import IMAGE_EXTS
from organseg_plugins.core.io.paths import list_files, require_dir
from organseg_plugins.core.io.tables import read_csv_rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(
        description="Split cases (patients) into train/val/test or k folds, never one case in two splits; write "
        "the assignment (JSON or CSV) and optionally lay out OUT/img_dir/{split}, OUT/ann_dir/{split}.",
        epilog=EXIT_HELP,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    src = p.add_argument_group("cases (one source)")
    src.add_argument("--images", default=None, help="flat folder of images; case ids from file names (--case-regex)")
    src.add_argument("--cases", nargs="+", default=None, help="case ids given directly")
    src.add_argument("--cases-csv", default=None, help="CSV with a case id column")
    src.add_argument("--case-column", default="case_id", help="column of --cases-csv")
    src.add_argument("--assignment", default=None, help="use this existing assignment instead of computing one")
    p.add_argument("--case-regex", default=None,
                   help="regex giving the case id of a file name (named group 'case', or group 1, or the match)")
    how = p.add_argument_group("split")
    how.add_argument("--fractions", nargs="+", type=float, default=[0.7, 0.15, 0.15],
                     help="train val test fractions (sum 1)")
    how.add_argument("--kfold", type=int, default=None, help="k-fold cross-validation instead of --fractions")
    how.add_argument("--test-fraction", type=float, default=0.0, help="held-out test cases with --kfold")
    how.add_argument("--stratify-regex", default=None, help="regex giving a stratum (class) of a file name")
    how.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--out", default=None, help="assignment file to write (.json full, .csv readable)")
    lay = p.add_argument_group("layout (optional)")
    lay.add_argument("--layout", default=None, help="lay out an MMSeg tree here (needs --images, --masks)")
    lay.add_argument("--masks", default=None, help="flat folder of masks (same stem as the images)")
    lay.add_argument("--mask-suffix", default="", help="mask file = <image stem><suffix>.png")
    lay.add_argument("--mask-label", type=int, default=None, help="foreground value of multi-label masks")
    lay.add_argument("--fold", type=int, default=None, help="fold laid out (k-fold; default 0)")
    lay.add_argument("--meta", default=None, help="CSV with a filename column whose columns go to meta.csv")
    lay.add_argument("--category", default="organ", help="COCO category name of the layout")
    lay.add_argument("--no-coco", action="store_true", help="no COCO files in the layout")
    add_common_cli_args(p)
    return p.parse_args(argv)


def _collect(args: argparse.Namespace, report: ConversionReport) -> tuple[list[str], dict[str, str] | None]:
    strata = None
    if args.cases:
        return list(args.cases), None
    if args.cases_csv:
        rows = read_csv_rows(args.cases_csv, (args.case_column,))
        return [r[args.case_column] for r in rows if r[args.case_column]], None
    if not args.images:
        raise OrgansegInputError("give the cases: --images DIR --case-regex RX, --cases ..., --cases-csv or --assignment")
    if not args.case_regex:
        raise OrgansegInputError("--images needs --case-regex to derive case ids from file names")
    names = [f.name for f in list_files(require_dir(args.images, "images folder"), IMAGE_EXTS)]
    if not names:
        raise OrgansegInputError(f"{args.images}: no images")
    by_file = cases_from_files(names, args.case_regex, report)
    if args.stratify_regex:
        strata = {}
        for name, case in by_file.items():
            try:
                s = case_id_from_name(name, args.stratify_regex)
            except OrgansegInputError as exc:
                report.error(name, str(exc).split(": ", 1)[-1])
                continue
            if strata.setdefault(case, s) != s:
                raise OrgansegInputError(f"{name}: case {case!r} has files in two strata ({strata[case]!r}, {s!r})")
    return sorted(set(by_file.values())), strata


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Compute/write the assignment, optionally lay out the tree; return the exit status."""
    args = parse_args(argv)
    report = ConversionReport(dry_run=args.dry_run)
    if args.assignment:
        assign = read_assignment(args.assignment, args.fold)
        full: dict = assign
        print(f"read {len(assign)} case(s) from {args.assignment}")
    else:
        cases, strata = _collect(args, report)
        if args.kfold:
            full = kfold_cases(cases, args.kfold, args.seed, args.test_fraction, strata)
            assign = fold_assignment(full, args.fold or 0)
            sizes = [sum(1 for f in full["val_fold"].values() if f == i) for i in range(args.kfold)]
            print(f"{len(cases)} case(s): {args.kfold} folds of {sizes} validation case(s), "
                  f"{len(full['test'])} held-out test case(s), seed {args.seed}")
        else:
            full = assign = split_cases(cases, parse_fractions(args.fractions), args.seed, strata)
            counts = {s: sum(1 for v in assign.values() if v == s) for s in sorted(set(assign.values()))}
            print(f"{len(cases)} case(s) -> {counts} (seed {args.seed})")
        if args.out and not args.dry_run:
            meta = {"seed": args.seed, "case_regex": args.case_regex, "stratify_regex": args.stratify_regex}
            if not args.kfold:
                meta["fractions"] = parse_fractions(args.fractions)
            write_assignment(args.out, full, meta)
            print(f"wrote {args.out}")
    if args.layout:
        if not (args.images and args.masks and args.case_regex):
            raise OrgansegInputError("--layout needs --images, --masks and --case-regex")
        lay = layout_mmseg(
            args.images, args.masks, args.layout, assign, args.case_regex, mask_suffix=args.mask_suffix,
            mask_label=args.mask_label, meta_csv=args.meta, category=None if args.no_coco else args.category,
            overwrite=args.overwrite, dry_run=args.dry_run, progress=not args.no_progress,
        )
        lay.errors = report.errors + lay.errors
        lay.skipped += report.skipped
        report = lay
    else:
        report.converted = len(assign)
        report.extra["cases per split"] = {s: sum(1 for v in assign.values() if v == s)
                                           for s in sorted(set(assign.values()))}
    return print_summary(report, args)


if __name__ == "__main__":
    main()
