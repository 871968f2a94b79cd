"""One-sided paired t-test of a model's per-image scores against each baseline's (ARU-Net Table 4).

    python tools/analysis/paired_ttest.py MODEL.csv BASELINE.csv [BASELINE.csv ...] --metric iou \\
        [--class lesion] [--key img_path] [--names ARU-Net U-Net ...] [--alternative greater] [--out table.md]

The CSVs are per-image tables such as ``OrganSegMetric(csv_file=...)`` writes with tools/test.py (columns
img_path, class, iou, dice, precision, recall); images are matched by file name and an image missing from one
table is an error naming it. t = mean(d) / (s_d / sqrt(n)) with p from scipy (= scipy.stats.ttest_rel(model,
baseline, alternative="greater")). Prints a Markdown table (and writes it with --out). The same test between
benchmark runs is the p-value columns of ``paper_tables.py --layout aru_net_table4``; both are
:mod:`organseg_plugins.core.paper_tables.aru_net` (:func:`paired_ttest_table` here).
Exit status 0, or 2 with one ``error:`` line.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.io.atomic import atomic_write_text
from organseg_plugins.core.paper_tables.aru_net import paired_ttest_table


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description="Paired t-test of per-image scores: model vs each baseline.")
    p.add_argument("model", help="per-image CSV of the model")
    p.add_argument("baselines", nargs="+", help="per-image CSVs of the baselines")
    p.add_argument("--metric", default="iou", help="score column (iou, dice, precision, recall, ...)")
    p.add_argument("--key", default="img_path", help="image column (matched by file name)")
    p.add_argument("--class", dest="cls", default=None, help="keep rows of this class (column 'class')")
    p.add_argument("--names", nargs="+", default=None, help="model name, then one name per baseline")
    p.add_argument("--alternative", default="greater", choices=("greater", "less", "two-sided"))
    p.add_argument("--out", default=None, help="also write the Markdown table here")
    return p.parse_args(argv)


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the tests and print the table; return the exit status."""
    a = parse_args(argv)
    table = paired_ttest_table(a.model, a.baselines, a.metric, a.key, a.cls, a.names, a.alternative)
    print(table, end="")
    if a.out:
        atomic_write_text(a.out, table)
    return 0


if __name__ == "__main__":
    main()
