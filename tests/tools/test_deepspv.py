"""DeepSPV end to end: the views CLI (phantoms, NIfTI labels), every volume config through tools/train.py on
phantoms, the RVAE next to the length regression, and the comparison table."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from organseg_plugins.core.cli import EXIT_USER_ERROR
from organseg_plugins.core.converters.spleen_views import mid_views
from organseg_plugins.core.io.tables import read_csv_rows
from organseg_plugins.core.io.view_table import (
    read_volume_table,
    view_case_row,
    write_view_case,
    write_volume_table,
)
from organseg_plugins.core.phantoms.spleen3d import ellipsoid_mask, random_spleen
from tests.conftest import assert_finite_losses, assert_values_in, mm_scalars, run_tool, scalar_series

ONE_THREAD = {"OMP_NUM_THREADS": "1"}
CFG = "configs/deepspv/{}"
PHANTOM_CONFIGS = ["rvae_1xb16-1000it_phantom-views-64-coronal.py", "rvae_1xb16-1000it_phantom-views-64-dual.py",
                   "resnet18-regressor_1xb16-600it_phantom-views-64-coronal.py",
                   "vgg16-regressor_1xb16-600it_phantom-views-64-coronal.py",
                   "densenet121-regressor_1xb16-600it_phantom-views-64-coronal.py",
                   "linreg-length_1xb16-500it_phantom-views-64.py", "linreg-length-width_1xb16-500it_phantom-views-64.py"]


@pytest.fixture(scope="module")
def views_root(tmp_path_factory) -> Path:
    """160 phantom cases (112 train / 24 val / 24 test), 64 px views of 4 mm, voxels of 3 mm."""
    root = tmp_path_factory.mktemp("spleen_views")
    rows = []
    for i in range(160):
        s = random_spleen(i, 3.0)
        v = mid_views(s.mask, s.spacing, 64, 4.0)
        write_view_case(root, f"p{i:03d}", v)
        rows.append(view_case_row(f"p{i:03d}", "train" if i < 112 else ("val" if i < 136 else "test"), s.volume_ml, v))
    write_volume_table(root, rows)
    return root


def train_options(root: Path, iters: int, batch: int = 4) -> list[str]:
    opts = [f"train_cfg.max_iters={iters}", f"train_cfg.val_interval={iters}",
            f"default_hooks.checkpoint.interval={iters}", "default_hooks.logger.interval=1",
            f"train_dataloader.batch_size={batch}", "randomness.seed=0"]
    for name in ("train", "val", "test"):
        opts += [f"{name}_dataloader.dataset.data_root={root}", f"{name}_dataloader.num_workers=0",
                 f"{name}_dataloader.persistent_workers=False"]
    return ["--cfg-options", *opts]


def test_views_cli_from_phantoms(tmp_path):
    out = tmp_path / "views"
    proc = run_tool("datasets_prep/spleen_views.py", "--phantoms", "12", "--out", str(out), "--size", "48",
                    "--view-spacing", "6", "--voxel-spacing", "4", "--ultrasound", "--no-progress")
    assert "converted 12, skipped 0" in proc.stdout
    rows = read_volume_table(out / "volumes.csv")
    assert len(rows) == 12 and {r["split"] for r in rows} <= {"train", "val", "test"}
    # phantom i is random_spleen(seed * 100003 + i) at the voxel spacing: its exact volume is in the table
    assert rows[3]["volume_ml"] == pytest.approx(random_spleen(3, 4.0).volume_ml, abs=1e-3)
    assert all((out / v / f"{r['name']}.png").is_file() for r in rows for v in ("coronal", "transverse"))
    assert all((out / "images" / v / f"{r['name']}.png").is_file() for r in rows for v in ("coronal", "transverse"))
    proc = run_tool("datasets_prep/spleen_views.py", "--phantoms", "2", "--out", str(out), check=False)
    assert proc.returncode == EXIT_USER_ERROR and "not empty" in proc.stderr


def test_views_cli_from_nifti_labels(tmp_path):
    import nibabel as nib

    labels = tmp_path / "labelsTr"
    labels.mkdir()
    spacings = {"spleen_1": (1.5, 1.5, 3.0), "spleen_2": (1.0, 1.0, 2.0)}  # NIfTI (x, y, z) zooms
    counts = {}
    for name, zooms in spacings.items():
        m = ellipsoid_mask((30, 20, 25), (zooms[2], zooms[1], zooms[0])).astype(np.uint8)  # (z, y, x)
        m[0, 0, 0] = 2  # another organ's label
        counts[name] = int((m == 1).sum()) * float(np.prod(zooms)) / 1000  # mL
        nib.save(nib.Nifti1Image(m.transpose(2, 1, 0), np.diag([*zooms, 1.0])), str(labels / f"{name}.nii.gz"))
    (labels / "spleen_3.nii.gz").write_bytes(b"not a nifti file")
    out = tmp_path / "views"
    proc = run_tool("datasets_prep/spleen_views.py", "--labels", str(labels), "--label", "1", "--out", str(out),
                    "--size", "64", "--view-spacing", "2", "--no-progress", check=False)
    assert proc.returncode == 1, proc.stderr  # the broken file: listed, the others converted
    assert "spleen_3.nii.gz" in proc.stdout and "converted 2, skipped 1" in proc.stdout
    rows = {r["name"]: r for r in read_volume_table(out / "volumes.csv")}
    for name, ml in counts.items():
        assert rows[name]["volume_ml"] == pytest.approx(ml, abs=1e-3)
        # the 60 mm (z) x 50 mm (x) coronal ellipse: Feret ~ 60 mm (pixel centres, 2 mm pixels)
        assert rows[name]["length_mm"] == pytest.approx(60, abs=4)
    proc = run_tool("datasets_prep/spleen_views.py", "--labels", str(tmp_path / "none"), "--out", str(tmp_path / "o"),
                    check=False)
    assert proc.returncode == EXIT_USER_ERROR and "none" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize("cfg", PHANTOM_CONFIGS[1:-1])
def test_every_volume_config_trains(cfg, views_root, tmp_path):
    """Two iterations of each phantom config (the RVAE single view and the length regression: below)."""
    extra = ["model.net.fusion=two_encoder"] if "dual" in cfg else []
    run_tool("tools/train.py", CFG.format(cfg), "--work-dir", str(tmp_path), *train_options(views_root, 2),
             *extra, timeout=600, env=ONE_THREAD)
    records = mm_scalars(tmp_path)
    assert_finite_losses(records, ["loss_volume"], steps=[1, 2])
    vals = [r for r in records if "mrva" in r]
    assert [r["step"] for r in vals] == [2], vals  # one validation, after iteration 2
    assert_values_in(vals[0], ["mrva"], hi=100.0)  # 100 * (1 - mean relative error): at most 100 %
    assert_values_in(vals[0], ["mae_ml"], 0.0)
    assert (tmp_path / "iter_2.pth").is_file()
    assert len(list(tmp_path.glob("*/volume_per_case.csv"))) == 1


def _val_metrics(log: str) -> dict[str, float]:
    line = [s for s in log.splitlines() if "Iter(val)" in s][-1]
    return {k: float(v) for k, v in re.findall(r"(mrva|mae_ml|ci_coverage|ci_width_ml): (-?[\d.]+)", line)}


def _assert_decreases(losses: dict[int, float], k: int = 10) -> None:
    """The mean loss of the last ``k`` logged iterations is below that of the first ``k``."""
    values = [losses[s] for s in sorted(losses)]
    first, last = sum(values[:k]) / k, sum(values[-k:]) / k
    assert last < first, f"the loss did not decrease: first {k} iterations {first:.4g}, last {k} {last:.4g}"


@pytest.mark.slow
def test_rvae_next_to_the_length_regression(views_root, tmp_path):
    """Acceptance: a short RVAE run reports MRVA and interval coverage, the length regression its MRVA;
    the table puts them side by side with the ellipsoid formula."""
    rvae_dir, lin_dir = tmp_path / "rvae", tmp_path / "lin"
    proc = run_tool("tools/train.py", CFG.format(PHANTOM_CONFIGS[0]), "--work-dir", str(rvae_dir),
                    *train_options(views_root, 100, batch=16), timeout=900, env=ONE_THREAD)
    rvae = _val_metrics(proc.stdout + proc.stderr)
    records = mm_scalars(rvae_dir)
    assert_finite_losses(records, ("loss_recon", "loss_kl", "loss"), steps=range(1, 101))
    _assert_decreases(scalar_series(records, "loss"))
    proc = run_tool("tools/train.py", CFG.format(PHANTOM_CONFIGS[-2]), "--work-dir", str(lin_dir),
                    *train_options(views_root, 300, batch=16), timeout=600, env=ONE_THREAD)
    lin = _val_metrics(proc.stdout + proc.stderr)
    records = mm_scalars(lin_dir)
    assert_finite_losses(records, ["loss"], steps=range(1, 301))
    _assert_decreases(scalar_series(records, "loss"))
    print(f"RVAE (100 it): {rvae}; length regression (300 it): {lin}")
    assert set(rvae) == {"mrva", "mae_ml", "ci_coverage", "ci_width_ml"} and set(lin) == {"mrva", "mae_ml"}
    # both learn the volume: an untrained model predicts ~0 mL (MRVA ~0%); on these ellipsoid-like phantoms
    # the length alone explains little (closed-form least squares on 420 phantoms: MRVA ~57% on their test split)
    assert rvae["mrva"] > 50 and lin["mrva"] > 30, (rvae, lin)
    assert 0 <= rvae["ci_coverage"] <= 100
    rvae_csv = next(rvae_dir.glob("*/volume_per_case.csv"))
    assert (rvae_csv.parent / "latent_pca.png").is_file()
    lin_csv = next(lin_dir.glob("*/volume_per_case.csv"))
    assert len(read_csv_rows(rvae_csv)) == 24
    proc = run_tool("tools/analysis/deepspv_table.py", "--result", "RVAE", "single", str(rvae_csv),
                    "--result", "Linear regression on length", "single", str(lin_csv), "--views", str(views_root),
                    "--split", "val", "--out", str(tmp_path / "table.md"))
    table = (tmp_path / "table.md").read_text()
    assert table == proc.stdout
    assert f"| RVAE | {rvae['mrva']:.2f} | - | {rvae['ci_coverage']:.2f} | - | 24 |" in table
    assert f"| Linear regression on length | {lin['mrva']:.2f} | - | n/a | - | 24 |" in table
    assert "| Ellipsoid formula 0.523 LWT | - |" in table
