"""One-sided paired t-test of a model's per-image scores against each baseline's (ARU-Net Table 4).

    python tools/analysis/paired_ttest.py MODEL.csv BASELINE.csv [BASELINE.csv ...] --metric iou \\
        [--class lesion] [--key img_path] [--names ARU-Net U-Net ...] [--alternative greater] [--out table.md]

The CSVs are per-image tables such as ``OrganSegMetric(csv_file=...)`` writes with tools/test.py (columns
img_path, class, iou, dice, precision, recall); images are matched by file name and an image missing from one
table is an error naming it. t = mean(d) / (s_d / sqrt(n)) with p from scipy (= scipy.stats.ttest_rel(model,
baseline, alternative="greater")). Prints a Markdown table (and writes it with --out). See
organseg_plugins.core.paired_stats.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.atomic import atomic_write_text
from organseg_plugins.core.paired_stats import match_scores, paired_ttest, read_scores, ttest_markdown


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
    names = a.names or [Path(f).stem for f in [a.model, *a.baselines]]
    if len(names) != 1 + len(a.baselines):
        raise OrgansegInputError(f"--names needs {1 + len(a.baselines)} names (model + baselines), got {len(names)}")
    model = read_scores(a.model, a.metric, a.key, a.cls)
    rows = []
    for name, path in zip(names[1:], a.baselines):
        _, x, y = match_scores(model, read_scores(path, a.metric, a.key, a.cls), a.model, path)
        rows.append((name, paired_ttest(x, y, a.alternative)))
    table = ttest_markdown(names[0], rows, a.metric)
    print(table, end="")
    if a.out:
        atomic_write_text(a.out, table)
    return 0


if __name__ == "__main__":
    main()
