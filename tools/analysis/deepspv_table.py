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

The table is :func:`organseg_plugins.core.paper_tables.deepspv.deepspv_csv_table`, the module of the
``deepspv_mrva`` layout of ``tools/analysis/paper_tables.py`` (which reads the same CSVs from work dirs).
Exit status 0, or 2 with one ``error:`` line naming a missing or malformed CSV.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.io.atomic import atomic_write_text
from organseg_plugins.core.paper_tables.deepspv import deepspv_csv_table


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description="DeepSPV table: MRVA and interval coverage per method and view")
    p.add_argument("--result", nargs=3, action="append", default=[], metavar=("METHOD", "VIEW", "CSV"),
                   help="a method's per-case CSV (VolumeMRVAMetric) for view 'single' or 'dual'; repeatable")
    p.add_argument("--views", default=None, help="views dataset folder (volumes.csv): adds the ellipsoid formula")
    p.add_argument("--split", default="test", help="split of --views used for the ellipsoid formula")
    p.add_argument("--out", default=None, help="also write the Markdown table to this file")
    return p.parse_args(argv)


@cli_main
def main(argv: list[str] | None = None) -> None:
    """Build and print the table."""
    args = parse_args(argv)
    text = deepspv_csv_table(args.result, args.views, args.split)
    print(text, end="")
    if args.out:
        atomic_write_text(args.out, text)


if __name__ == "__main__":
    main()
