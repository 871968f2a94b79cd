"""DDTI converter: mmseg's projects layout (images|masks/{train,val}) keeps its splits, masks made 0/1."""

import cv2
import numpy as np

from organseg_plugins.core.converters.ddti import convert_ddti
from organseg_plugins.core.phantoms.lesions import thyroid_nodule_image


def test_ddti_layout(tmp_path):
    root = tmp_path / "ddti"
    for split, n in (("train", 3), ("val", 2)):
        (root / "images" / split).mkdir(parents=True)
        (root / "masks" / split).mkdir(parents=True)
        for i in range(n):
            img, m = thyroid_nodule_image(np.random.default_rng(i), 64, 64)
            cv2.imwrite(str(root / "images" / split / f"{i}.png"), img)
            cv2.imwrite(str(root / "masks" / split / f"{i}.png"), m * (255 if i % 2 else 1))  # 0/1 and 0/255
    report = convert_ddti(root, tmp_path / "out", progress=False)
    assert report.ok and report.extra["images per split"] == {"train": 3, "val": 2}
    m = cv2.imread(str(tmp_path / "out" / "ann_dir" / "val" / "val_1.png"), cv2.IMREAD_UNCHANGED)
    assert set(np.unique(m)) == {0, 1}


def test_ddti_masks_without_images_are_reported(tmp_path):
    root = tmp_path / "ddti"
    for split in ("train", "val"):
        (root / "masks" / split).mkdir(parents=True)
    (root / "images" / "train").mkdir(parents=True)
    for i in range(2):
        img, m = thyroid_nodule_image(np.random.default_rng(i), 64, 64)
        cv2.imwrite(str(root / "masks" / "train" / f"{i}.png"), m)
        cv2.imwrite(str(root / "masks" / "val" / f"{i}.png"), m)
        if i == 0:
            cv2.imwrite(str(root / "images" / "train" / f"{i}.png"), img)
    report = convert_ddti(root, tmp_path / "out", progress=False)
    assert [str(e) for e in report.errors] == [
        f"{root / 'masks' / 'train' / '1.png'}: mask without an image: no image 1.* in {root / 'images' / 'train'}; "
        "not converted",
        f"{root / 'masks' / 'val'}: masks without images: no folder {root / 'images' / 'val'}; not converted",
    ]
    assert report.converted == 1 and report.exit_code() == 1
