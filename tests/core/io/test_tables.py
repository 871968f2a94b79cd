"""meta.csv reading: numbers parsed, empty cells left out, bad spacing named with file, row and column."""

from __future__ import annotations

import re

import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io import csv_text, read_meta_csv, write_csv


def test_read_meta_csv_parses_numbers_and_empty_cells_are_none(tmp_path):
    p = write_csv(tmp_path / "meta.csv", ["filename", "split", "spacing_mm", "length_mm", "n"],
                  [{"filename": "a.png", "split": "train", "spacing_mm": "0.5", "length_mm": "", "n": "3"}])
    assert read_meta_csv(p) == {"a.png": {"split": "train", "spacing_mm": 0.5, "length_mm": None, "n": 3}}


@pytest.mark.parametrize("value", ["nan", "0", "-0.4", "abc", "inf"])
def test_bad_spacing_names_file_row_and_column(tmp_path, value):
    p = tmp_path / "meta.csv"
    p.write_text("filename,spacing_mm\na.png,0.5\nb.png," + value + "\n")
    with pytest.raises(OrgansegInputError, match=re.escape(f"{p}: row 3 (b.png) has spacing_mm={value!r}")) as err:
        read_meta_csv(p)
    # row 1 is the header, so b.png is row 3
    assert str(err.value).startswith(f"{p}: row 3 (b.png) has spacing_mm={value!r}; expected a positive number")


def test_duplicate_and_missing_key(tmp_path):
    p = tmp_path / "meta.csv"
    p.write_text("filename,spacing_mm\na.png,0.5\na.png,0.6\n")
    with pytest.raises(OrgansegInputError, match="row 3 repeats filename 'a.png'"):
        read_meta_csv(p)
    p.write_text("name,spacing_mm\na.png,0.5\n")
    with pytest.raises(OrgansegInputError, match=r"lacks the column\(s\) \['filename'\]"):
        read_meta_csv(p)


def test_csv_text_is_deterministic():
    assert csv_text(["a", "b"], [{"a": 1}, {"a": "x", "b": 2.5}]) == "a,b\n1,\nx,2.5\n"
