"""Seeded case-level splits, k folds, assignment files and the flat-folder layout
(organseg_plugins.core.converters.splits), and datasets_prep/make_splits.py."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from organseg_plugins.core.converters.splits import (
    fold_assignment,
    kfold_cases,
    layout_mmseg,
    read_assignment,
    split_cases,
    split_counts,
    write_assignment,
)
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.images import read_binary_mask
from tests.conftest import run_tool
from tests.core.converters.helpers import disk, hash_tree, meta_rows, write_png

CASES = [f"case{i:02d}" for i in range(25)]










def test_split_cases_disjoint_deterministic_and_sized():
    a = split_cases(CASES, {"train": 0.6, "val": 0.2, "test": 0.2}, seed=1)
    assert set(a) == set(CASES)  # every case exactly once, hence in exactly one split
    assert sorted(a.values()).count("train") == 15 and list(a.values()).count("test") == 5
    assert split_cases(list(reversed(CASES)) + CASES[:3], {"train": 0.6, "val": 0.2, "test": 0.2}, seed=1) == a
    assert split_cases(CASES, {"train": 0.6, "val": 0.2, "test": 0.2}, seed=2) != a
    assert split_counts(4, {"train": 0.9, "val": 0.05, "test": 0.05}) == {"train": 2, "val": 1, "test": 1}
    with pytest.raises(OrgansegInputError, match=r"^split fractions must sum to 1, got \{'train': 0\.8, 'val': 0\.3\} "
                                                 r"\(sum 1\.1\)$"):
        split_cases(CASES, {"train": 0.8, "val": 0.3})
    strata = {c: ("benign" if i % 3 else "malignant") for i, c in enumerate(CASES)}
    s = split_cases(CASES, {"train": 0.7, "val": 0.1, "test": 0.2}, seed=0, strata=strata)
    for k in ("benign", "malignant"):
        assert any(s[c] == "test" for c in CASES if strata[c] == k)


def test_kfold_every_case_validation_exactly_once():
    kf = kfold_cases(CASES, k=5, seed=0, test_fraction=0.2)
    assert len(kf["test"]) == 5
    rest = [c for c in CASES if c not in kf["test"]]
    seen = []
    for f in range(5):
        a = fold_assignment(kf, f)
        val = [c for c, s in a.items() if s == "val"]
        assert len(val) == 4  # 80:20 of the 20 non-test cases
        assert not set(val) & set(kf["test"]) and {c for c, s in a.items() if s == "test"} == set(kf["test"])
        seen += val
    assert sorted(seen) == sorted(rest)
    assert kfold_cases(CASES, 5, 0, 0.2) == kf
    with pytest.raises(OrgansegInputError, match=r"^fold must be in 0\.\.4, got 5$"):
        fold_assignment(kf, 5)


def test_assignment_files_round_trip(tmp_path):
    a = split_cases(CASES, seed=0)
    for ext in ("json", "csv"):
        write_assignment(tmp_path / f"a.{ext}", a, {"seed": 0})
        assert read_assignment(tmp_path / f"a.{ext}") == a
    kf = kfold_cases(CASES, 5, 3)
    for ext, what in (("json", "a 5-fold assignment"), ("csv", "a k-fold assignment")):
        write_assignment(tmp_path / f"k.{ext}", kf)
        assert read_assignment(tmp_path / f"k.{ext}", fold=2) == fold_assignment(kf, 2)
        with pytest.raises(OrgansegInputError, match=rf"^{re.escape(str(tmp_path / f'k.{ext}'))}: {what}; "
                                                     r"choose the fold \(--fold\)$"):
            read_assignment(tmp_path / f"k.{ext}")


def test_layout_mmseg_from_flat_folder(tmp_path):
    flat_i, flat_m = tmp_path / "flat" / "images", tmp_path / "flat" / "masks"
    for c in range(6):
        for s in range(3):
            write_png(flat_i / f"pat{c}_img{s}.png", np.full((20, 24), 10 * c + s, np.uint8))
            write_png(flat_m / f"pat{c}_img{s}.png", disk(20, 24, 10, 12, 3 + s) * 255)
    write_png(flat_m / "pat5_img2.png", np.full((20, 24), 7, np.uint8))  # not a binary mask
    before = hash_tree(tmp_path / "flat")
    assign = split_cases([f"pat{c}" for c in range(6)], {"train": 0.5, "val": 0.25, "test": 0.25}, seed=0)
    out = tmp_path / "mm"
    rep = layout_mmseg(flat_i, flat_m, out, assign, r"^(pat\d+)_", category="spleen", progress=False)
    assert hash_tree(tmp_path / "flat") == before
    assert rep.converted == 17 and rep.skipped == 1
    assert [(e.path, e.message) for e in rep.errors] == [
        (str(flat_i / "pat5_img2.png"), f"{flat_m / 'pat5_img2.png'}: mask has values {{7}} (dtype uint8); expected "
                                        "0/1 (a label map: choose the organ's value with label= / --label)")]
    case_split = {}
    for sp in ("train", "val", "test"):
        for p in (out / "img_dir" / sp).glob("*.png"):
            case = p.name.split("_")[0]
            assert case_split.setdefault(case, sp) == sp  # no case in two splits
            assert assign[case] == sp
            np.testing.assert_array_equal(read_binary_mask(out / "ann_dir" / sp / p.name),
                                          disk(20, 24, 10, 12, 3 + int(p.stem[-1])))
    meta = meta_rows(out / "meta.csv")
    assert {r["case_id"] for r in meta} == set(case_split) and len(meta) == 17
    assert json.loads((out / "splits.json").read_text())["cases"] == assign


def test_cli_make_splits_layout(tmp_path):
    flat_i, flat_m = tmp_path / "i", tmp_path / "m"
    for c in range(5):
        write_png(flat_i / f"p{c}_1.png", np.zeros((8, 8), np.uint8))
        write_png(flat_m / f"p{c}_1.png", np.eye(8, dtype=np.uint8))
    proc = run_tool("datasets_prep/make_splits.py", "--images", str(flat_i), "--masks", str(flat_m), "--case-regex",
                    r"^(p\d+)_", "--kfold", "5", "--fold", "3", "--out", str(tmp_path / "s.json"),
                    "--layout", str(tmp_path / "mm"), "--no-progress", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kf = json.loads((tmp_path / "s.json").read_text())["kfold"]
    val_case = [c for c, f in kf["val_fold"].items() if f == 3]
    assert [p.stem.split("_")[0] for p in (tmp_path / "mm" / "img_dir" / "val").glob("*.png")] == val_case
    assert len(list((tmp_path / "mm" / "ann_dir" / "train").glob("*.png"))) == 4
