"""The CT and DICOM converters on several workers: every output file byte-identical to one worker's, same report.

The phantom set (NIH DICOM + NIfTI, Sliver07 MetaImage, MSD NIfTI; and the same series as per-case DICOM
folders with PNG masks) is converted with 1 and with 2 workers, with bad cases among the good ones, so that
meta.csv rows, COCO image and annotation ids, report lines and their order all come from the merge in case
order.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from organseg_plugins.core.converters.ct_volumes import convert_ct_volumes
from organseg_plugins.core.converters.dicom import convert_dicom_cases
from organseg_plugins.core.converters.splits import read_assignment
from organseg_plugins.core.io.volumes import read_label_volume
from organseg_plugins.core.phantoms.ct_volumes import write_ct_volume_phantoms
from tests.conftest import run_tool
from tests.core.converters.helpers import hash_tree, write_png


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("raw")
    write_ct_volume_phantoms(root, num_cases=5, shape=(6, 32, 32))
    # a case without its label: reported by the worker that converts it, between good cases
    (root / "nih" / "labels" / "label0002.nii.gz").unlink()
    (root / "sliver07" / "liver-seg003.mhd").unlink()
    return root


def _same_runs(one, two, out1: Path, out2: Path) -> None:
    assert hash_tree(out1) == hash_tree(out2) and hash_tree(out1)  # every file, byte for byte
    assert one.to_dict() == two.to_dict() and one.outputs == two.outputs
    assert {t.pid for t in two.resources} and all(t.peak_rss > 0 for t in two.resources)


@pytest.mark.parametrize("layout, splits, labels", [
    ("nih", "splits_nih.json", None), ("sliver07", "splits_sliver07.json", None), ("msd", "splits_msd.json", [1]),
])
def test_ct_volumes_same_bytes_for_1_and_2_workers(raw, tmp_path, layout, splits, labels):
    kw = dict(assignment=read_assignment(raw / splits), organ_margin=1, labels=labels)
    one = convert_ct_volumes(raw / layout, tmp_path / "w1", progress=False, workers=1, **kw)
    two = convert_ct_volumes(raw / layout, tmp_path / "w2", progress=True, workers=2, **kw)
    _same_runs(one, two, tmp_path / "w1", tmp_path / "w2")
    assert one.converted > 0 and (layout == "msd" or len(one.errors) == 1)
    assert len(two.resources) == 5  # one task per case


@pytest.fixture(scope="module")
def dicom_cases(raw, tmp_path_factory) -> Path:
    """ROOT/<case>/images/IM_k.dcm (the NIH phantom series) and masks/IM_k.png (its pancreas label);
    case c03 lacks one mask and has a broken file."""
    root = tmp_path_factory.mktemp("dicom_cases")
    for n in (1, 3, 4, 5):
        src = raw / "nih" / f"PANCREAS_{n:04d}"
        shutil.copytree(src, root / f"c{n:02d}" / "images")
        lab = read_label_volume(raw / "nih" / "labels" / f"label{n:04d}.nii.gz").array
        for k in range(lab.shape[0]):
            write_png(root / f"c{n:02d}" / "masks" / f"IM_{k + 1:04d}.png", lab[k] * 255)
    (root / "c03" / "masks" / "IM_0002.png").unlink()
    (root / "c03" / "images" / "broken.dcm").write_bytes(b"\0" * 10)
    return root


@pytest.mark.parametrize("kw", [{}, {"images_only": True, "split": "test"}, {"missing_mask": "empty"}])
def test_dicom_same_bytes_for_1_and_2_workers(dicom_cases, tmp_path, kw):
    one = convert_dicom_cases(dicom_cases, tmp_path / "w1", progress=False, workers=1, **kw)
    two = convert_dicom_cases(dicom_cases, tmp_path / "w2", progress=True, workers=2, **kw)
    _same_runs(one, two, tmp_path / "w1", tmp_path / "w2")
    assert one.errors and one.converted == (23 if not kw else 24)  # 4 cases x 6 slices, c03's slice 2 skipped


def test_clis_take_workers(raw, dicom_cases, tmp_path):
    for n in (1, 2):
        run_tool("datasets_prep/ct_volumes_to_mmseg.py", "--root", str(raw / "msd"), "--out", str(tmp_path / f"ct{n}"),
                 "--labels", "1", "--workers", str(n), "--no-progress")
        run_tool("datasets_prep/dicom_to_png.py", "--root", str(dicom_cases), "--out", str(tmp_path / f"d{n}"),
                 "--workers", str(n), "--no-progress", "--images-only", "--ignore-errors")
    assert hash_tree(tmp_path / "ct1") == hash_tree(tmp_path / "ct2")
    assert hash_tree(tmp_path / "d1") == hash_tree(tmp_path / "d2")
    assert np.sum([p.suffix == ".png" for p in (tmp_path / "d2").rglob("*")]) == 24
