"""BinaryOrganDataset + LoadBinaryAnnotations on phantom data, and their errors for bad input."""

from __future__ import annotations

import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

import organseg_plugins.mm  # noqa: F401  (registers)
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.mm import BinaryOrganDataset
from tests.conftest import REPO

init_default_scope("mmseg")  # the pipelines name mmseg transforms
PIPELINE = [dict(type="LoadImageFromFile"), dict(type="LoadBinaryAnnotations")]


def make(root, split="train", **kw):
    return BinaryOrganDataset(data_root=str(root), meta_file="meta.csv", pipeline=PIPELINE,
                              data_prefix=dict(img_path=f"img_dir/{split}", seg_map_path=f"ann_dir/{split}"),
                              **kw)


def test_dataset_reads_samples_and_csv(phantom_root):
    root = phantom_root / "spleen_us"
    ds = make(root)
    n_files = len(list((root / "img_dir" / "train").glob("*.png")))
    assert len(ds) == n_files > 0
    assert ds.metainfo["classes"] == ("background", "organ")
    sample = ds[0]
    mask = sample["gt_seg_map"]
    assert set(np.unique(mask)) <= {0, 1} and mask.max() == 1
    assert sample["img"].shape[:2] == mask.shape
    assert sample["spacing_mm"] > 0 and sample["length_mm"] > 10  # from meta.csv


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(OrgansegInputError, match="image folder not found: .*img_dir/train"):
        make(tmp_path / "nowhere")


@pytest.fixture
def spleen_copy(phantom_root, tmp_path):
    dst = tmp_path / "spleen"
    shutil.copytree(phantom_root / "spleen_us", dst)
    return dst


def first_mask(root):
    return sorted((root / "ann_dir" / "train").glob("*.png"))[0]


def test_0_255_mask_is_rejected_with_its_name(spleen_copy):
    path = first_mask(spleen_copy)
    cv2.imwrite(str(path), cv2.imread(str(path), cv2.IMREAD_UNCHANGED) * 255)
    ds = make(spleen_copy)
    with pytest.raises(OrgansegInputError, match=rf"{path.name}: mask has values \{{0, 255\}}.*a 0/255 mask"):
        ds[0]


def test_size_mismatch_is_rejected(spleen_copy):
    path = first_mask(spleen_copy)
    cv2.imwrite(str(path), np.zeros((10, 12), np.uint8))
    with pytest.raises(OrgansegInputError, match=rf"{path.name}: mask size \(10, 12\) differs"):
        make(spleen_copy)[0]


def test_spreadsheet_csv_with_bom_and_empty_cells(spleen_copy):
    """An Excel-saved meta.csv (UTF-8 BOM) still has its 'filename' column; an empty length cell is None."""
    csv_path = spleen_copy / "meta.csv"
    lines = csv_path.read_text().splitlines()
    header = lines[0].split(",")
    first = lines[1].split(",")
    first[header.index("length_mm")] = ""
    csv_path.write_text("\ufeff" + "\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n", encoding="utf-8")
    ds = make(spleen_copy)
    infos = {osp.basename(ds.get_data_info(i)["img_path"]): ds.get_data_info(i) for i in range(len(ds))}
    name = osp.basename(first[header.index("filename")])
    assert infos[name]["length_mm"] is None  # the first CSV row is a train image
    assert all(isinstance(i["spacing_mm"], float) for i in infos.values())


def test_missing_mask_is_named(spleen_copy):
    path = first_mask(spleen_copy)
    path.unlink()
    with pytest.raises(OrgansegInputError, match=f"{path.name} is missing"):
        make(spleen_copy)


def test_mask_without_image_is_named(spleen_copy):
    """mmseg lists the images and would ignore a mask whose image is gone: the dataset names it instead."""
    imgs = sorted((spleen_copy / "img_dir" / "train").glob("*.png"))
    ann = spleen_copy / "ann_dir" / "train"
    imgs[0].unlink()
    with pytest.raises(OrgansegInputError, match=rf"^{ann / imgs[0].name}: mask without an image: no "
                                                 rf"{imgs[0]} \(remove the mask or restore its image\)$"):
        make(spleen_copy)
    imgs[1].unlink()
    with pytest.raises(OrgansegInputError, match=rf"^BinaryOrganDataset: 2 masks in {ann} have no image in "
                                                 rf"{imgs[0].parent}:\n{ann / imgs[0].name}: .*\n{ann / imgs[1].name}: "
                                                 "mask without an image") as ei:
        make(spleen_copy)
    assert len(ei.value.lines) == 3  # a heading, then one line per mask
    (spleen_copy / "train.txt").write_text("\n".join(p.stem for p in imgs[2:]) + "\n")
    assert len(make(spleen_copy, ann_file="train.txt")) == len(imgs) - 2  # a split file lists what it uses


def test_finite_loss_hook_names_iteration_and_images():
    # a real data sample; only the runner's iteration counter is needed by the hook
    from types import SimpleNamespace

    import torch
    from mmseg.structures import SegDataSample

    from organseg_plugins.mm import CheckFiniteLossHook

    hook = CheckFiniteLossHook()
    sample = SegDataSample(metainfo=dict(img_path="a/b/us_001.png"))
    runner = SimpleNamespace(iter=6)
    hook.after_train_iter(runner, 0, {"data_samples": [sample]}, {"loss": torch.tensor(1.0)})  # fine
    with pytest.raises(FloatingPointError, match=r"iteration 7: \{'decode.loss_ce': nan\}.*us_001.png"):
        hook.after_train_iter(runner, 0, {"data_samples": [sample]},
                              {"loss": torch.tensor(1.0), "decode.loss_ce": torch.tensor(float("nan"))})


def test_spleen_table1_train_pipeline_with_mosaic(phantom_root):
    """configs/_base_/datasets/spleen_us.py (the paper's Table 1 augmentation) on the phantom spleen folder:
    MultiImageMixDataset + RandomMosaic(p=0.856) + translate/scale + HSV + flip -> 512x512 samples whose masks
    hold only 0/1 and the ignore value 255 (mosaic padding / pixels warped in from outside)."""
    import random

    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS

    cfg = Config.fromfile(str(REPO / "configs" / "spleen" / "segformer_b0_bcedice_spleen-512x512.py"))
    init_default_scope("mmseg")
    ds_cfg = cfg.train_dataloader.dataset
    assert ds_cfg.type == "MultiImageMixDataset"
    assert [t["type"] for t in ds_cfg.pipeline][:1] == ["RandomMosaic"] and ds_cfg.pipeline[0]["prob"] == 0.856
    ds_cfg.dataset.data_root = str(phantom_root / "spleen_us")
    dataset = DATASETS.build(ds_cfg)
    assert len(dataset) == len(list((phantom_root / "spleen_us" / "img_dir" / "train").glob("*.png")))
    np.random.seed(0)
    random.seed(0)
    padded = 0
    for i in range(2 * len(dataset)):
        out = dataset[i % len(dataset)]
        assert tuple(out["inputs"].shape) == (3, 512, 512)
        gt = out["data_samples"].gt_sem_seg.data.numpy()
        assert gt.shape == (1, 512, 512)
        assert set(np.unique(gt)) <= {0, 1, 255}
        padded += int((gt == 255).any())
    assert padded > 0  # mosaic borders / translations are ignored, not labelled background


def test_truncated_training_image_is_named(spleen_copy):
    """mmcv ends a truncated PNG in an AssertionError; the dataset names the file instead."""
    ds = make(spleen_copy)
    path = ds.get_data_info(0)["img_path"]
    data = open(path, "rb").read()
    with open(path, "wb") as fh:
        fh.write(data[: len(data) // 3])
    with pytest.raises(OrgansegInputError, match=rf"{osp.basename(path)}: cannot be decoded as an image"):
        ds[0]


@pytest.mark.parametrize("bad", ["nan", "0", "-0.5"])
def test_bad_spacing_in_meta_csv_names_file_and_row(spleen_copy, bad):
    csv_path = spleen_copy / "meta.csv"
    lines = csv_path.read_text().splitlines()
    header = lines[0].split(",")
    row = lines[2].split(",")
    row[header.index("spacing_mm")] = bad
    lines[2] = ",".join(row)
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(OrgansegInputError, match=rf"meta.csv: row 3 \({row[0]}\) has spacing_mm='{bad}'"):
        make(spleen_copy)
