"""SpleenViewsDataset: stacked views, volumes and measurements from volumes.csv; clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import organseg_plugins.mm  # noqa: F401
from organseg_plugins.core.converters.spleen_views import mid_views
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.view_table import view_case_row, write_view_case, write_volume_table
from organseg_plugins.core.phantoms.spleen3d import ellipsoid_mask
from organseg_plugins.mm.datasets.spleen_views import SpleenViewsDataset


@pytest.fixture()
def views_root(tmp_path):
    rows = []
    for i, axes in enumerate([(40, 20, 30), (30, 15, 20), (35, 20, 25)]):
        v = mid_views(ellipsoid_mask(axes, 1.0), 1.0, 32, 4.0)
        write_view_case(tmp_path, f"e{i}", v)
        rows.append(view_case_row(f"e{i}", "train" if i < 2 else "test", 10.0 * (i + 1), v))
    write_volume_table(tmp_path, rows)
    return tmp_path


def test_single_and_dual_view(views_root):
    ds = SpleenViewsDataset(data_root=str(views_root), split="train")
    assert len(ds) == 2
    s = ds[0]
    assert s["inputs"].shape == (1, 32, 32) and s["inputs"].dtype == torch.float32
    assert float(s["volume"]) == 10.0 and s["name"] == "e0"
    assert float(s["measures"]["length_mm"]) > 0 and set(np.unique(s["inputs"].numpy())) == {0.0, 1.0}
    dual = SpleenViewsDataset(data_root=str(views_root), split="test", views=("coronal", "transverse"), size=16,
                              test_mode=True)
    d = dual[0]
    assert d["inputs"].shape == (2, 16, 16) and float(d["volume"]) == 30.0


def test_errors_name_the_file(views_root, tmp_path):
    with pytest.raises(OrgansegInputError, match="volumes.csv not found"):
        SpleenViewsDataset(data_root=str(tmp_path / "none"))
    with pytest.raises(OrgansegInputError, match="no rows of split 'val'"):
        SpleenViewsDataset(data_root=str(views_root), split="val")
    with pytest.raises(OrgansegInputError, match="views must be"):
        SpleenViewsDataset(data_root=str(views_root), views=("sagittal",))
    (views_root / "transverse" / "e2.png").unlink()
    with pytest.raises(OrgansegInputError, match="e2.png"):
        SpleenViewsDataset(data_root=str(views_root), split="test", views=("coronal", "transverse"))
