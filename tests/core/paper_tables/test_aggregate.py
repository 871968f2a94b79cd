"""organseg_plugins.core.paper_tables.aggregate: mean +- std (ddof=1) over a method's folds."""

import math

import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.paper_tables import build_table, get_layout
from organseg_plugins.core.paper_tables.records import RunRecord


def _run(method, fold, miou, params=3.0):
    return RunRecord(method, fold, 0, "w", "mmseg", "c.py", {"mIoU": miou, "IoU.spleen": miou - 10}, [], None,
                     None, {"params_m": params})


def test_mean_std_over_folds():
    runs = [_run("a", 0, 80.0), _run("a", 1, 90.0), _run("b", 0, 70.0)]
    t = build_table(get_layout("spleen_table2"), runs, ["b", "a"])
    assert [(r.method, r.label) for r in t.rows][:3] == [("b", "background"), ("b", "spleen"), ("b", "All")]
    a_all = t.rows[5]
    assert (a_all.method, a_all.label, a_all.runs, a_all.folds) == ("a", "All", 2, (0, 1))
    cell = a_all.cells["IoU (%)"]
    assert cell.mean == 85.0 and cell.std == pytest.approx(math.sqrt(50.0))  # sqrt(((5)^2 + (5)^2) / 1)
    assert a_all.cells["Params (M)"].n == 1  # a model size: one value, no std
    assert a_all.cells["kappa"] is None  # not in the runs' metrics: blank
    assert t.rows[4].cells["IoU (%)"].mean == 75.0  # a, spleen row


def test_errors():
    with pytest.raises(OrgansegInputError, match="no finished runs"):
        build_table(get_layout("liver_table6"), [])
    with pytest.raises(OrgansegInputError, match="method 'x': no finished run"):
        build_table(get_layout("liver_table6"), [_run("a", 0, 1.0)], ["x"])
