"""The one mmseg-layout writer: files, meta.csv, COCO per split, image ids; a dry run writes nothing."""

from __future__ import annotations

import json

import numpy as np

from organseg_plugins.core.io import MMSegLayoutWriter, read_binary_mask, read_csv_rows


def _mask(h=12, w=10, box=(2, 6, 3, 8)):
    m = np.zeros((h, w), np.uint8)
    m[box[0]:box[1], box[2]:box[3]] = 1
    return m


def test_writer_layout(tmp_path):
    w = MMSegLayoutWriter(tmp_path)
    img = np.full((12, 10), 100, np.uint8)
    assert w.add("train", "b", img, _mask(), {"case_id": "c2"}) == 1
    assert w.add("train", "a", img, np.zeros((12, 10), np.uint8), {"case_id": "c1"}) == 2
    assert w.add("val", "c", img, _mask(), {"case_id": "c3"}) == 1
    n_anns, warns = w.finish(["filename", "split", "case_id"], [{"id": 1, "name": "liver"}],
                             info={"description": "test {split}"})
    assert n_anns == {"train": 1, "val": 1} and warns == []  # the empty mask has no annotation
    np.testing.assert_array_equal(read_binary_mask(tmp_path / "ann_dir/train/b.png"), _mask())
    rows = read_csv_rows(tmp_path / "meta.csv")
    assert [r["filename"] for r in rows] == ["a.png", "b.png", "c.png"]  # sorted by file name
    assert rows[0] == {"filename": "a.png", "split": "train", "case_id": "c1"}
    coco = json.loads((tmp_path / "annotations/instances_train.json").read_text())
    assert coco["info"]["description"] == "test train"
    assert [im["file_name"] for im in coco["images"]] == ["img_dir/train/b.png", "img_dir/train/a.png"]
    assert coco["annotations"][0]["image_id"] == 1 and coco["annotations"][0]["area"] == 4 * 5
    assert w.images_per_split() == {"train": 2, "val": 1}


def test_dry_run_writes_nothing(tmp_path):
    w = MMSegLayoutWriter(tmp_path / "out", dry_run=True)
    w.add("train", "x", np.zeros((12, 10), np.uint8), _mask())
    n_anns, _ = w.finish(["filename", "split"], [{"id": 1, "name": "organ"}])
    assert n_anns == {"train": 1} and not (tmp_path / "out").exists()


def test_merged_entries_equal_direct_adds(tmp_path):
    """Workers' writers (files written there) merged in order = one writer adding everything itself."""
    img = np.full((12, 10), 100, np.uint8)
    items = [("train", "a", _mask()), ("val", "b", np.zeros((12, 10), np.uint8)), ("train", "c", _mask(box=(0, 3, 0, 2)))]
    direct = MMSegLayoutWriter(tmp_path / "direct")
    for sp, stem, m in items:
        direct.add(sp, stem, img, m, {"case_id": stem})
    merged = MMSegLayoutWriter(tmp_path / "merged")
    for part in ([items[0]], items[1:]):  # two "workers", merged in case order
        w = MMSegLayoutWriter(tmp_path / "merged")
        for sp, stem, m in part:
            w.add(sp, stem, img, m, {"case_id": stem})
        merged.merge(w.entries)
    cols, cats = ["filename", "split", "case_id"], [{"id": 1, "name": "liver"}]
    assert direct.finish(cols, cats) == merged.finish(cols, cats)
    assert direct.outputs == merged.outputs and direct.images_per_split() == merged.images_per_split()
    files = sorted(p.relative_to(tmp_path / "direct") for p in (tmp_path / "direct").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "merged") for p in (tmp_path / "merged").rglob("*") if p.is_file())
    assert all((tmp_path / "direct" / f).read_bytes() == (tmp_path / "merged" / f).read_bytes() for f in files)
    coco = json.loads((tmp_path / "merged/annotations/instances_train.json").read_text())
    assert [a["image_id"] for a in coco["annotations"]] == [1, 2] and coco["annotations"][1]["area"] == 3 * 2
