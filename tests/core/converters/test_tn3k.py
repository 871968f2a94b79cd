"""TN3K converter on thyroid phantoms in TN3K's layout: test kept, trainval split by fold file or seeded."""

import json

import cv2
import numpy as np

from organseg_plugins.core.converters.tn3k import convert_tn3k, read_tn3k_fold
from organseg_plugins.core.io.tables import read_meta_csv
from organseg_plugins.core.phantoms.lesions import write_tn3k_phantoms


def test_tn3k_fold_file_and_jpeg_like_masks(tmp_path):
    raw = write_tn3k_phantoms(tmp_path / "tn3k", n_trainval=4, n_test=2, height=64, width=80, seed=0)
    # a lossy mask: 0/255 plus JPEG-like noise values 3 and 250 -> binarised at 128
    m = cv2.imread(str(raw / "trainval-mask" / "0000.png"), cv2.IMREAD_UNCHANGED)
    noisy = m.copy()
    noisy[m == 0] = 3
    noisy[m == 255] = 250
    cv2.imwrite(str(raw / "trainval-mask" / "0000.png"), noisy)
    (raw / "fold0.json").write_text(json.dumps({"train": [0, 1, 2], "val": [3]}))
    assert read_tn3k_fold(raw / "fold0.json") == {"0000": "train", "0001": "train", "0002": "train", "0003": "val"}
    out = tmp_path / "out"
    report = convert_tn3k(raw, out, fold_json=raw / "fold0.json", progress=False)
    assert report.ok and report.converted == 6
    assert report.extra["images per split"] == {"test": 2, "train": 3, "val": 1}
    meta = read_meta_csv(out / "meta.csv")
    assert meta["trainval_0003.png"]["split"] == "val" and meta["test_0001.png"]["split"] == "test"
    written = cv2.imread(str(out / "ann_dir" / "train" / "trainval_0000.png"), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(written, (m > 0).astype(np.uint8))


def test_tn3k_strict_masks_without_threshold(tmp_path):
    raw = write_tn3k_phantoms(tmp_path / "tn3k", n_trainval=3, n_test=1, height=64, width=80, seed=1)
    m = cv2.imread(str(raw / "test-mask" / "0000.png"), cv2.IMREAD_UNCHANGED)
    m[m == 255] = 250
    cv2.imwrite(str(raw / "test-mask" / "0000.png"), m)
    report = convert_tn3k(raw, tmp_path / "out", mask_threshold=None, progress=False)
    assert report.skipped == 1
    assert [str(e) for e in report.errors] == [
        f"{raw / 'test-image' / '0000.png'}: {raw / 'test-mask' / '0000.png'}: mask has values {{0, 250}} (dtype "
        "uint8); expected 0/1 (a label map: choose the organ's value with label= / --label)"]
    assert report.extra["images per split"].get("val", 0) + report.extra["images per split"]["train"] == 3
