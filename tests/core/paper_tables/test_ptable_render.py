"""organseg_plugins.core.paper_tables.render: Markdown, CSV and LaTeX of a built table."""

import csv
import io

from organseg_plugins.core.metrics.summary import summarize_values
from organseg_plugins.core.paper_tables import build_table, get_layout, to_csv, to_latex, to_markdown
from organseg_plugins.core.paper_tables.records import RunRecord
from organseg_plugins.core.paper_tables.render import format_cell


def _table():
    rows = [[{"MaskIoU": 80.0, "TrimapIoU": 60.0, "Fmeasure": 70.0, "BoundaryIoU": 50.0}],
            [{"MaskIoU": 90.0, "TrimapIoU": 70.0, "Fmeasure": 80.0, "BoundaryIoU": 60.0}]]
    runs = [RunRecord("U_Net", f, 0, "w", "detectron2", None, {}, r, None, None) for f, r in enumerate(rows)]
    return build_table(get_layout("liver_table6"), runs)


def test_format_cell():
    assert format_cell(None, 2) == ""
    assert format_cell(summarize_values([1.0]), 2) == "1.00"
    assert format_cell(summarize_values([1.0, 3.0]), 1) == "2.0 ± 1.4"


def test_markdown():
    md = to_markdown(_table())
    assert "| Method | Mask IoU (%) | Trimap IoU (%) | F-measure (%) | Boundary IoU (%) |" in md
    assert "| U_Net | 85.00 ± 7.07 | 65.00 ± 7.07 | 75.00 ± 7.07 | 55.00 ± 7.07 |" in md
    assert "| U_Net | 85.00 | 65.00 | 75.00 | 55.00 | 2 |" in md  # pooled per-image table


def test_csv_full_precision():
    rows = list(csv.DictReader(io.StringIO(to_csv(_table()))))
    assert rows[0]["method"] == "U_Net" and rows[0]["Mask IoU (%) mean"] == "85.0"
    assert float(rows[0]["Mask IoU (%) std"]) == 7.0710678118654755 and rows[0]["Mask IoU (%) n"] == "2"
    assert rows[1]["row"] == "pooled per-image" and rows[1]["images mean"] == "2.0"


def test_latex():
    tex = to_latex(_table())
    assert "\\begin{tabular}{lrrrr}" in tex and "Mask IoU (\\%)" in tex
    assert "U\\_Net & 85.00 $\\pm$ 7.07 &" in tex and "$\\pm$ std" in tex
