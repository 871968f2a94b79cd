"""organseg_plugins.core.benchmark.folds: one MMSeg layout per fold from a k-fold of meta.csv's cases."""

from __future__ import annotations

import json

import pytest

from organseg_plugins.core.benchmark.folds import fold_data_root, fold_splits, write_fold_root
from organseg_plugins.core.benchmark.spec import DataSpec
from organseg_plugins.core.converters.splits import kfold_cases, write_assignment
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.tables import read_csv_rows
from organseg_plugins.core.phantoms.organ_slices import write_phantom_dataset


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    root = tmp_path_factory.mktemp("src")
    write_phantom_dataset(root, num_spleen=6, num_liver=0, size=64, seed=0, progress=False)
    return root / "spleen_us"


def test_each_case_is_validation_once(source, tmp_path):
    data = DataSpec(root=str(source), folds=2)
    rows = read_csv_rows(source / "meta.csv")
    cases = sorted({r["patient_id"] for r in rows})
    val = [sorted(c for c, s in fold_splits(data, f).items() if s == "val") for f in (0, 1)]
    assert sorted(val[0] + val[1]) == cases and not set(val[0]) & set(val[1])
    out = write_fold_root(data, 0, tmp_path / "f0")
    info = json.loads((out / "fold_root.json").read_text())
    assert info["test_is_val"] is True
    n_val = sum(1 for r in rows if r["patient_id"] in val[0])
    assert len(list((out / "img_dir" / "val").glob("*.png"))) == n_val
    assert len(list((out / "img_dir" / "test").glob("*.png"))) == n_val  # no held-out cases: test = val
    assert len(list((out / "img_dir" / "train").glob("*.png"))) == len(rows) - n_val
    meta = read_csv_rows(out / "meta.csv")
    assert len(meta) == len(rows)  # one row per file
    assert {m["filename"]: m["length_mm"] for m in meta} == {r["filename"]: r["length_mm"] for r in rows}
    coco = json.loads((out / "annotations" / "instances_train.json").read_text())
    assert coco["categories"][0]["name"] == "spleen"  # the source layout's category
    # written once: a second call reuses it
    (out / "img_dir" / "train" / "marker.txt").write_text("x")
    write_fold_root(data, 0, tmp_path / "f0")
    assert (out / "img_dir" / "train" / "marker.txt").is_file()


def test_split_file_with_test_cases(source, tmp_path):
    cases = sorted({r["patient_id"] for r in read_csv_rows(source / "meta.csv")})
    kf = kfold_cases(cases, k=2, seed=3, test_fraction=0.2)
    split = write_assignment(tmp_path / "folds.json", kf)
    data = DataSpec(root=str(source), split_file=str(split))
    out = write_fold_root(data, 1, tmp_path / "f1")
    n_test = sum(1 for r in read_csv_rows(source / "meta.csv") if r["patient_id"] in kf["test"])
    assert len(list((out / "img_dir" / "test").glob("*.png"))) == n_test


def test_fold_data_root_choices(source, tmp_path):
    assert fold_data_root(DataSpec(root=str(source)), 0, tmp_path) == str(source)
    assert fold_data_root(DataSpec(root=None, fold_roots=("a", "b")), 1, tmp_path) == "b"
    assert fold_data_root(DataSpec(root=str(source), folds=2), 1, tmp_path) == str(tmp_path / "folds" / "fold1")


def test_missing_case_column(source, tmp_path):
    with pytest.raises(OrgansegInputError, match="case_id"):
        fold_splits(DataSpec(root=str(source), folds=2, case_column="case_id"), 0)
