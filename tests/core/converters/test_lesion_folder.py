"""Generic image/mask folder route: suffix, merged extras, class regex stratification, mask without image."""

import cv2
import numpy as np

from organseg_plugins.core.converters.lesion_folder import convert_lesion_folder
from organseg_plugins.core.io.tables import read_meta_csv


def test_folder_route(tmp_path):
    imgs, masks = tmp_path / "images", tmp_path / "masks"
    imgs.mkdir()
    masks.mkdir()
    for cls in ("a", "b"):
        for i in range(5):
            cv2.imwrite(str(imgs / f"{cls}_{i}.png"), np.full((16, 16), 100, np.uint8))
            m = np.zeros((16, 16), np.uint8)
            m[2:6, 2:6] = 255
            cv2.imwrite(str(masks / f"{cls}_{i}_seg.png"), m)
    extra = np.zeros((16, 16), np.uint8)
    extra[10:12, 10:12] = 255
    cv2.imwrite(str(masks / "a_0_seg_1.png"), extra)
    cv2.imwrite(str(masks / "c_9_seg.png"), extra)  # a mask without an image
    report = convert_lesion_folder(imgs, masks, tmp_path / "out", mask_suffix="_seg", merge_extra=True,
                                   class_regex=r"^([ab])_", fractions={"train": 0.6, "val": 0.2, "test": 0.2},
                                   progress=False)
    assert report.converted == 10
    # the mask without an image is an error (an input not converted: exit status 1), not counted as a skipped image
    assert [str(e) for e in report.errors] == [
        f"{masks / 'c_9_seg.png'}: mask without an image: no image c_9.* in {imgs}; not converted"]
    assert not report.warnings and report.skipped == 0 and report.exit_code() == 1
    meta = read_meta_csv(tmp_path / "out" / "meta.csv")
    for cls in ("a", "b"):  # 5 per class -> 3/1/1 within each class
        splits = sorted(r["split"] for r in meta.values() if r["class"] == cls)
        assert splits == ["test", "train", "train", "train", "val"]
    row = meta["a_0.png"]
    m = cv2.imread(str(tmp_path / "out" / "ann_dir" / row["split"] / "a_0.png"), cv2.IMREAD_UNCHANGED)
    assert int(m.sum()) == 16 + 4 and row["n_lesions"] == 2
