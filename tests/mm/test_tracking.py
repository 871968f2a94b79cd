"""Experiment tracking (organseg_plugins.mm.apis.add_tracking, tools/train.py --track): mmengine's TensorBoard and
MLflow vis backends receive every validation metric and every logged loss / learning rate; read back with
TensorBoard's event reader and the MLflow client on the local file store, compared with the values the metric
returned (in-process toy run) and with mmengine's own ``vis_data/scalars.json`` (phantom runs of the three metrics
and the GAN phase)."""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from organseg_plugins.core.cli import EXIT_USER_ERROR
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.mm.apis import add_tracking, default_trackers
from tests.conftest import REPO, ct_run_options, mm_scalars, run_tool, small_run_options

SPLEEN = REPO / "configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py"
PIX2PIX = "configs/spleen/segformer_b0_pix2pix_phantom-spleen-128x128.py"
CT = "configs/ct_volume/basic_unet-d5_1xb4-dice-200it_phantom-pancreas-64x64.py"
RVAE = "configs/deepspv/rvae_1xb16-1000it_phantom-views-64-coronal.py"
HAS_WANDB = importlib.util.find_spec("wandb") is not None


# --- reading the tracked values back ------------------------------------------------------------------------
def tensorboard_scalars(event_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """``{tag: [(step, value), ...]}`` of the TensorBoard event files in ``event_dir``."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(event_dir), size_guidance={"scalars": 0})  # 0: keep every event
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def mlflow_run(store: Path, exp_name: str):
    """``(client, run)``: the one finished run of experiment ``exp_name`` in the local file store ``store``."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"file://{store}")
    exp = client.get_experiment_by_name(exp_name)
    assert exp is not None, [e.name for e in client.search_experiments()]
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 1 and runs[0].info.status == "FINISHED", runs
    return client, runs[0]


def mlflow_scalars(client, run) -> dict[str, list[tuple[int, float]]]:
    return {key: [(m.step, m.value) for m in client.get_metric_history(run.info.run_id, key)]
            for key in run.data.metrics}


def same32(a: float, b: float) -> bool:
    """Equal to float32 precision (TensorBoard stores float32), NaN equal to NaN."""
    a32, b32 = np.float32(a), np.float32(b)
    return bool(a32 == b32 or (np.isnan(a32) and np.isnan(b32)))


def assert_logged(records: list[dict], keys, tracked: dict[str, list[tuple[int, float]]], backend: str) -> None:
    """Each of ``keys`` of each record (``step`` + values) was logged by ``backend`` at that step with that value."""
    for rec in records:
        for key in keys:
            logged = [v for s, v in tracked.get(key, []) if s == rec["step"]]
            assert any(same32(v, rec[key]) for v in logged), (backend, key, rec["step"], rec[key], tracked.get(key))


def assert_tracked(work_dir: Path, exp_name: str, val_keys, train_keys=()) -> list[dict]:
    """The latest run in ``work_dir`` wrote TensorBoard events and an MLflow run whose validation metrics
    (``val_keys``: every key of every validation record) and train scalars (``train_keys``) equal mmengine's
    ``vis_data/scalars.json``, step by step. Returns the validation records."""
    records = mm_scalars(work_dir)
    val = [r for r in records if "iter" not in r]  # LoggerHook's train records carry the iteration, val ones not
    train = [r for r in records if "iter" in r]
    assert val and set(val_keys) <= set(val[-1]), (sorted(val_keys), records[-1])
    assert not train_keys or (train and all(set(train_keys) <= set(r) for r in train)), (train_keys, train)
    events = sorted(work_dir.glob("*/vis_data/events.out.tfevents.*"))
    assert events, sorted(p.name for p in work_dir.rglob("*"))[:30]
    tb = tensorboard_scalars(events[-1].parent)
    client, run = mlflow_run(work_dir / "mlruns", exp_name)
    ml = mlflow_scalars(client, run)
    for tracked, backend in ((tb, "tensorboard"), (ml, "mlflow")):
        assert_logged(val, val_keys, tracked, backend)
        assert_logged(train, train_keys, tracked, backend)
    assert run.data.params, "the config was not logged as params"
    return val


def val_log_metrics(log: str) -> dict[str, float]:
    """``{name: value}`` of the last ``Iter(val) [n/n]`` summary line (what mmengine printed the metrics as)."""
    line = [s for s in log.splitlines() if re.search(r"Iter\(val\) \[(\d+)/\1\]\s+\S+: ", s) and "eta:" not in s][-1]
    items = dict(re.findall(r"(\S+): (-?[\d.]+|nan|inf|-inf)\b", line.split("]", 1)[1]))
    return {k: float(v) for k, v in items.items() if k not in ("time", "data_time", "eta")}


def assert_every_metric_tracked(log: str, val_records: list[dict]) -> None:
    """Every metric mmengine printed for the last validation is in the tracked record, with that value."""
    printed = val_log_metrics(log)
    assert printed and set(printed) <= set(val_records[-1]), sorted(set(printed) - set(val_records[-1]))
    for key, value in printed.items():
        assert math.isclose(value, val_records[-1][key], abs_tol=1e-4) or (
            math.isnan(value) and math.isnan(val_records[-1][key])), key


# --- the switch -------------------------------------------------------------------------------------------------
def _cfg(tmp_path, **extra) -> Config:
    cfg = Config.fromfile(str(SPLEEN))
    cfg.work_dir = str(tmp_path / "w")
    cfg.merge_from_dict(extra)
    return cfg


def _types(cfg) -> list[str]:
    return [b["type"] for b in cfg.visualizer.vis_backends]


def test_off_by_default_and_backends_added_once(tmp_path):
    cfg = _cfg(tmp_path)
    assert add_tracking(cfg) == [] and _types(cfg) == ["LocalVisBackend"]
    assert add_tracking(cfg, ["tensorboard", "mlflow", "mlflow"]) == ["tensorboard", "mlflow"]
    assert add_tracking(cfg, ["tensorboard", "mlflow"]) == []  # already there: not twice
    assert _types(cfg) == ["LocalVisBackend", "TensorboardVisBackend", "MLflowVisBackend"]
    tb, ml = cfg.visualizer.vis_backends[1:]
    assert "save_dir" not in tb  # the runner's WORK_DIR/<timestamp>/vis_data, next to scalars.json
    assert ml["save_dir"] == str(tmp_path / "w" / "mlruns") and "tracking_uri" not in ml  # local file store
    assert ml["exp_name"] == SPLEEN.stem and ml["run_name"] == "w" and tuple(ml["artifact_suffix"]) == ()


def test_config_variable_cfg_options_and_store_choice(tmp_path):
    cfg = _cfg(tmp_path, tracking=["mlflow"], tracking_uri=str(tmp_path / "shared"))  # --cfg-options tracking=mlflow
    assert add_tracking(cfg) == ["mlflow"] and cfg.visualizer.vis_backends[-1]["save_dir"] == str(tmp_path / "shared")
    cfg = _cfg(tmp_path, tracking="tensorboard", tracking_uri="http://127.0.0.1:5000")
    assert add_tracking(cfg, ["mlflow"]) == ["mlflow"]  # the argument wins over the variable
    assert cfg.visualizer.vis_backends[-1]["tracking_uri"] == "http://127.0.0.1:5000"
    cfg = _cfg(tmp_path, tracking_uri=f"file://{tmp_path}/s2")
    add_tracking(cfg, "mlflow")
    assert cfg.visualizer.vis_backends[-1]["save_dir"] == str(tmp_path / "s2")
    cfg = Config(dict(work_dir=str(tmp_path)))  # no visualizer in the config: mmengine's default + the backends
    assert add_tracking(cfg, True) == default_trackers()
    assert _types(cfg)[:3] == ["LocalVisBackend", "TensorboardVisBackend", "MLflowVisBackend"]


def test_wandb_offline_only_where_installed(tmp_path, monkeypatch):
    assert ("wandb" in default_trackers()) == HAS_WANDB
    if not HAS_WANDB:
        with pytest.raises(OrgansegInputError, match="wandb"):
            add_tracking(_cfg(tmp_path), ["wandb"])
        real = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object() if name == "wandb" else real(name, *a))
    cfg = _cfg(tmp_path)
    assert add_tracking(cfg, True) == ["tensorboard", "mlflow", "wandb"]
    wb = cfg.visualizer.vis_backends[-1]
    assert wb["type"] == "WandbVisBackend" and wb["init_kwargs"]["mode"] == "offline"


def test_user_errors(tmp_path):
    with pytest.raises(OrgansegInputError, match="unknown tracking backend.*'neptune'"):
        add_tracking(_cfg(tmp_path), ["tensorboard", "neptune"])
    cfg = _cfg(tmp_path)
    cfg.work_dir = None
    with pytest.raises(OrgansegInputError, match="work_dir"):
        add_tracking(cfg, ["tensorboard"])


@pytest.mark.skipif(HAS_WANDB, reason="wandb is installed")
def test_cli_wandb_without_wandb_is_one_line(tmp_path):
    proc = run_tool("tools/train.py", str(SPLEEN), "--work-dir", str(tmp_path), "--track", "wandb", check=False,
                    timeout=300)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert proc.returncode == EXIT_USER_ERROR and len(errors) == 1 and "wandb" in errors[0], proc.stderr[-2000:]


# --- mmengine's runner -> the backends, in process: the metric's returned values --------------------------------
class _ToyDataset(torch.utils.data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return dict(inputs=torch.tensor([float(i)]), data_samples=i)


def _toy_model():
    from mmengine.model import BaseModel

    class Toy(BaseModel):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def forward(self, inputs, data_samples=None, mode="tensor"):
            x = torch.stack(inputs)
            if mode == "loss":
                return dict(loss_fit=((x * self.w - x) ** 2).mean(), loss_reg=0.1 * self.w.abs().sum())
            return [float(self.w) * float(v) for v in x]

    return Toy()


def _toy_metric(returned: list):
    from mmengine.evaluator import BaseMetric

    class ToyMetric(BaseMetric):
        def process(self, data_batch, data_samples):
            self.results += [(p, float(t)) for p, t in zip(data_samples, data_batch["inputs"])]

        def compute_metrics(self, results):
            err = np.array([p - t for p, t in results])
            out = {"mae": float(np.abs(err).mean()), "Dice.organ": float(100 / (1 + np.abs(err).sum())),
                   "nan_std": float("nan"), "worst_inf": float("inf"), "n": len(results),
                   "per_case": np.abs(err), "table": "a printed table"}  # the last two are no scalars
            returned.append(dict(out))
            return out

    return ToyMetric()


def test_runner_logs_each_metric_per_validation_step(tmp_path):
    """3 iterations, a validation after each: every scalar the metric returned reaches TensorBoard and MLflow at
    its step (NaN and inf included), the non-scalar values break nothing; the losses and lr of each iteration too."""
    from mmengine.runner import Runner

    cfg = Config(dict(work_dir=str(tmp_path / "w")))
    add_tracking(cfg, ["tensorboard", "mlflow"])
    returned: list[dict] = []
    loader = dict(dataset=_ToyDataset(), sampler=dict(type="DefaultSampler", shuffle=False), batch_size=2,
                  num_workers=0)
    runner = Runner(model=_toy_model(), work_dir=cfg.work_dir, experiment_name=f"tracking_{tmp_path.name}",
                    train_dataloader=loader, val_dataloader=loader, val_evaluator=[_toy_metric(returned)],
                    train_cfg=dict(by_epoch=False, max_iters=3, val_interval=1), val_cfg=dict(),
                    optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
                    default_hooks=dict(logger=dict(type="LoggerHook", interval=1, log_metric_by_epoch=False),
                                       checkpoint=None),
                    log_processor=dict(by_epoch=False), visualizer=cfg.visualizer.to_dict(), default_scope="mmengine",
                    cfg=cfg)  # a runner with no cfg never calls add_config, which MLflowVisBackend.close needs
    runner.train()
    assert len(returned) == 3 and returned[0]["mae"] != returned[-1]["mae"]
    scalar_keys = ["mae", "Dice.organ", "nan_std", "worst_inf", "n"]
    val = [dict(step=step, **{k: r[k] for k in scalar_keys}) for step, r in zip((1, 2, 3), returned)]
    train = [r for r in mm_scalars(tmp_path / "w") if "loss" in r]
    assert [r["step"] for r in train] == [1, 2, 3]
    tb = tensorboard_scalars(next((tmp_path / "w").glob("*/vis_data/events.out.tfevents.*")).parent)
    client, run = mlflow_run(tmp_path / "w" / "mlruns", "w")
    ml = mlflow_scalars(client, run)
    for tracked, backend in ((tb, "tensorboard"), (ml, "mlflow")):
        assert_logged(val, scalar_keys, tracked, backend)
        assert_logged(train, ["loss", "loss_fit", "loss_reg", "lr"], tracked, backend)
        assert "per_case" not in tracked and "table" not in tracked
    assert math.isinf(dict(ml["worst_inf"])[1]) and math.isnan(dict(tb["nan_std"])[2])


# --- phantom runs through tools/train.py -------------------------------------------------------------------------
@pytest.mark.slow
def test_gan_phase_and_organseg_metric_tracked(phantom_root, tmp_path):
    """Pix2Pix phase (SegFormer generator from scratch), 2 iterations, a validation after each (OrganSegMetric):
    D/G losses and both learning rates at each iteration, every metric at each validation."""
    work = tmp_path / "w"
    proc = run_tool("tools/train.py", PIX2PIX, "--work-dir", str(work), "--track", "tensorboard", "mlflow",
                    *small_run_options(phantom_root, 2), "load_from=None", "train_cfg.val_interval=1")
    gan = ["loss_d", "loss_d_pix2pix", "loss_g", "loss_g_adv_pix2pix", "loss_g_l1_pix2pix", "generator.lr",
           "discriminators.lr"]
    metrics = ["mDice", "mIoU", "Dice.spleen", "IoU.spleen", "img_Dice.spleen", "img_Dice_std.spleen", "kappa",
               "aAcc", "MPLE"]
    val = assert_tracked(work, Path(PIX2PIX).stem, metrics, gan)
    assert [r["step"] for r in val] == [1, 2]
    assert_every_metric_tracked(proc.stdout + proc.stderr, val)
    assert_tracked(work, Path(PIX2PIX).stem, [k for k in val[-1] if k != "step"])  # every key, time included


@pytest.mark.slow
def test_ct_volume_metric_tracked_through_the_config_variable(ct_volume_root, tmp_path):
    """OrganSegMetric + CTVolumeMetric (per-volume means and stds) of the CT phantom config, tracking turned on
    by ``--cfg-options tracking=...`` instead of ``--track``."""
    work = tmp_path / "w"
    proc = run_tool("tools/train.py", CT, "--work-dir", str(work), *ct_run_options(ct_volume_root, 2),
                    "tracking=tensorboard,mlflow")
    val = mm_scalars(work)[-1]
    keys = [k for k in val if k not in ("step", "time", "data_time")]
    assert {"vol_DSC", "vol_DSC_std", "vol_ASD", "vol_RVD", "vol_VOE", "mDice"} <= set(keys), keys
    val_records = assert_tracked(work, Path(CT).stem, keys)
    assert_every_metric_tracked(proc.stdout + proc.stderr, val_records)


@pytest.fixture(scope="module")
def small_views_root(tmp_path_factory) -> Path:
    """24 spleen-view phantom cases (16 train / 4 val / 4 test), 64 px views (as tests/tools/test_deepspv.py's)."""
    from organseg_plugins.core.converters.spleen_views import mid_views
    from organseg_plugins.core.io.view_table import view_case_row, write_view_case, write_volume_table
    from organseg_plugins.core.phantoms.spleen3d import random_spleen

    root = tmp_path_factory.mktemp("views")
    rows = []
    for i in range(24):
        s = random_spleen(i, 3.0)
        v = mid_views(s.mask, s.spacing, 64, 4.0)
        write_view_case(root, f"p{i:03d}", v)
        rows.append(view_case_row(f"p{i:03d}", "train" if i < 16 else ("val" if i < 20 else "test"), s.volume_ml, v))
    write_volume_table(root, rows)
    return root


@pytest.mark.slow
def test_deepspv_metric_tracked(small_views_root, tmp_path):
    """VolumeMRVAMetric (MRVA, MAE, interval coverage and width) of the RVAE, 2 iterations."""
    work = tmp_path / "w"
    opts = ["train_cfg.max_iters=2", "train_cfg.val_interval=2", "default_hooks.checkpoint.interval=2",
            "default_hooks.logger.interval=1", "train_dataloader.batch_size=4", "randomness.seed=0"]
    for split in ("train", "val", "test"):
        opts += [f"{split}_dataloader.dataset.data_root={small_views_root}", f"{split}_dataloader.num_workers=0",
                 f"{split}_dataloader.persistent_workers=False"]
    proc = run_tool("tools/train.py", RVAE, "--work-dir", str(work), "--track", "mlflow", "tensorboard",
                    "--cfg-options", *opts, env={"OMP_NUM_THREADS": "1"})
    val = assert_tracked(work, Path(RVAE).stem, ["mrva", "mae_ml", "ci_coverage", "ci_width_ml"],
                         ["loss", "loss_volume", "loss_recon", "loss_kl", "lr"])
    assert_every_metric_tracked(proc.stdout + proc.stderr, val)
