"""tools/benchmark.py end to end on the spleen phantoms: two configs (SegFormer-B0 + BCE-Dice and its Pix2Pix
refinement, the spleen paper's hybrid: Karimi et al. 2025, "Improving spleen segmentation in ultrasound images
using a hybrid deep learning framework", Sci Rep) x 2 folds on a CPU schedule, killed during a job and resumed;
then tools/analysis/paper_tables.py (checked against the per-image CSVs) and tools/analysis/paper_figures.py."""

from __future__ import annotations

import csv
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from organseg_plugins.core.cli import EXIT_USER_ERROR
from tests.conftest import REPO, run_tool

PHASE1 = "configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py"
PHASE2 = "configs/spleen/segformer_b0_pix2pix_phantom-spleen-128x128.py"
CPU_OPTIONS = {"train_cfg.max_iters": 4, "train_cfg.val_interval": 4, "default_hooks.checkpoint.interval": 2,
               "default_hooks.logger.interval": 1, "train_dataloader.batch_size": 2,
               **{f"{s}_dataloader.{k}": v for s in ("train", "val", "test")
                  for k, v in (("num_workers", 0), ("persistent_workers", False))}}


def write_spec(path: Path, phantom_root: Path, work_root: Path) -> Path:
    lines = [f"work_root: {work_root}", f"data: {{root: {phantom_root}/spleen_us, folds: 2, case_column: patient_id}}",
             "seeds: [0]", "cfg_options:"]
    lines += [f"  {k}: {str(v).lower() if isinstance(v, bool) else v}" for k, v in CPU_OPTIONS.items()]
    lines += ["methods:", "  - name: segformer_b0", f"    config: {PHASE1}", "  - name: pix2pix",
              f"    config: {PHASE2}", "    after: segformer_b0",
              "    cfg_options: {load_from: '{checkpoint:segformer_b0}', train_cfg.max_iters: 2,"
              " train_cfg.val_interval: 2}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def _kill_during_first_job(spec: Path, work_root: Path, timeout: float = 240) -> None:
    """Start the benchmark, SIGKILL its whole process group once job 0 wrote its first checkpoint (mmengine's
    ``last_checkpoint`` marker follows the checkpoint file; resuming reads the marker)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "2"}
    proc = subprocess.Popen([sys.executable, "tools/benchmark.py", str(spec)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    ckpt = work_root / "segformer_b0" / "fold0_seed0" / "train" / "last_checkpoint"
    t0 = time.time()
    try:
        while not ckpt.is_file():
            assert proc.poll() is None, "the benchmark ended before its first checkpoint"
            assert time.time() - t0 < timeout, "no checkpoint in time"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _per_image(work_root: Path, method: str) -> list[dict]:
    rows = []
    for fold in (0, 1):
        with open(work_root / method / f"fold{fold}_seed0" / "test" / "per_image.csv", newline="") as f:
            rows += [r for r in csv.DictReader(f) if r["class"] == "spleen"]
    return rows


@pytest.mark.slow
def test_benchmark_kill_resume_tables_figures(phantom_root, tmp_path):
    work = tmp_path / "bench"
    spec = write_spec(tmp_path / "bench.yaml", phantom_root, work)
    job0 = work / "segformer_b0" / "fold0_seed0"
    _kill_during_first_job(spec, work)
    assert '"state": "running"' in (job0 / "state.json").read_text()  # killed mid-job

    proc = run_tool("tools/benchmark.py", str(spec), "--jobs", "2", timeout=600)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("[")]
    assert len(lines) == 4, proc.stdout
    assert any(ln.startswith(tuple(f"[{i}/4] segformer_b0/fold0_seed0 (fold 1 of 2): resumed from iter_"
                                   for i in range(1, 5))) for ln in lines), proc.stdout
    assert all(" | elapsed " in ln and "remaining" in ln for ln in lines)
    assert "done 4, skipped 0, failed 0" in proc.stdout
    assert "resumed" in (job0 / "train.log").read_text().split("--resume", 1)[1]  # mmengine's resume message
    again = run_tool("tools/benchmark.py", str(spec))
    assert "done 0, skipped 4, failed 0" in again.stdout

    out = tmp_path / "tables"
    run_tool("tools/analysis/paper_tables.py", str(work), "--layout", "spleen_table2", "--shape", "128", "128",
             "--methods", "segformer_b0", "pix2pix", "--out", str(out))
    with open(out / "spleen_table2.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert (out / "spleen_table2.md").read_text().count("| segformer_b0 | background |") == 1
    assert "\\begin{tabular}" in (out / "spleen_table2.tex").read_text()
    # one cell recomputed from the per-image CSVs: the pooled per-image spleen IoU over both folds
    pooled = next(r for r in table if r["method"] == "pix2pix" and r["row"] == "pooled per-image")
    rows = _per_image(work, "pix2pix")
    assert float(pooled["images mean"]) == len(rows) == 12
    assert float(pooled["img IoU spleen (%) mean"]) == pytest.approx(statistics.mean(float(r["iou"]) for r in rows),
                                                                      abs=1e-3)
    # and a fold cell from the two test runs' pooled metrics: mean +- std (ddof=1) over the folds
    spleen = next(r for r in table if r["method"] == "segformer_b0" and r["row"] == "spleen")
    assert spleen["IoU (%) n"] == "2"
    all_row = next(r for r in table if r["method"] == "segformer_b0" and r["row"] == "All")
    assert float(all_row["Params (M) mean"]) == pytest.approx(3.72, abs=0.01)  # SegFormer-B0, 1-channel head

    figs = tmp_path / "figures"
    run_tool("tools/analysis/paper_figures.py", str(work), "--out", str(figs), "--methods", "segformer_b0",
             "pix2pix", "--rows", "3")
    for name in ("boxplot_dice_iou.png", "training_curves.png", "qualitative_grid.png"):
        assert (figs / name).stat().st_size > 5000, name


def test_bad_spec_is_one_line(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(f"work_root: {tmp_path}/w\ndata: {{root: {tmp_path}}}\nmethods: [{{name: a, config: nope.py}}]\n")
    proc = run_tool("tools/benchmark.py", str(spec), check=False)
    assert proc.returncode == EXIT_USER_ERROR
    assert proc.stderr.strip() == f"error: {spec}: methods[0].config: config file not found: nope.py"


def test_list_and_commands(phantom_root, tmp_path):
    spec = write_spec(tmp_path / "bench.yaml", phantom_root, tmp_path / "w")
    proc = run_tool("tools/benchmark.py", str(spec), "--list")
    assert proc.stdout.split("\n")[0].split() == ["0", "segformer_b0/fold0_seed0", "pending"]
    assert run_tool("tools/benchmark.py", str(spec), "--count").stdout.strip() == "4"


def test_paper_tables_missing_work_dir(tmp_path):
    proc = run_tool("tools/analysis/paper_tables.py", str(tmp_path / "none"), check=False)
    assert proc.returncode == EXIT_USER_ERROR
    assert proc.stderr.strip() == f"error: {tmp_path / 'none'}: work dir not found"
