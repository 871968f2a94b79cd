"""BUSI converter on the BUSI-like phantom fixture: extra masks OR-merged, normal excluded, 0/255 -> 0/1,
stratified 7:1:2 split, and one report line naming the file for each bad input."""

import cv2
import numpy as np
import pytest

from organseg_plugins.core.converters.busi import convert_busi
from organseg_plugins.core.io.tables import read_meta_csv
from organseg_plugins.core.phantoms.lesions import write_busi_phantoms


@pytest.fixture(scope="module")
def busi(tmp_path_factory):
    root = tmp_path_factory.mktemp("busi_raw")
    # benign 1, 6 and malignant 1 get a "_mask_1" extra (every 5th lesion image, N = 1, 6, ...)
    write_busi_phantoms(root, {"benign": 10, "malignant": 5, "normal": 3}, height=64, width=80, seed=3)
    return root


def _read(path):
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)


def test_merge_exclusion_and_01(busi, tmp_path):
    out = tmp_path / "out"
    report = convert_busi(busi, out, progress=False)
    assert report.ok and report.converted == 15  # 10 benign + 5 malignant, normal excluded
    assert report.notes["images with extra lesion masks merged"] == 3
    meta = read_meta_csv(out / "meta.csv")
    assert not any(k.startswith("normal") for k in meta)
    raw = busi / "Dataset_BUSI_with_GT" / "benign"
    m0 = _read(raw / "benign (1)_mask.png")
    m1 = _read(raw / "benign (1)_mask_1.png")
    assert set(np.unique(m0)) == {0, 255} and (m1 > 0).any()
    row = meta["benign_0001.png"]
    written = _read(out / "ann_dir" / row["split"] / "benign_0001.png")
    assert set(np.unique(written)) == {0, 1}
    np.testing.assert_array_equal(written, ((m0 > 0) | (m1 > 0)).astype(np.uint8))  # OR-merge
    assert row["n_lesions"] == 2 and row["class"] == "benign" and row["source"] == "benign (1).png"
    img = _read(out / "img_dir" / row["split"] / "benign_0001.png")
    assert img.ndim == 2 and img.shape == (64, 80)  # RGB-saved grey stored grey


def test_split_is_stratified_seeded_and_normal_optional(busi, tmp_path):
    a = convert_busi(busi, tmp_path / "a", seed=1, progress=False)
    b = convert_busi(busi, tmp_path / "b", seed=1, progress=False)
    assert (tmp_path / "a" / "meta.csv").read_text() == (tmp_path / "b" / "meta.csv").read_text()
    meta = read_meta_csv(tmp_path / "a" / "meta.csv")
    by = {}
    for row in meta.values():
        by.setdefault(row["class"], []).append(row["split"])
    # per class: benign 10 -> 7/1/2, malignant 5 -> round(3.5)/.../...; every class reaches train and test
    assert sorted(by["benign"]).count("train") == 7 and by["benign"].count("test") == 2
    assert {"train", "test"} <= set(by["malignant"])
    assert a.extra["images per class"] == b.extra["images per class"] == {"benign": 10, "malignant": 5}
    c = convert_busi(busi, tmp_path / "c", classes=("benign", "malignant", "normal"), progress=False)
    assert c.extra["images per class"]["normal"] == 3 and c.notes["images without lesion"] == 3


def test_bad_inputs_one_line_each(busi, tmp_path):
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(busi, raw)
    ben = raw / "Dataset_BUSI_with_GT" / "benign"
    (ben / "benign (2).png").unlink()                       # a mask without an image
    cv2.imwrite(str(ben / "benign (3)_mask.png"), np.full((32, 32), 255, np.uint8))  # size mismatch
    (ben / "benign (4).png").write_bytes(b"not a png")       # unreadable image
    bad = _read(ben / "benign (5)_mask.png")
    bad[0, 0] = 7
    cv2.imwrite(str(ben / "benign (5)_mask.png"), bad)        # values 0/7/255: not a mask
    report = convert_busi(raw, tmp_path / "out", progress=False)
    assert report.converted == 11 and report.skipped == 3
    lines = [str(e) for e in report.errors] + [str(w) for w in report.warnings]
    label_map = "expected 0/1 (a label map: choose the organ's value with label= / --label)"
    assert lines == [
        f"{ben / 'benign (2)_mask.png'}: mask without an image: no image benign (2).* in {ben}; not converted",
        f"{ben / 'benign (3).png'}: {ben / 'benign (3)_mask.png'}: mask size 32x32 differs from the image size "
        "80x64 (size mismatch)",
        f"{ben / 'benign (4).png'}: cannot be decoded as an image (corrupt or not an image)",
        f"{ben / 'benign (5).png'}: {ben / 'benign (5)_mask.png'}: mask has values {{0, 7, 255}} (dtype uint8); "
        f"{label_map}",
    ]
    assert report.exit_code() == 1 and len(report.errors) == 4 and not report.warnings
    assert all("\n" not in ln for ln in lines)
