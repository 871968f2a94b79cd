"""Every paper spec of benchmarks/ end to end: the raw phantom dataset in the paper's own layout
(organseg_plugins.core.phantoms.raw_datasets) -> tools/benchmark.py SPEC --data RAW (converter, jobs, table)
with a CPU override of every job (1 epoch or 2 iterations without validation, 64-128 px instead of 512 px,
checkpoints without optimizer state, a ResNet-50 Mask R-CNN with few proposals, 1-2 methods, one fold);
each test recomputes one table cell from the jobs' CSVs and checks the cost columns (--cost).

The specs' full method lists are checked without data (--list: every config exists, every table row is a
method) in the fast tests at the end."""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import pytest

from organseg_plugins.core.phantoms.raw_datasets import write_raw_dataset
from tests.conftest import REPO, run_tool

#: every mmseg job of a test: no data-loader workers; checkpoints without the optimizer state and no extra
#: best-score checkpoint (hundreds of MB written and read back per job otherwise: ARU-Net's epoch_1.pth is 540 MB)
COMMON = [f"{s}_dataloader.{k}={v}" for s in ("train", "val", "test")
          for k, v in (("num_workers", 0), ("persistent_workers", False))] + [
    "default_hooks.checkpoint.save_optimizer=False", "default_hooks.checkpoint.save_best=None"]
#: the schedules: no validation (val_begin after the end; mmengine validates at the last epoch/iteration
#: otherwise): the test command runs the same pipeline on the table's images
EPOCH_1 = ["train_cfg.max_epochs=1", "train_cfg.val_interval=1", "train_cfg.val_begin=2",
           "default_hooks.checkpoint.interval=1"]
ITERS_2 = ["train_cfg.max_iters=2", "train_cfg.val_interval=2", "train_cfg.val_begin=3",
           "default_hooks.checkpoint.interval=2", "default_hooks.logger.interval=1"]
PAPER_SPECS = {"spleen_us_tables2-3.yaml": 16, "liver_ct_table6.yaml": 2, "ct_nih_pancreas_table1.yaml": 3,
               "ct_sliver07_table2.yaml": 3, "aru_net_busi_table4.yaml": 8, "deepspv_task09_mrva.yaml": 7}
FOLDS = {"spleen_us_tables2-3.yaml": 5, "ct_nih_pancreas_table1.yaml": 4, "ct_sliver07_table2.yaml": 4}
COST = ("Train (min)", "Train peak RSS (GiB)", "Train CUDA peak (GiB)")


def size_px(train_resize: int, test_resize: int, px: int = 128) -> list[str]:
    """Resize the real configs' 512 px inputs to ``px`` (the pipeline steps at those indices, the preprocessor)."""
    return [f"train_dataloader.dataset.pipeline.{train_resize}.scale=({px},{px})",
            f"val_dataloader.dataset.pipeline.{test_resize}.scale=({px},{px})",
            f"test_dataloader.dataset.pipeline.{test_resize}.scale=({px},{px})",
            f"model.data_preprocessor.size=({px},{px})"]


def run_spec(spec: str, raw: Path, tmp: Path, methods: list[str], cfg_options: list[str], opts: list[str] = (),
             folds: list[int] | None = None) -> tuple[str, Path]:
    """``tools/benchmark.py benchmarks/SPEC --data RAW`` on a part of the spec, with the converter writing to
    ``tmp/prepared`` and the jobs to ``tmp/work``; returns its stdout and the work root."""
    work = tmp / "work"
    args = ["tools/benchmark.py", f"benchmarks/{spec}", "--data", str(raw), "--set", f"prepared={tmp / 'prepared'}",
            "--work-root", str(work), "--methods", *methods, "--cost", "--cfg-options", *COMMON, *cfg_options]
    if opts:
        args += ["--opts", *opts]
    if folds is not None:
        args += ["--folds", *map(str, folds)]
    proc = run_tool(*args, timeout=900)
    assert "failed 0" in proc.stdout, proc.stdout
    return proc.stdout, work


def table_rows(work: Path, name: str) -> list[dict]:
    """The rows of ``<work>/tables/<name>.csv``; checks the .md and .tex exist with the cost columns."""
    assert all((work / "tables" / f"{name}.{e}").is_file() for e in ("md", "csv", "tex"))
    md, tex = (work / "tables" / f"{name}.md").read_text(), (work / "tables" / f"{name}.tex").read_text()
    assert all(c in md and c in tex for c in COST), md
    assert "Device: cpu" in md, md
    with open(work / "tables" / f"{name}.csv", newline="") as f:
        return list(csv.DictReader(f))


def check_cost(row: dict, unit: str = "image") -> None:
    """The cost cells of a CPU run: train time and RSS positive, no CUDA peak, test time per sample positive."""
    assert float(row["Train (min) mean"]) > 0 and float(row["Train peak RSS (GiB) mean"]) > 0.1, row
    assert row["Train CUDA peak (GiB) mean"] == "", row
    assert float(row[f"Test (s/{unit}) mean"]) > 0, row


def job_dir(work: Path, method: str, fold: int = 0) -> Path:
    return work / method / f"fold{fold}_seed0"


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_spleen_us_tables2_3(tmp_path):
    raw = write_raw_dataset("spleen_us", tmp_path / "raw")
    train = ["train_dataloader.dataset.pipeline.0.img_scale=(128,128)"]  # Table 1's mosaic, then the Resize
    out, work = run_spec("spleen_us_tables2-3.yaml", raw, tmp_path, ["SegFormer-B0+BCE-Dice+Pix2Pix"],
                         EPOCH_1 + train + size_px(1, 1), folds=[0])
    assert "[2/2] SegFormer-B0+BCE-Dice+Pix2Pix/fold0_seed0 (fold 1 of 5): done" in out  # phase 1 ran first
    # the benchmark's fold 0 is the converter's fold 0 (its splits.json: 5 folds by patient, seed 0)
    folds = json.loads((tmp_path / "prepared" / "splits.json").read_text())["kfold"]["val_fold"]
    fold0 = json.loads((work / "folds" / "fold0" / "fold_root.json").read_text())["cases"]
    assert {p for p, f in folds.items() if f == 0} == {p for p, s in fold0.items() if s == "val"}
    rows = table_rows(work, "spleen_tables2-3")
    pooled = next(r for r in rows if r["method"] == "SegFormer-B0+BCE-Dice" and r["row"] == "pooled per-image")
    images = [r for r in read_rows(job_dir(work, "SegFormer-B0+BCE-Dice") / "test" / "per_image.csv")
              if r["class"] == "spleen"]
    assert float(pooled["img IoU spleen (%) mean"]) == pytest.approx(statistics.mean(float(r["iou"]) for r in images),
                                                                     abs=1e-6)
    every = next(r for r in rows if r["method"] == "SegFormer-B0+BCE-Dice" and r["row"] == "All")
    assert float(every["Params (M) mean"]) == pytest.approx(3.72, abs=0.01)  # SegFormer-B0, one-channel head
    check_cost(every)
    assert next(r for r in rows if r["row"] == "spleen")["Train (min) mean"] == ""  # cost on the All row only


@pytest.mark.slow
def test_liver_ct_table6(tmp_path):
    raw = write_raw_dataset("liver_kitti", tmp_path / "raw")
    size = ["train_dataloader.dataset.pipeline.2.scale=(128,128)", "train_dataloader.dataset.pipeline.3.crop_size=(128,128)",
            "val_dataloader.dataset.pipeline.1.scale=(128,128)", "test_dataloader.dataset.pipeline.1.scale=(128,128)",
            "model.data_preprocessor.size=(128,128)"]
    # ResNet-50 and few proposals: ResNet-101 with GroupNorm and 1000 test proposals cost a minute on the CPU
    d2 = ["SOLVER.MAX_ITER", "2", "SOLVER.IMS_PER_BATCH", "2", "DATALOADER.NUM_WORKERS", "0", "TEST.EVAL_PERIOD", "0",
          "INPUT.MIN_SIZE_TRAIN", "(128,)", "INPUT.MAX_SIZE_TRAIN", "128", "INPUT.MIN_SIZE_TEST", "128",
          "INPUT.MAX_SIZE_TEST", "128", "TEST.DETECTIONS_PER_IMAGE", "20", "MODEL.RESNETS.DEPTH", "50",
          "MODEL.RPN.PRE_NMS_TOPK_TRAIN", "200", "MODEL.RPN.POST_NMS_TOPK_TRAIN", "100",
          "MODEL.RPN.PRE_NMS_TOPK_TEST", "100", "MODEL.RPN.POST_NMS_TOPK_TEST", "50",
          "MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE", "32"]
    _, work = run_spec("liver_ct_table6.yaml", raw, tmp_path, ["U-Net", "Mask-R-CNN"], EPOCH_1 + size, d2)
    rows = {r["method"]: r for r in table_rows(work, "liver_table6") if r["row"] == ""}
    assert list(rows) == ["U-Net", "Mask-R-CNN"]
    unet = [r for r in read_rows(job_dir(work, "U-Net") / "test" / "per_image.csv") if r["class"] == "liver"]
    assert len(unet) == 2  # the independent test set: the export's testing/ subset
    assert float(rows["U-Net"]["Mask IoU (%) mean"]) == pytest.approx(statistics.mean(float(r["iou"]) for r in unet),
                                                                       abs=1e-6)
    d2_rows = read_rows(next((job_dir(work, "Mask-R-CNN") / "test").glob("inference*/organ_masks_per_image.csv")))
    assert float(rows["Mask-R-CNN"]["Trimap IoU (%) mean"]) == pytest.approx(
        statistics.mean(float(r["TrimapIoU"]) for r in d2_rows), abs=1e-6)
    for row in rows.values():
        check_cost(row)


@pytest.mark.slow
def test_ct_nih_pancreas_table1(tmp_path):
    raw = write_raw_dataset("nih_pancreas", tmp_path / "raw")
    _, work = run_spec("ct_nih_pancreas_table1.yaml", raw, tmp_path, ["refined"],
                       ITERS_2 + ["train_dataloader.batch_size=2"] + size_px(2, 1, 64), folds=[0])
    assert (tmp_path / "prepared" / "fold0" / ".organseg_prepared.json").is_file()
    assert not (tmp_path / "prepared" / "fold1").exists()  # only the folds run are converted
    rows = {r["method"]: r for r in table_rows(work, "ct_table1") if r["row"] == ""}
    assert list(rows) == ["refined"]
    vols = read_rows(job_dir(work, "refined") / "test" / "per_volume.csv")
    assert sorted(v["case"] for v in vols) == ["PANCREAS_0001", "PANCREAS_0002"]  # fold 0 of the NIH split
    dsc = [100 * float(v["dice"]) for v in vols]
    assert float(rows["refined"]["DSC (%) mean"]) == pytest.approx(statistics.mean(dsc), abs=1e-6)
    assert float(rows["refined"]["DSC (%) std"]) == pytest.approx(statistics.stdev(dsc), abs=1e-6)
    check_cost(rows["refined"], "volume")
    cost = json.loads((job_dir(work, "refined") / "cost.json").read_text())
    assert cost["test_samples"] == {"image": 24, "volume": 2}  # 2 volumes of 12 slices


@pytest.mark.slow
def test_ct_sliver07_table2(tmp_path):
    raw = write_raw_dataset("sliver07", tmp_path / "raw")
    _, work = run_spec("ct_sliver07_table2.yaml", raw, tmp_path, ["basic"],
                       ITERS_2 + ["train_dataloader.batch_size=2"] + size_px(2, 1, 64), folds=[0])
    rows = table_rows(work, "ct_table2")
    vols = read_rows(job_dir(work, "basic") / "test" / "per_volume.csv")
    assert sorted(v["case"] for v in vols) == ["liver-001", "liver-002"]
    assert float(rows[0]["VOE (%) mean"]) == pytest.approx(statistics.mean(100 * float(v["voe"]) for v in vols),
                                                           abs=1e-6)
    check_cost(rows[0], "volume")


@pytest.mark.slow
def test_aru_net_busi_table4_and_ttest(tmp_path):
    from scipy import stats

    raw = write_raw_dataset("busi", tmp_path / "raw")
    # one training iteration: the first 2 of the 6 training images (mmengine BaseDataset's ``indices``)
    size = ["train_dataloader.dataset.indices=2",
            "train_dataloader.dataset.pipeline.2.scale=(64,64)", "train_dataloader.dataset.pipeline.5.prob=0.0",
            "val_dataloader.dataset.pipeline.1.scale=(64,64)", "test_dataloader.dataset.pipeline.1.scale=(64,64)",
            "model.data_preprocessor.size=(64,64)"]
    _, work = run_spec("aru_net_busi_table4.yaml", raw, tmp_path, ["ARU-Net", "U-Net"], EPOCH_1 + size)
    rows = {r["method"]: r for r in table_rows(work, "aru_net_table4") if r["row"] == ""}
    assert list(rows) == ["ARU-Net", "U-Net"]
    ablation = (work / "tables" / "aru_net_ablation.md").read_text()  # its rows among the methods run: ARU-Net
    assert "| ARU-Net |" in ablation and "Ablation-U-Net" not in ablation

    def lesion(method: str) -> dict[str, float]:
        per = read_rows(job_dir(work, method) / "test" / "per_image.csv")
        return {Path(r["img_path"]).name: float(r["iou"]) for r in per if r["class"] != "background"}

    a, b = lesion("ARU-Net"), lesion("U-Net")
    assert sorted(a) == sorted(b) and len(a) == 2  # BUSI 7:1:2 of 10 lesion images: 2 test images
    names = sorted(a)
    p = stats.ttest_rel([a[n] for n in names], [b[n] for n in names], alternative="greater").pvalue
    cell = rows["U-Net"]["p IoU (one-sided) mean"]
    assert (cell == "nan" and p != p) or float(cell) == pytest.approx(p, rel=1e-9)
    check_cost(rows["ARU-Net"])


@pytest.mark.slow
def test_deepspv_task09_mrva(tmp_path):
    raw = write_raw_dataset("task09_spleen", tmp_path / "raw")
    _, work = run_spec("deepspv_task09_mrva.yaml", raw, tmp_path, ["RVAE-dual"], EPOCH_1)
    rows = {r["method"]: r for r in table_rows(work, "deepspv_mrva") if r["row"] == ""}
    assert list(rows) == ["RVAE"]  # the row of RVAE-single and RVAE-dual
    cases = read_rows(sorted((job_dir(work, "RVAE-dual") / "test").glob("*/volume_per_case.csv"))[-1])
    mrva = statistics.mean(100 * (1 - abs(float(c["pred_volume_ml"]) - float(c["gt_volume_ml"])) /
                                  float(c["gt_volume_ml"])) for c in cases)
    assert float(rows["RVAE"]["MRVA dual view (%) mean"]) == pytest.approx(mrva, abs=1e-6)
    assert rows["RVAE"]["MRVA single view (%) mean"] == ""  # only the dual-view RVAE ran
    check_cost(rows["RVAE"], "case")


# ---------------------------------------------------------------------------------------- fast: no data needed
@pytest.mark.parametrize("spec", sorted(PAPER_SPECS))
def test_full_spec_lists_every_method(spec):
    """The whole spec resolves without the data: every method's config exists, one job per method and fold,
    the converter step pending, the tables' rows methods of the spec."""
    out = run_tool("tools/benchmark.py", f"benchmarks/{spec}", "--commands", "--data", "/nonexistent/raw").stdout
    jobs = [ln.split() for ln in out.splitlines() if ln[:3].strip().isdigit()]  # "  0  method/fold0_seed0 pending"
    assert len(jobs) == PAPER_SPECS[spec] * FOLDS.get(spec, 1), out
    assert all(j[2] == "pending" for j in jobs)
    assert any(ln.startswith("prepare: ") and ln.endswith(" pending") for ln in out.splitlines())
    assert "table: work_dirs/paper_" in out
    assert "datasets_prep/" in out and "/nonexistent/raw" in out  # the converter reads the --data folder


def test_readme_reproduces_every_paper_spec(monkeypatch):
    """README "Reproduce a paper": one table row per paper spec naming the tables it writes, and its one command
    with the spec's default raw folder; run times labelled as estimates."""
    from organseg_plugins.core.benchmark.spec import load_spec

    monkeypatch.chdir(REPO)
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Reproduce a paper"):]
    section = section[:section.index("\n## ", 3)]
    assert "**Run times are estimates**" in section and "GPU time (estimate)" in section
    for name in PAPER_SPECS:
        spec = load_spec(REPO / "benchmarks" / name)
        rows = [ln for ln in section.splitlines() if ln.startswith("|") and f"`{name}`" in ln]
        assert len(rows) == 1, (name, rows)
        for table in spec.tables:
            assert f"`{table.name}.{{md,csv,tex}}`" in rows[0], (name, table.name)
        command = f"tools/benchmark.py benchmarks/{name}"
        lines = [" ".join(ln.split()) for ln in section.splitlines() if command in ln and "--data" in ln]
        assert f".venv/bin/python {command} --data {spec.variables['data']}" in lines, (name, lines)


def test_every_paper_spec_is_tested():
    specs = {p.name for p in (REPO / "benchmarks").glob("*.yaml")} - {"spleen_phantom_2fold.yaml"}
    assert specs == set(PAPER_SPECS)


def test_paper_tables_cost_flag(tmp_path):
    """tools/analysis/paper_tables.py --cost: the cost columns from the jobs' cost.json (Markdown, CSV, LaTeX)."""
    wd = tmp_path / "bench" / "U-Net" / "fold0_seed0"
    (wd / "test").mkdir(parents=True)
    (wd / "state.json").write_text('{"state": "done"}')
    (wd / "job.json").write_text('{"method": "U-Net", "fold": 0, "seed": 0, "framework": "mmseg"}')
    (wd / "test" / "per_image.csv").write_text("img_path,class,iou,trimap_iou,boundary_f,boundary_iou\n"
                                               "/d/a.png,liver,90,0.5,0.6,0.7\n")
    (wd / "cost.json").write_text(json.dumps({"train": {"wall_s": 90.0, "peak_rss_mib": 1536.0, "device": "cpu"},
                                              "test": {"wall_s": 3.0}, "test_samples": {"image": 1},
                                              "test_s_per": {"image": 3.0}}))
    out = tmp_path / "t"
    plain = run_tool("tools/analysis/paper_tables.py", str(tmp_path / "bench"), "--layout", "liver_table6",
                     "--out", str(out)).stdout
    assert "Train (min)" not in plain
    proc = run_tool("tools/analysis/paper_tables.py", str(tmp_path / "bench"), "--layout", "liver_table6", "--cost",
                    "--out", str(out))
    assert "| U-Net | 90.00 | 50.00 | 60.00 | 70.00 | 1.5 | 1.50 |  | 3.000 |" in proc.stdout
    assert "Test (s/image) mean" in (out / "liver_table6.csv").read_text()
    assert "Train peak RSS (GiB)" in (out / "liver_table6.tex").read_text()
