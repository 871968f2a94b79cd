"""The folder evaluation (files and volumes), tools/evaluate_masks.py and the per-volume evaluator on several
worker processes give the same numbers, in the same order, as one process; errors are those of a serial run."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.evaluation.folders import evaluate_folder
from organseg_plugins.core.evaluation.volumes import evaluate_volume, evaluate_volumes
from organseg_plugins.core.phantoms.mask_pairs import perturbed_disc_pair, rough_ellipsoid_pair
from tests.conftest import run_tool


def _same_rows(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b)
    for ra, rb in zip(a, b):
        assert ra.keys() == rb.keys()
        for k in ra:
            same = ra[k] == rb[k] or (isinstance(ra[k], float) and math.isnan(ra[k]) and math.isnan(rb[k]))
            assert same, (ra["case"], k, ra[k], rb[k])


def _png(path: Path, mask: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), mask.astype(np.uint8))


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    """40 2-D pairs (enough for several files per task), one with an empty prediction (infinite distances)."""
    root = tmp_path_factory.mktemp("files")
    for i in range(40):
        pred, gt = perturbed_disc_pair(48, seed=i)
        _png(root / "pred" / f"img{i:02d}.png", pred * 0 if i == 7 else pred)
        _png(root / "gt" / f"img{i:02d}.png", gt)
    return root / "pred", root / "gt"


@pytest.fixture(scope="module")
def slices(tmp_path_factory) -> tuple[Path, Path]:
    """3 cases of 6 slices named <case>_sKKK."""
    root = tmp_path_factory.mktemp("slices")
    for c in range(3):
        pred, gt = rough_ellipsoid_pair((6, 32, 32), seed=c)
        for k in range(6):
            _png(root / "pred" / f"ct{c}_s{k:03d}.png", pred[k])
            _png(root / "gt" / f"ct{c}_s{k:03d}.png", gt[k])
    return root / "pred", root / "gt"


def test_folder_of_files_same_rows_for_1_and_2_workers(files):
    one, s1 = evaluate_folder(*files, spacing=0.8, workers=1)
    two, s2 = evaluate_folder(*files, spacing=0.8, workers=2, progress=True)
    _same_rows(one, two)
    assert [r["case"] for r in two] == [f"img{i:02d}" for i in range(40)] and math.isinf(two[7]["hd"])
    assert s1 == s2


def test_folder_of_volumes_same_rows_for_1_and_2_workers(slices):
    one, _ = evaluate_folder(*slices, spacing=(2.5, 0.8, 0.8), volumes=True, workers=1, nsd_tolerance=1.0)
    two, _ = evaluate_folder(*slices, spacing=(2.5, 0.8, 0.8), volumes=True, workers=2, nsd_tolerance=1.0)
    _same_rows(one, two)
    assert [r["case"] for r in two] == ["ct0", "ct1", "ct2"] and two[0]["shape"] == "6x32x32"


def test_the_error_is_the_first_case_s_whatever_the_workers(slices, tmp_path):
    pred = tmp_path / "pred"
    pred.mkdir()
    for p in Path(slices[0]).iterdir():
        (pred / p.name).write_bytes(p.read_bytes())
    # 0/255 slices in cases ct1 and ct2: a serial run stops at ct1's
    for name in ("ct1_s004.png", "ct2_s003.png"):
        _png(pred / name, cv2.imread(str(pred / name), cv2.IMREAD_UNCHANGED) * 255 + 0)
    msgs = set()
    for workers in (1, 2):
        with pytest.raises(OrgansegInputError) as info:
            evaluate_folder(pred, slices[1], spacing=(2.5, 0.8, 0.8), volumes=True, workers=workers)
        msgs.add(str(info.value))
    assert len(msgs) == 1 and "ct1_s004.png" in msgs.pop()


def test_per_volume_evaluator_same_rows_for_1_and_2_workers():
    cases = []
    for i in range(3):
        pred, gt = rough_ellipsoid_pair((8, 40, 40), seed=i)
        as_bool = i != 1  # bool volumes travel bit-packed, uint8 ones as they are
        cases.append((f"v{i}", pred.astype(bool) if as_bool else pred, gt.astype(bool) if as_bool else gt,
                      (2.5, 0.8, 0.8)))
    cases.append(("empty", np.zeros((8, 40, 40), bool), cases[0][2], (2.5, 0.8, 0.8)))
    one = evaluate_volumes(cases, workers=1)
    two = evaluate_volumes(cases, workers=2, progress=True, boundary_metrics=False)
    _same_rows(one, two)
    _same_rows(one, [evaluate_volume(p, g, sp, c) for c, p, g, sp in cases])
    assert [r["case"] for r in two] == ["v0", "v1", "v2", "empty"] and math.isinf(two[3]["hd"])


def test_evaluate_masks_cli_same_csv_for_1_and_2_workers(files, slices, tmp_path):
    for args, name in ((list(map(str, files)) + ["--spacing", "0.8"], "files"),
                       (list(map(str, slices)) + ["--volumes", "--spacing", "2.5", "0.8", "0.8"], "volumes")):
        outs = []
        for n in (1, 2):
            csv = tmp_path / f"{name}{n}.csv"
            proc = run_tool("tools/evaluate_masks.py", *args, "--workers", str(n), "--csv", str(csv))
            outs.append((csv.read_bytes(), proc.stdout.replace(str(csv), "CSV")))
        assert outs[0] == outs[1] and outs[0][0]
