"""volumes.csv and the view PNGs: write, read back, refuse bad rows (naming the row)."""

from __future__ import annotations

import numpy as np
import pytest

from organseg_plugins.core.converters.spleen_views import mid_views
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.images import read_binary_mask
from organseg_plugins.core.io.view_table import (
    VOLUME_COLUMNS,
    read_volume_table,
    view_case_row,
    write_view_case,
    write_volume_table,
)
from organseg_plugins.core.phantoms.spleen3d import ellipsoid_mask


def test_round_trip(tmp_path):
    views = mid_views(ellipsoid_mask((40, 20, 30), 1.0), 1.0, 64, 2.0)
    written = write_view_case(tmp_path, "case_a", views)
    assert written == ["coronal/case_a.png", "transverse/case_a.png"]
    assert np.array_equal(read_binary_mask(tmp_path / "coronal" / "case_a.png"), views.coronal)
    rows = [view_case_row("case_b", "test", 12.5, views), view_case_row("case_a", "train", 100.53, views, "x.nii")]
    path = write_volume_table(tmp_path, rows)
    header = path.read_text().splitlines()[0]
    assert header == ",".join(VOLUME_COLUMNS)
    back = read_volume_table(path)
    assert [r["name"] for r in back] == ["case_a", "case_b"]  # sorted by name
    assert back[0]["volume_ml"] == 100.53 and back[0]["view_spacing_mm"] == 2.0 and back[0]["source"] == "x.nii"
    assert [r["name"] for r in read_volume_table(path, "test")] == ["case_b"]


@pytest.mark.parametrize("row, message", [("a,train,0,2", "row 2: volume_ml"), ("a,train,abc,2", "not a number"),
                                          ("a,train,5,-1", "view_spacing_mm")])
def test_bad_rows_are_named(tmp_path, row, message):
    p = tmp_path / "volumes.csv"
    p.write_text("name,split,volume_ml,view_spacing_mm\n" + row + "\n")
    with pytest.raises(OrgansegInputError, match=message):
        read_volume_table(p)


def test_duplicate_names_refused(tmp_path):
    p = tmp_path / "volumes.csv"
    p.write_text("name,split,volume_ml,view_spacing_mm\na,train,5,2\na,val,6,2\n")
    with pytest.raises(OrgansegInputError, match="row 3: duplicate"):
        read_volume_table(p)
