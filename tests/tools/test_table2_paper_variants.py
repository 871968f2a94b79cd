"""configs/spleen/baselines/paper: the spleen paper's Tables 2-3 complexity rows as printed (Karimi et al. 2025).

Each ``paper`` variant is the architecture whose size matches the paper's Params (M) where our mmseg baseline
differs by more than 2%; params are pinned within 2% here (fast: build + ``numel``), and so are FLOPs (counter
MACs, the paper's "FLOPs (B)"): two variants in the default run, the others in the slow tests.
"""

from __future__ import annotations

import pytest

from organseg_plugins.mm.analysis import complexity
from tests.conftest import REPO

PAPER = REPO / "configs" / "spleen" / "baselines" / "paper"

#: paper variant -> (paper Params (M), paper FLOPs (B)), Tables 2-3 as printed
TABLE = {
    "deeplabv3_r50_paper-torchvision_spleen-512x512": (39.12, 162.69),
    "deeplabv3_r101_paper-torchvision_spleen-512x512": (58.16, 240.48),
    "fcn_hr48_paper-k3_spleen-512x512": (70.08, 161.5),
    "segformer_mit-b2_paper-decoder768_spleen-512x512": (27.35, 56.64),
    "segformer_mit-b3_paper-decoder768_spleen-512x512": (47.23, 71.27),
    "segnext_mscan-b_paper-head256_spleen-512x512": (26.74, 28.62),
    "segnext_mscan-l_paper-head256_spleen-512x512": (45.11, 49.49),
}


def test_every_paper_variant_is_listed():
    assert {p.stem for p in PAPER.glob("*.py")} == set(TABLE)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_paper_variant_loads(name):
    from mmengine.config import Config

    cfg = Config.fromfile(str(PAPER / f"{name}.py"))
    assert cfg["custom_imports"] == dict(imports=["organseg_plugins.mm"], allow_failed_imports=False)
    heads = cfg.model.decode_head if isinstance(cfg.model.decode_head, list) else [cfg.model.decode_head]
    assert [h["num_classes"] for h in heads] == [2] * len(heads)  # spleen vs background, as the baselines


@pytest.mark.parametrize("name", sorted(TABLE))
def test_paper_variant_params_match_the_paper(name):
    model = complexity.build_inference_model(str(PAPER / f"{name}.py"))
    params = sum(p.numel() for p in model.parameters()) / 1e6
    paper = TABLE[name][0]
    assert abs(params - paper) / paper < 0.02, (name, params, paper)


def test_torchvision_aspp_head_equals_torchvision_deeplabv3():
    """The R50 variant has exactly the parameters of torchvision's deeplabv3_resnet50 (2 classes, no aux head)."""
    tv = pytest.importorskip("torchvision.models.segmentation")
    ours = complexity.build_inference_model(str(PAPER / "deeplabv3_r50_paper-torchvision_spleen-512x512.py"))
    ref = tv.deeplabv3_resnet50(weights=None, weights_backbone=None, num_classes=2, aux_loss=False)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in ref.parameters())


#: FLOPs measured in the default run (~3 s each); the rest (bigger models, ~5-15 s each) in the slow tests
FAST_FLOPS = ("segformer_mit-b2_paper-decoder768_spleen-512x512", "segnext_mscan-b_paper-head256_spleen-512x512")


@pytest.mark.parametrize("name", [n if n in FAST_FLOPS else pytest.param(n, marks=pytest.mark.slow)
                                  for n in sorted(TABLE)])
def test_paper_variant_flops_match_the_paper(name):
    """Counter MACs (the paper's "FLOPs (B)") at 512x512 within 2% of the printed value."""
    (row,) = complexity.analyse([str(PAPER / f"{name}.py")], (512, 512))
    paper = TABLE[name][1]
    assert abs(row[complexity.STD_COL] - paper) / paper < 0.02, (name, row[complexity.STD_COL], paper)
