"""Every config under configs/ loads (upstream `mmseg::` / model-zoo inheritance) and builds its model; the
phantom configs are short diffs on the real ones (data root, image size, schedule) and the project's own
inheritance chains stay shallow."""

from __future__ import annotations

import ast
import copy
import functools
from pathlib import Path

import pytest
import torch
import yaml

REPO = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO / "configs"
MM_CONFIGS = sorted(
    str(p.relative_to(CONFIG_DIR)) for p in CONFIG_DIR.rglob("*.py") if "_base_" not in p.relative_to(CONFIG_DIR).parts
)
D2_CONFIGS = sorted(str(p.relative_to(CONFIG_DIR)) for p in CONFIG_DIR.rglob("*.yaml"))
ALL_FILES = sorted(str(p.relative_to(CONFIG_DIR)) for p in CONFIG_DIR.rglob("*") if p.suffix in (".py", ".yaml"))

# Each phantom (CPU, demo/test) config and the real config it is a diff on. A new phantom config must be listed.
PHANTOM_OF = {
    "spleen/segformer_b0_bcedice_phantom-spleen-128x128.py": "spleen/segformer_b0_bcedice_spleen-512x512.py",
    "spleen/segformer_b0_pix2pix_phantom-spleen-128x128.py": "spleen/segformer_b0_pix2pix.py",
    "liver/unet_table4_1xb4-600it_phantom-liver-128x128.py": "liver/unet_table4_1xb8-50e_liver-512x512.py",
    "liver/dncnn-sr_1xb8-300it_phantom-ct-64to128.py": "liver/dncnn-sr_1xb16-100e_liver-ct-256to512.py",
    "liver/mask_rcnn_R_101_FPN_liver_phantom.yaml": "liver/mask_rcnn_R_101_FPN_liver.yaml",
    "aru_net/aru_net_1xb2-adam-cosine-150it_phantom-busi-48x48.py": "aru_net/aru_net_1xb2-adam-cosine-150e_busi-512x512.py",
    "deepspv/rvae_1xb16-1000it_phantom-views-64-coronal.py": "deepspv/rvae_1xb16-200e_spleen-views-128-coronal.py",
    "deepspv/rvae_1xb16-1000it_phantom-views-64-dual.py": "deepspv/rvae_1xb16-200e_spleen-views-128-dual.py",
    "deepspv/resnet18-regressor_1xb16-600it_phantom-views-64-coronal.py": "deepspv/resnet18-regressor_1xb16-200e_spleen-views-128-coronal.py",
    "deepspv/vgg16-regressor_1xb16-600it_phantom-views-64-coronal.py": "deepspv/vgg16-regressor_1xb16-200e_spleen-views-128-coronal.py",
    "deepspv/densenet121-regressor_1xb16-600it_phantom-views-64-coronal.py": "deepspv/densenet121-regressor_1xb16-200e_spleen-views-128-coronal.py",
    "deepspv/linreg-length_1xb16-500it_phantom-views-64.py": "deepspv/linreg-length_1xb16-200e_spleen-views-128.py",
    "deepspv/linreg-length-width_1xb16-500it_phantom-views-64.py": "deepspv/linreg-length-width_1xb16-200e_spleen-views-128.py",
    "ct_volume/basic_unet-d5_1xb4-dice-200it_phantom-pancreas-64x64.py": "ct_volume/basic_unet-d5_1xb8-dice-40k_nih-pancreas-512x512.py",
    "ct_volume/auxiliary_unet-d5_1xb4-dice-d1-200it_phantom-pancreas-64x64.py": "ct_volume/auxiliary_unet-d5_1xb8-dice-d1-40k_nih-pancreas-512x512.py",
    "ct_volume/refined_unet-d5_1xb4-dice-d1d2-200it_phantom-pancreas-64x64.py": "ct_volume/refined_unet-d5_1xb8-dice-d1d2-40k_nih-pancreas-512x512.py",
}
# Longest chain of the project's own config files (edges; upstream mmseg:: / zoo:// bases not counted):
# phantom -> real top-level config -> configs/_base_/{models,datasets,schedules} file.
MAX_DEPTH = 2

# What a phantom config may change: data (root, size, pipelines, loaders), schedule, the checkpoint it starts from.
DATA_KEYS = {"data_root", "crop_size", "train_pipeline", "test_pipeline", "tta_pipeline", "train_dataloader",
             "val_dataloader", "test_dataloader", "ct_window"}
SCHEDULE_KEYS = {"max_iters", "optim_wrapper", "param_scheduler", "train_cfg", "default_hooks", "log_processor",
                 "randomness"}
# inside `model`: the input size, and the Pix2Pix phantom's half-width discriminator (CPU cost)
MODEL_PATHS = ("data_preprocessor.size", "discriminators.patchgan.base_channels")
# detectron2: data, input size, solver, test-time cost, output folder
D2_KEYS = {"ORGANSEG.DATA_ROOT", "ORGANSEG.DATASET_PREFIX", "DATASETS.TRAIN", "DATASETS.TEST", "INPUT.MIN_SIZE_TRAIN",
           "INPUT.MAX_SIZE_TRAIN", "INPUT.MIN_SIZE_TEST", "INPUT.MAX_SIZE_TEST", "TEST.EVAL_PERIOD",
           "TEST.DETECTIONS_PER_IMAGE", "OUTPUT_DIR"}


def is_phantom(rel: str) -> bool:
    return "phantom" in Path(rel).name


def project_bases(rel: str) -> list[str]:
    """The project's own files a config's ``_base_`` (mmengine) or ``_BASE_`` (detectron2) names, read from the
    file itself; upstream ``mmseg::`` and ``zoo://`` bases are left out."""
    path = CONFIG_DIR / rel
    if path.suffix == ".yaml":
        base = (yaml.safe_load(path.read_text()) or {}).get("_BASE_")
        names = [base] if base else []
    else:
        names = []
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_base_" for t in node.targets):
                value = ast.literal_eval(node.value)
                names = [value] if isinstance(value, str) else list(value)
    out = []
    for name in names:
        if "::" in name or name.startswith("zoo://"):
            continue
        target = (path.parent / name).resolve()
        assert target.is_file(), f"{rel}: _base_ {name} not found"
        out.append(str(target.relative_to(CONFIG_DIR)))
    return out


def ancestors(rel: str) -> set[str]:
    found, todo = set(), [rel]
    while todo:
        for base in project_bases(todo.pop()):
            if base not in found:
                found.add(base)
                todo.append(base)
    return found


def depth(rel: str) -> int:
    return max((1 + depth(b) for b in project_bases(rel)), default=0)


@functools.cache
def _merged(rel: str) -> dict:
    from mmengine.config import Config

    return Config.fromfile(str(CONFIG_DIR / rel)).to_dict()


def merged(rel: str) -> dict:
    return copy.deepcopy(_merged(rel))


def diff_paths(a, b, prefix: str = "") -> list[str]:
    """Dotted paths where two merged configs differ (dicts compared key by key, anything else as a whole)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            path = f"{prefix}{key}"
            if key not in a or key not in b:
                out.append(path)
            else:
                out += diff_paths(a[key], b[key], path + ".")
        return out
    return [] if a == b and type(a) is type(b) else [prefix.rstrip(".")]


def test_there_are_configs():
    assert MM_CONFIGS and D2_CONFIGS


# ------------------------------------------------------------------------------------------- inheritance


def test_every_phantom_config_is_paired_with_a_real_one():
    phantoms = {rel for rel in ALL_FILES if is_phantom(rel)}
    assert phantoms == set(PHANTOM_OF), "list new phantom configs in PHANTOM_OF with their real config"
    assert not any(is_phantom(real) for real in PHANTOM_OF.values())
    assert all((CONFIG_DIR / real).is_file() for real in PHANTOM_OF.values())


@pytest.mark.parametrize("phantom", sorted(PHANTOM_OF))
def test_phantom_inherits_its_real_config(phantom):
    assert project_bases(phantom) == [PHANTOM_OF[phantom]]


@pytest.mark.parametrize("rel", [r for r in ALL_FILES if not is_phantom(r)])
def test_real_configs_never_inherit_a_phantom_one(rel):
    assert not [a for a in ancestors(rel) if is_phantom(a)]


@pytest.mark.parametrize("rel", ALL_FILES)
def test_inheritance_chain_is_shallow(rel):
    assert depth(rel) <= MAX_DEPTH, (rel, depth(rel))


def test_inheritance_reader_sees_the_chains():
    assert project_bases("spleen/segformer_b0_pix2pix.py") == [
        "_base_/models/segformer_b0_bcedice.py", "_base_/datasets/spleen_us.py",
        "_base_/schedules/spleen_table1_sgd-100e.py"]
    assert depth("spleen/segformer_b0_pix2pix_phantom-spleen-128x128.py") == 2
    assert depth("liver/mask_rcnn_R_101_FPN_liver.yaml") == 0  # zoo:// only


# ------------------------------------------------------------------------ phantom = real + data/size/schedule


@pytest.mark.parametrize("phantom", sorted(p for p in PHANTOM_OF if p.endswith(".py")))
def test_phantom_changes_only_data_size_and_schedule(phantom):
    real, ph = merged(PHANTOM_OF[phantom]), merged(phantom)
    changed = diff_paths(real, ph)
    assert changed  # the data root differs at least
    for path in changed:
        top = path.split(".")[0]
        if top == "model":
            assert path.endswith(MODEL_PATHS), path
        else:
            assert top in DATA_KEYS | SCHEDULE_KEYS | {"load_from"}, path
    # everything of the real config is there (its helper scalars too, e.g. Table 1's lr0/max_epochs, which
    # only its own expressions read); new keys are the iteration count and the seed
    assert set(real) - set(ph) == set()
    assert set(ph) - set(real) <= {"max_iters", "randomness"}, set(ph) - set(real)


def _sizes(node, found):
    """Every image size a resize/crop step, dataset or data preprocessor names (not DnCNN-SR's `scale` factor)."""
    if isinstance(node, dict):
        keys = {"crop_size", "img_scale", "size"} | ({"scale"} if "Resize" in str(node.get("type")) else set())
        for key, value in node.items():
            if key in keys and not isinstance(value, (dict, list)):
                found.add(tuple(value) if isinstance(value, (list, tuple)) else (value, value))
            else:
                _sizes(value, found)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _sizes(item, found)
    return found


@pytest.mark.parametrize("phantom", sorted(p for p in PHANTOM_OF if p.endswith(".py")))
def test_phantom_runs_at_the_phantom_size_only(phantom):
    """No size of the real config leaks into what a phantom run builds (model, loaders, --tta pipeline)."""
    cfg = merged(phantom)
    size = cfg["crop_size"]
    size = tuple(size) if isinstance(size, (list, tuple)) else (size, size)
    parts = [cfg["model"], cfg["train_dataloader"], cfg["val_dataloader"], cfg["test_dataloader"],
             cfg.get("tta_pipeline") or []]
    assert _sizes(parts, set()) == {size}


def test_phantom_drops_the_mosaic_wrapper():
    """Table 1's mosaic reads 4 images per sample through MultiImageMixDataset; the phantoms train on the plain
    dataset (their comment says so)."""
    real = merged("spleen/segformer_b0_bcedice_spleen-512x512.py")
    assert real["train_dataloader"]["dataset"]["type"] == "MultiImageMixDataset"
    for phantom in ("spleen/segformer_b0_bcedice_phantom-spleen-128x128.py",
                    "spleen/segformer_b0_pix2pix_phantom-spleen-128x128.py"):
        dataset = merged(phantom)["train_dataloader"]["dataset"]
        assert dataset["type"] == "SpleenUSDataset" and "dataset" not in dataset
        assert not [t for t in dataset["pipeline"] if t["type"] in ("RandomMosaic", "MultiImageMixDataset")]


@pytest.mark.parametrize("phantom", ["spleen/segformer_b0_bcedice_phantom-spleen-128x128.py",
                                     "spleen/segformer_b0_bcedice_spleen-512x512.py"])
def test_pix2pix_phase_uses_phase1_model_and_data(phantom):
    """Phase 2 is written next to phase 1 (real: same bases; phantom: the same data diff repeated, since a
    config cannot inherit both a real config and a phantom base): the generator is phase 1's model and the data
    are phase 1's."""
    phase2 = "spleen/segformer_b0_pix2pix_phantom-spleen-128x128.py" if is_phantom(phantom) else \
        "spleen/segformer_b0_pix2pix.py"
    p1, p2 = merged(phantom), merged(phase2)
    assert p2["model"]["generator"] == p1["model"]
    assert p2["model"]["data_preprocessor"] == p1["model"]["data_preprocessor"]
    for key in sorted(DATA_KEYS | {"val_evaluator", "test_evaluator", "custom_imports"}):
        assert p2.get(key) == p1.get(key), key
    for key in ("val_cfg", "test_cfg", "custom_hooks", "log_processor", "randomness"):
        assert p2.get(key) == p1.get(key), key
    if not is_phantom(phantom):  # the same Table 1 schedule; the phantom phase 2 is shorter than phase 1
        assert p2["train_cfg"] == p1["train_cfg"] and p2["default_hooks"] == p1["default_hooks"]
        assert p2["optim_wrapper"]["generator"] == p1["optim_wrapper"]
        assert p2["param_scheduler"]["generator"] == p1["param_scheduler"]


def test_detectron2_phantom_changes_only_data_size_and_schedule():
    from organseg_plugins.d2 import load_config

    def flat(node, prefix=""):
        if isinstance(node, dict):
            return {k: v for key, value in node.items() for k, v in flat(value, f"{prefix}{key}.").items()}
        return {prefix.rstrip("."): node}

    real, ph = (flat(load_config(str(CONFIG_DIR / rel))) for rel in
                ("liver/mask_rcnn_R_101_FPN_liver.yaml", "liver/mask_rcnn_R_101_FPN_liver_phantom.yaml"))
    assert set(real) == set(ph)
    changed = {k for k in real if real[k] != ph[k]}
    assert "ORGANSEG.DATA_ROOT" in changed
    assert {k for k in changed if not k.startswith("SOLVER.")} <= D2_KEYS, changed


# ------------------------------------------------------------------------------------------------ loading


@pytest.mark.parametrize("name", sorted(p for p in ALL_FILES if p.endswith(".py")))
def test_every_config_file_loads(name):
    """Bases included (each is a valid mmengine config on its own); top-level configs import the plugins."""
    cfg = merged(name)
    if "_base_" not in Path(name).parts:
        assert cfg["custom_imports"] == dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)


@pytest.mark.parametrize("name", MM_CONFIGS)
def test_mmseg_config_builds(name):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings
    from mmseg.registry import MODELS

    cfg = Config.fromfile(str(CONFIG_DIR / name))
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get("default_scope", "mmseg"))
    model = MODELS.build(cfg.model)
    # every network has > 1e5 weights, except DeepSPV's linear baselines (v = a + b x: two)
    assert sum(p.numel() for p in model.parameters()) > (1 if cfg.model.type == "LinearVolumeModel" else 1e5)
    # from scratch by default: no config may point at a download
    assert not str(cfg.get("load_from") or "").startswith("http")
    assert not str(cfg.model.get("pretrained") or "").startswith("http")
    backbone_init = cfg.model.get("backbone", {}).get("init_cfg") or {}
    assert not str(backbone_init.get("checkpoint", "")).startswith("http"), backbone_init


@pytest.mark.parametrize("name", D2_CONFIGS)
def test_detectron2_config_builds(name):
    from detectron2.modeling import build_model

    from organseg_plugins.d2 import load_config

    cfg = load_config(str(CONFIG_DIR / name), ["MODEL.DEVICE", "cpu"])
    assert cfg.MODEL.RESNETS.DEPTH == 101  # inherited from the model zoo's mask_rcnn_R_101_FPN_3x
    assert cfg.MODEL.ROI_HEADS.NUM_CLASSES == 1
    assert cfg.MODEL.WEIGHTS == ""
    model = build_model(cfg)
    norms = {type(m).__name__ for m in model.modules()}
    assert "FrozenBatchNorm2d" not in norms and "GroupNorm" in norms
    model.eval()
    with torch.no_grad():
        out = model([{"image": torch.zeros(3, 64, 64), "height": 64, "width": 64}])
    assert "instances" in out[0]
