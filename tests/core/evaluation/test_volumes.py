"""Per-volume evaluation: slices regrouped in order, the Tables 1-2 columns from the one metric suite and summary."""

from __future__ import annotations

import math

import numpy as np
import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.evaluation.volumes import (
    evaluate_volume,
    stack_slices,
    summarize_volumes,
    write_volume_csv,
)


def test_stack_in_slice_order_and_missing_slices_named():
    a, b = np.zeros((2, 2), np.uint8), np.ones((2, 2), np.uint8)
    vol = stack_slices({1: b, 0: a}, 2, "c1")
    assert vol[0].sum() == 0 and vol[1].sum() == 4
    with pytest.raises(OrgansegInputError, match=r"case c1: slices \[1\] of 0..2 are missing"):
        stack_slices({0: a, 2: a}, 3, "c1")


def test_known_volume_values():
    # G: a 2 x 2 x 2 cube (8 voxels) in a 4 x 4 x 4 volume; P: the same cube plus one more slice (12 voxels)
    g = np.zeros((4, 4, 4), np.uint8)
    g[1:3, 1:3, 1:3] = 1
    p = g.copy()
    p[3, 1:3, 1:3] = 1
    row = evaluate_volume(p, g, (2.0, 1.0, 1.0), "c")
    # TP 8, FP 4, FN 0: DSC = 16/20 = 0.8, Jaccard = 8/12, VOE = 1/3, RVD = (12 - 8)/8 = +0.5 (signed)
    assert row["dice"] == pytest.approx(0.8) and row["jaccard"] == pytest.approx(2 / 3)
    assert row["voe"] == pytest.approx(1 / 3) and row["rvd"] == pytest.approx(0.5)
    assert row["precision"] == pytest.approx(8 / 12) and row["recall"] == 1.0
    # RMSE (assumed definition) = sqrt((FP + FN) / N) = sqrt(4 / 64) = 0.25
    assert row["rmse"] == pytest.approx(0.25)
    # MSD: the extra slice z = 3 is 2 mm (one z step) from G's top slice -> Hausdorff 2 mm
    assert row["hd"] == pytest.approx(2.0)


def test_summary_is_mean_and_sample_std_and_csv(tmp_path):
    g = np.zeros((2, 4, 4), np.uint8)
    g[:, 1:3, 1:3] = 1
    rows = [evaluate_volume(g, g, (1, 1, 1), "a"), evaluate_volume(np.zeros_like(g), g, (1, 1, 1), "b")]
    s = summarize_volumes(rows)
    # DSC 1 and 0: mean 0.5, sample std sqrt(((0.5)^2 + (0.5)^2) / 1) = 0.7071
    assert s["DSC"]["mean"] == pytest.approx(0.5) and s["DSC"]["std"] == pytest.approx(math.sqrt(0.5))
    assert s["ASD"]["n_inf"] == 1 and s["ASD"]["mean"] == 0.0  # an empty prediction: infinite distance, counted
    write_volume_csv(tmp_path / "v.csv", rows)
    lines = (tmp_path / "v.csv").read_text().splitlines()
    assert lines[0].startswith("case,spacing_mm,voe,rvd,asd,rmsd,hd,rmse,dice") and len(lines) == 3
