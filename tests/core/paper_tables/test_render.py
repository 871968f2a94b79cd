"""organseg_plugins.core.paper_tables.render: Markdown, CSV and LaTeX of a built table."""

import csv
import io

import pytest

from organseg_plugins.core.metrics.summary import summarize_values
from organseg_plugins.core.paper_tables import build_table, get_layout, to_csv, to_latex, to_markdown
from organseg_plugins.core.paper_tables.records import RunRecord
from organseg_plugins.core.paper_tables.render import format_cell, format_p_value, markdown_table, text_table


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


def test_markdown_table_and_alignment():
    assert markdown_table(["a", "b"], [[1, "x"], [2.5, ""]]) == "| a | b |\n|---|---|\n| 1 | x |\n| 2.5 |  |\n"
    assert markdown_table(["a", "b", "c"], [], align="lrc").splitlines()[1] == "|---|---:|:---:|"
    with pytest.raises(ValueError, match=r"row \['1'\] has 1 cells for 2 columns"):
        markdown_table(["a", "b"], [[1]])
    with pytest.raises(ValueError, match="align needs one of"):
        markdown_table(["a", "b"], [], align="l")


def test_text_table_pads_and_rules():
    text = text_table(["Config", "Params (M)"], [["unet", "29.06"], ["segformer_b0", "3.72"]], align="lr")
    assert text.splitlines() == ["Config        Params (M)", "------------------------",
                                 "unet               29.06", "segformer_b0        3.72"]
    piped = text_table(["A", "Bee"], [["long cell", "1"]], sep=" | ")
    assert piped.splitlines() == ["A         | Bee", "----------+----", "long cell | 1"]
    boxed = text_table(["metric (%)", "mean"], [["MaskIoU", "85.00"], ["Fmeasure", "7.5"]], align="lr", frame=True)
    assert boxed.splitlines() == ["+------------+-------+", "| metric (%) |  mean |", "+------------+-------+",
                                  "| MaskIoU    | 85.00 |", "| Fmeasure   |   7.5 |", "+------------+-------+"]


def test_format_p_value():
    assert format_p_value(0.01234) == "0.0123" and format_p_value(1.234e-5) == "1.23e-05"
    assert format_p_value(float("nan")) == "nan"
