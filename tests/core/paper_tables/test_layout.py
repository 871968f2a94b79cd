"""organseg_plugins.core.paper_tables.layout: the registry of paper layouts."""

import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.paper_tables import get_layout, layout_names
from organseg_plugins.core.paper_tables.layout import Layout, register_layout


def test_registered_layouts():
    assert {"spleen_table2", "liver_table6"} <= set(layout_names())
    assert get_layout("liver_table6").columns == ("Mask IoU (%)", "Trimap IoU (%)", "F-measure (%)",
                                                  "Boundary IoU (%)")


def test_unknown_and_duplicate():
    with pytest.raises(OrgansegInputError, match="unknown table layout 'nope' .*spleen_table2"):
        get_layout("nope")
    with pytest.raises(ValueError, match="registered twice"):
        register_layout(Layout("spleen_table2", "t", ("x",), ("",), lambda r, a, b: None))


def test_decimals():
    lay = get_layout("spleen_table2")
    assert lay.decimals_of("kappa") == 4 and lay.decimals_of("IoU (%)") == 2
