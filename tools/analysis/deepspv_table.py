#!/usr/bin/env python
"""The DeepSPV comparison table: MRVA (single / dual view) and 95% interval coverage per method.

Reads the per-case CSVs that ``VolumeMRVAMetric`` writes during ``tools/test.py`` (or validation) runs,
``work_dir/<timestamp>/volume_per_case.csv``, and adds the parameter-free ellipsoid formula
``0.523 L W T`` (dual view: length from the coronal view, width and thickness from the transverse view) from
the dataset's ``volumes.csv``. Layout of Yuan et al. 2025, "DeepSPV: a deep learning pipeline for 3D spleen
volume estimation from 2D ultrasound images" (Med Image Anal; arXiv 2411.11190), results tables::

    python tools/analysis/deepspv_table.py \\
        --result "RVAE" single work_dirs/rvae_single/<ts>/volume_per_case.csv \\
        --result "RVAE" dual work_dirs/rvae_dual/<ts>/volume_per_case.csv \\
        --result "Linear regression on length" single work_dirs/linreg/<ts>/volume_per_case.csv \\
        --views data/phantom/spleen_views --split test --out table.md

The scores are :mod:`organseg_plugins.core.spleen3d.mrva_scores`'s (also the ``deepspv_mrva`` layout of
``tools/analysis/paper_tables.py``, which reads the same CSVs from work dirs).
Exit status 0, or 2 with one ``error:`` line naming a missing or malformed CSV.
"""

from __future__ import annotations

import argparse
import math

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.atomic import atomic_write_text
from organseg_plugins.core.spleen3d import VolumeScores, ellipsoid_scores, read_case_scores

VIEWS = ("single", "dual")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description="DeepSPV table: MRVA and interval coverage per method and view")
    p.add_argument("--result", nargs=3, action="append", default=[], metavar=("METHOD", "VIEW", "CSV"),
                   help="a method's per-case CSV (VolumeMRVAMetric) for view 'single' or 'dual'; repeatable")
    p.add_argument("--views", default=None, help="views dataset folder (volumes.csv): adds the ellipsoid formula")
    p.add_argument("--split", default="test", help="split of --views used for the ellipsoid formula")
    p.add_argument("--out", default=None, help="also write the Markdown table to this file")
    return p.parse_args(argv)


def markdown(table: dict[str, dict[str, VolumeScores]]) -> str:
    """The table: one row per method, MRVA and coverage per view (``-``: not run, ``n/a``: no interval)."""

    def cell(v: float | None, missing: str) -> str:
        return missing if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"

    lines = ["| Method | MRVA single view (%) | MRVA dual view (%) | 95% CI coverage single (%) | "
             "95% CI coverage dual (%) | cases |", "|---|---|---|---|---|---|"]
    for method, per_view in table.items():
        m = [cell(per_view[v].mrva, "-") if v in per_view else "-" for v in VIEWS]
        c = [cell(per_view[v].coverage, "n/a") if v in per_view else "-" for v in VIEWS]
        n = "/".join(str(per_view[v].cases) for v in VIEWS if v in per_view)
        lines.append(f"| {method} | {m[0]} | {m[1]} | {c[0]} | {c[1]} | {n} |")
    return "\n".join(lines) + "\n"


@cli_main
def main(argv: list[str] | None = None) -> None:
    """Build and print the table."""
    args = parse_args(argv)
    if not args.result and not args.views:
        raise OrgansegInputError("nothing to tabulate: give --result METHOD VIEW CSV and/or --views")
    table: dict[str, dict[str, VolumeScores]] = {}
    for method, view, path in args.result:
        if view not in VIEWS:
            raise OrgansegInputError(f"{path}: view must be 'single' or 'dual', got {view!r}")
        table.setdefault(method, {})[view] = read_case_scores(path)
    if args.views:
        table["Ellipsoid formula 0.523 LWT"] = {"dual": ellipsoid_scores(args.views, args.split)}
    text = markdown(table)
    print(text, end="")
    if args.out:
        atomic_write_text(args.out, text)


if __name__ == "__main__":
    main()
