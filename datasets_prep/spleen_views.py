#!/usr/bin/env python
"""Mid-coronal + transverse spleen views with their 3-D volumes (mL), for volume estimation (DeepSPV).

From procedural 3-D phantoms, or from real 3-D label volumes (e.g. the Medical Segmentation Decathlon
spleen task's ``labelsTr/``, as Yuan et al. 2025 trained on CT-derived masks)::

    python datasets_prep/spleen_views.py --phantoms 400 --out data/phantom/spleen_views --size 64 --view-spacing 4
    python datasets_prep/spleen_views.py --labels Task09_Spleen/labelsTr --out data/spleen_views

Writes ``OUT/coronal/<name>.png``, ``OUT/transverse/<name>.png`` (0/1 masks on a ``size`` px canvas of
``view-spacing`` mm pixels), with ``--ultrasound`` B-mode renderings of them in ``OUT/images/<view>/``, and
``OUT/volumes.csv`` (name, split, volume_ml, measurements). Label volumes are
assumed axial (array z along the body axis); the views' rows run cranial to caudal. A label file that cannot
be read, or an empty one, is listed and skipped (exit status 1); see
:mod:`organseg_plugins.core.converters.spleen_views` for the conventions.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.converters.cases import parse_fractions
from organseg_plugins.core.converters.report import (
    EXIT_HELP,
    ConversionReport,
    add_common_cli_args,
    print_summary,
    progress_iter,
)
from organseg_plugins.core.converters.spleen_views import mid_views
from organseg_plugins.core.converters.splits import split_cases
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.layout import SPLITS
from organseg_plugins.core.io.paths import check_output_dir, require_dir
from organseg_plugins.core.io.view_table import view_case_row, write_view_case, write_volume_table
from organseg_plugins.core.io.volumes import is_hidden_junk, read_label_volume, volume_stem
from organseg_plugins.core.phantoms.spleen3d import random_spleen
from organseg_plugins.core.phantoms.ultrasound_views import ultrasound_views


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[1], epilog=EXIT_HELP,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--phantoms", type=int, default=None, help="number of procedural 3-D phantoms")
    src.add_argument("--labels", default=None, help="folder of 3-D label volumes (.nii/.nii.gz, .mha, ...)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--label", type=int, nargs="+", default=None,
                   help="foreground label value(s) of --labels (default: the files are 0/1)")
    p.add_argument("--size", type=int, default=128, help="view canvas size in pixels")
    p.add_argument("--view-spacing", type=float, default=2.0, help="view pixel size in mm")
    p.add_argument("--voxel-spacing", type=float, default=2.0, help="voxel size (mm) of the phantoms")
    p.add_argument("--volume-range", type=float, nargs=2, default=(50.0, 1500.0), help="phantom volumes (mL)")
    p.add_argument("--fractions", type=float, nargs="+", default=[0.7, 0.15, 0.15], help="train val test fractions")
    p.add_argument("--seed", type=int, default=0, help="seed of the phantoms, the renderings and the split")
    p.add_argument("--ultrasound", action="store_true",
                   help="also write ultrasound-like renderings of the views to OUT/images/{coronal,transverse}/")
    add_common_cli_args(p)
    args = p.parse_args(argv)
    if args.phantoms is not None and args.phantoms < 1:
        p.error("--phantoms must be >= 1")
    return args


def _cases(args: argparse.Namespace) -> list[tuple[str, object]]:
    if args.phantoms is not None:
        return [(f"phantom_{i:04d}", i) for i in range(args.phantoms)]
    folder = require_dir(args.labels, "label folder")
    files = sorted(f for f in folder.iterdir() if not is_hidden_junk(f) and
                   (f.is_file() and f.name.lower().endswith((".nii", ".nii.gz", ".mha", ".mhd", ".nrrd"))))
    if not files:
        raise OrgansegInputError(f"{folder}: no label volumes (.nii, .nii.gz, .mha, .mhd, .nrrd)")
    return [(volume_stem(f), f) for f in files]


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the conversion; return the exit status."""
    args = parse_args(argv)
    out = Path(args.out)
    check_output_dir(out, [args.labels], overwrite=args.overwrite)
    cases = _cases(args)
    splits = split_cases([n for n, _ in cases], parse_fractions(args.fractions), seed=args.seed)
    report = ConversionReport(dry_run=args.dry_run)
    rows = []
    for index, (name, item) in enumerate(progress_iter(cases, not args.no_progress, "spleen views")):
        try:
            if isinstance(item, Path):
                vol = read_label_volume(item, args.label)
                mask, spacing, source = vol.array, vol.spacing, str(item)
                if vol.direction[8] > 0:  # index z runs caudal -> cranial: put the cranial end first
                    mask = mask[::-1]
                volume_ml = float(np.count_nonzero(mask)) * float(np.prod(spacing)) / 1000.0
            else:
                shape = random_spleen(args.seed * 100003 + int(item), args.voxel_spacing, args.volume_range)
                mask, spacing, volume_ml, source = shape.mask, shape.spacing, shape.volume_ml, "phantom"
            views = mid_views(mask, spacing, args.size, args.view_spacing, source=str(item))
        except OrgansegInputError as err:
            report.error(item, str(err))
            report.skipped += 1
            continue
        if views.clipped:
            report.warn(item, f"the organ touches the border of the {'/'.join(views.clipped)} view "
                        f"(field of view {args.size * args.view_spacing:g} mm): raise --size or --view-spacing")
        rows.append(view_case_row(name, splits[name], volume_ml, views, source))
        if not args.dry_run:
            images = ultrasound_views(views, (args.seed, index)) if args.ultrasound else None
            report.outputs += write_view_case(out, name, views, images)
        report.converted += 1
    if rows and not args.dry_run:
        write_volume_table(out, rows)
        report.outputs.append("volumes.csv")
    for split in SPLITS:
        report.extra[split] = sum(r["split"] == split for r in rows)
    return print_summary(report, args)


if __name__ == "__main__":
    main()
