"""Compare a folder of predicted masks with a folder of ground-truth masks (all metrics of the core).

    python tools/evaluate_masks.py PRED_DIR GT_DIR [--spacing 0.8 | --spacing 2.5 0.8 0.8]
        [--volumes [--case-regex RX] --slice-thickness MM] [--csv per_case.csv]
        [--metrics dice jaccard hd95 ...] [--hd95-mode max_directed|pooled] [--trimap-width PX]
        [--dilation-ratio R] [--f-tolerance PX] [--label N] [--segment S] [--strict] [--no-progress]
        [--workers N]

Masks are 0/1 PNG/BMP/TIFF, NIfTI (``.nii``/``.nii.gz``) or DICOM / DICOM-SEG (``.dcm``) files,
paired by file stem. Spacing (mm) comes from the files (NIfTI zooms, DICOM PixelSpacing) unless
``--spacing`` is given; PNG files have none (distances in pixels unless ``--spacing``).
``--volumes`` stacks 2-D slices named ``<case>_s<slice>`` (see ``--case-regex``) into one volume
per case and evaluates per volume (z spacing from ``--slice-thickness`` or a 3-value
``--spacing``). Prints mean, std, min and max over cases per metric (statistics over finite values;
``n_inf`` counts cases with an infinite distance, i.e. one mask empty) and writes one CSV row per
case with ``--csv``. Files without a partner are listed as warnings (``--strict``: an error).
Cases are read and scored by ``--workers`` processes (default: one per core), with the same numbers
as one process; a progress bar shows the time left (``--no-progress``: none).
Exit status 0 on success, 2 on a user error (printed as one ``error: <message>`` line, see
:mod:`organseg_plugins.core.cli`).
"""

from __future__ import annotations

import argparse
import math
import sys

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.evaluation.folders import (
    DEFAULT_CASE_REGEX,
    evaluate_folder,
    metric_names,
    pair_files,
    summarize,
    write_rows_csv,
)
from organseg_plugins.core.io.tables import write_csv
from organseg_plugins.core.paper_tables.render import text_table
from organseg_plugins.core.parallel import add_workers_argument

_BOUNDARY = ("boundary_iou", "trimap_iou", "boundary_precision", "boundary_recall", "boundary_f")
_MAX_LISTED = 20


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Evaluate predicted masks against ground-truth masks (paired by file name).",
        epilog="Metrics: " + " ".join(metric_names()),
    )
    parser.add_argument("pred_dir", help="folder of predicted masks (.png, .nii, .nii.gz, .dcm, ...)")
    parser.add_argument("gt_dir", help="folder of ground-truth masks, same file stems")
    parser.add_argument("--spacing", type=float, nargs="+", metavar="MM", default=None,
                        help="pixel/voxel size in mm overriding the files': one value, or one per axis "
                             "(Y X for images, Z Y X for volumes)")
    parser.add_argument("--volumes", action="store_true",
                        help="stack 2-D slices into one volume per case (see --case-regex) and evaluate per volume")
    parser.add_argument("--case-regex", default=DEFAULT_CASE_REGEX, metavar="RX",
                        help="regex with named groups 'case' and 'slice' searched in each file stem "
                             f"(default {DEFAULT_CASE_REGEX!r}: ct_c002_s031 -> case ct_c002, slice 31)")
    parser.add_argument("--slice-thickness", type=float, default=None, metavar="MM",
                        help="z spacing of the stacked volumes in mm (--volumes)")
    parser.add_argument("--csv", default=None, metavar="OUT.csv", help="write the per-case rows to this CSV")
    parser.add_argument("--summary-csv", default=None, metavar="OUT.csv",
                        help="write the summary (metric, mean, std (ddof=1), min, max, n, n_inf, n_nan) to this CSV")
    parser.add_argument("--metrics", nargs="+", default=None, metavar="NAME",
                        help="metrics to show and write (default: all)")
    parser.add_argument("--hd95-mode", choices=["max_directed", "pooled"], default="max_directed",
                        help="HD95 as max of the directed 95th percentiles (MONAI, default) or pooled (medpy)")
    parser.add_argument("--trimap-width", type=float, default=5.0, metavar="PX",
                        help="trimap IoU band half-width in pixels (default 5)")
    parser.add_argument("--dilation-ratio", type=float, default=0.02, metavar="R",
                        help="Boundary IoU band width as a fraction of the image diagonal (default 0.02)")
    parser.add_argument("--boundary-width", type=int, default=None, metavar="PX",
                        help="Boundary IoU band width in pixels (overrides --dilation-ratio)")
    parser.add_argument("--f-tolerance", type=float, default=None, metavar="PX",
                        help="boundary F-measure tolerance in pixels (default: 0.008 x image diagonal)")
    parser.add_argument("--f-method", choices=["auto", "davis", "distance"], default="auto",
                        help="boundary F: the official DAVIS definition (auto: in 2-D) or the distance variant")
    parser.add_argument("--nsd-tolerance", type=float, default=None, metavar="MM",
                        help="also the normalised surface Dice at this tolerance (mm; pixels without spacing)")
    parser.add_argument("--nsd-subvoxels", action="store_true",
                        help="NSD on DeepMind's surfels (MONAI use_subvoxels=True) instead of boundary voxels")
    parser.add_argument("--surface-convention", choices=["voxel", "surfel"], default="voxel",
                        help="surface distances on boundary voxels (MONAI/medpy) or DeepMind's area-weighted surfels")
    parser.add_argument("--label", type=int, default=None,
                        help="foreground value of label-map masks (default: masks must be 0/1)")
    parser.add_argument("--segment", default=None, help="segment number or label of multi-segment DICOM-SEG files")
    parser.add_argument("--strict", action="store_true", help="files without a partner are an error")
    parser.add_argument("--no-progress", action="store_true", help="disable the progress bar")
    add_workers_argument(parser, "cases (files, or volumes with --volumes)")
    return parser.parse_args(argv)


def _fmt(v: float) -> str:
    if math.isinf(v) or math.isnan(v):
        return str(v)
    return f"{v:.4f}" if abs(v) < 1e5 else f"{v:.6g}"


def format_table(summary: dict[str, dict[str, float]]) -> str:
    """The summary as a text table (the project's one renderer): metric, mean, std, min, max, n_inf."""
    rows = [[name, _fmt(s["mean"]), _fmt(s["std"]), _fmt(s["min"]), _fmt(s["max"]), int(s["n_inf"])]
            for name, s in summary.items()]
    return text_table(["metric", "mean", "std", "min", "max", "n_inf"], rows, align="lrrrrr", frame=True)


def _warn_unmatched(args: argparse.Namespace) -> None:
    _, only_pred, only_gt = pair_files(args.pred_dir, args.gt_dir)
    for files, what in ((only_pred, "prediction(s) without ground truth"),
                        (only_gt, "ground-truth mask(s) without prediction")):
        if files:
            names = ", ".join(p.name for p in files[:_MAX_LISTED])
            more = f", ... ({len(files) - _MAX_LISTED} more)" if len(files) > _MAX_LISTED else ""
            print(f"warning: {len(files)} {what}, skipped: {names}{more}", file=sys.stderr)


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the evaluation; return the exit status."""
    args = parse_args(argv)
    known = metric_names(nsd_tolerance=args.nsd_tolerance)
    if args.metrics is not None:
        bad = [m for m in args.metrics if m not in known]
        if bad:
            raise OrgansegInputError(f"unknown metric(s) {bad}; choose from {' '.join(known)}")
        metrics = list(dict.fromkeys(args.metrics))
    else:
        metrics = known
    if args.spacing is not None and len(args.spacing) > 3:
        raise OrgansegInputError(f"--spacing takes 1 to 3 values, got {len(args.spacing)}")
    spacing = None if args.spacing is None else (args.spacing[0] if len(args.spacing) == 1 else args.spacing)
    if not args.strict:
        _warn_unmatched(args)
    rows, _ = evaluate_folder(
        args.pred_dir, args.gt_dir, spacing=spacing, volumes=args.volumes, case_regex=args.case_regex,
        slice_thickness=args.slice_thickness, label=args.label, segment=args.segment, strict=args.strict,
        progress=not args.no_progress, workers=args.workers, hd95_mode=args.hd95_mode, dilation_ratio=args.dilation_ratio,
        boundary_width=args.boundary_width, trimap_width=args.trimap_width, f_tolerance=args.f_tolerance,
        boundary_metrics=any(m in _BOUNDARY for m in metrics), f_method=args.f_method,
        nsd_tolerance=args.nsd_tolerance, nsd_subvoxels=args.nsd_subvoxels, surface_convention=args.surface_convention,
    )
    summary = summarize(rows, metrics)
    unit = "volume" if args.volumes else "file"
    print(f"{len(rows)} case(s), evaluated per {unit}: {args.pred_dir} vs {args.gt_dir}")
    no_spacing = [r["case"] for r in rows if not r["spacing_mm"]]
    if no_spacing:
        print(f"note: {len(no_spacing)} case(s) without spacing (e.g. {no_spacing[0]}): their distances "
              "and volumes are in pixels (give --spacing MM)")
    print(format_table(summary))
    if args.summary_csv:
        cols = ["metric", "mean", "std", "min", "max", "n", "n_inf", "n_nan"]
        write_csv(args.summary_csv, cols, [{"metric": k, **{c: repr(v[c]) for c in cols[1:]}} for k, v in summary.items()])
        print(f"summary: {args.summary_csv}")
    if args.csv:
        path = write_rows_csv(args.csv, rows, metrics)
        print(f"per-case results: {path}")
    return 0


if __name__ == "__main__":
    main()
