"""tools/analysis/complexity.py and organseg_plugins.mm.analysis.complexity: params and MACs of the spleen
baselines in both FLOP conventions."""

from __future__ import annotations

import csv

import pytest
import torch

from organseg_plugins.core.cli import EXIT_USER_ERROR
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.mm.analysis import complexity
from tests.conftest import REPO, run_tool

TOOL = "tools/analysis/complexity.py"
BASELINES = REPO / "configs" / "spleen" / "baselines"
B0 = BASELINES / "segformer_mit-b0_8xb2-160k_spleen-512x512.py"
STD, ATTN, PARAMS = ("GMACs counter (no attention matmuls)", "GMACs +attn (incl. attention matmuls)",
                     "Params (M)")


def _read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_segformer_b0_matches_the_spleen_paper(tmp_path):
    """Spleen paper Table 3: SegFormer-B0 at 512x512 has 3.72 M params and 6.74 G FLOPs (counter MACs);
    with self-attention's matrix products it is about 7.8 G MACs."""
    out = tmp_path / "b0.csv"
    proc = run_tool(TOOL, str(B0), "--shape", "512", "512", "--csv", str(out), timeout=300)
    assert "MACs, counter convention" in proc.stdout and "MACs incl. attention matmuls" in proc.stdout
    (row,) = _read(out)
    # the printed row carries the CSV's values at two decimals, under the header that names the columns
    printed = next(ln.split() for ln in proc.stdout.splitlines() if ln.startswith(B0.stem))
    assert printed == [B0.stem, f"{float(row[PARAMS]):.2f}", f"{float(row[STD]):.2f}", f"{float(row[ATTN]):.2f}"]
    assert f"written: {out}" in proc.stdout
    assert row["config"] == B0.stem and row["shape"] == "512x512"
    assert abs(float(row[PARAMS]) - 3.72) <= 0.01
    assert abs(float(row[STD]) - 6.74) / 6.74 < 0.10
    assert abs(float(row[ATTN]) - 7.8) / 7.8 < 0.05
    assert float(row[ATTN]) - float(row[STD]) > 0.8  # QK^T and AV of 8 attention layers: ~1.04 G


def test_table_over_baselines(tmp_path):
    names = ["segnext_mscan-t_1xb16-adamw-160k_spleen-512x512.py",
             "unet-s5-d16_fcn_4xb4-160k_spleen-512x512.py",
             "ocrnet_hr18_4xb4-160k_spleen-512x512.py"]
    out = tmp_path / "table.csv"
    proc = run_tool(TOOL, *(str(BASELINES / n) for n in names), "--shape", "128", "--csv", str(out),
                    timeout=300)
    rows = {r["config"]: r for r in _read(out)}
    assert sorted(rows) == sorted(n[:-3] for n in names)
    printed = {ln.split()[0]: ln.split()[1:] for ln in proc.stdout.splitlines() if ln.split()[:1] in ([n] for n in rows)}
    for name, row in rows.items():
        assert name in proc.stdout
        assert printed[name] == [f"{float(row[c]):.2f}" for c in (PARAMS, STD, ATTN)]
        assert row["shape"] == "128x128"
        params, std, attn = float(row[PARAMS]), float(row[STD]), float(row[ATTN])
        assert params > 1 and std > 0 and attn >= std
    unet = rows["unet-s5-d16_fcn_4xb4-160k_spleen-512x512"]
    assert float(unet[ATTN]) == float(unet[STD])  # a plain CNN has no activation-by-activation products
    assert float(rows["ocrnet_hr18_4xb4-160k_spleen-512x512"][ATTN]) > float(
        rows["ocrnet_hr18_4xb4-160k_spleen-512x512"][STD])  # OCR's object attention


def test_directories_expand_to_configs(tmp_path):
    configs = complexity.expand_configs([str(BASELINES)])
    assert len(configs) >= 14 and str(B0) in configs
    assert not any("_base_" in c for c in configs)
    # a folder's own configs first, then its subfolders' (the 14 baselines, then the 7 paper variants)
    paper = [i for i, c in enumerate(configs) if "/paper/" in c]
    assert len(paper) == 7 and paper == list(range(len(configs) - 7, len(configs)))
    with pytest.raises(OrgansegInputError, match=f"no \\*.py configs under {tmp_path}"):
        complexity.expand_configs([str(tmp_path)])
    with pytest.raises(OrgansegInputError, match="config file not found: .*nope.py"):
        complexity.expand_configs([str(tmp_path / "nope.py")])


def test_matrix_products_are_told_apart():
    """x @ W (a weight) counts as a linear layer in both columns; Q K^T, A V and SDPA only in the second."""
    class Toy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.randn(16, 16))
            self.fc = torch.nn.Linear(16, 16, bias=False)

        def forward(self, x):  # x: 1x3xHxW; 64 tokens of 16 channels
            t = x.flatten(2)[:, :, :64].transpose(1, 2).reshape(1, 64, 3)
            t = torch.nn.functional.pad(t, (0, 13))  # 1x64x16
            q = t @ self.w  # weight: 64*16*16
            k = self.fc(t)  # linear: 64*16*16
            attn = torch.bmm(q, k.transpose(1, 2)).softmax(-1)  # activations: 64*16*64
            y = torch.bmm(attn, k)  # activations: 64*64*16
            z = torch.nn.functional.scaled_dot_product_attention(q, k, y)  # 64*64*(16+16)
            return z

    res = complexity.count_model(Toy().eval(), (16, 16))
    weight_macs = 2 * 64 * 16 * 16
    act_macs = 64 * 16 * 64 + 64 * 64 * 16 + 64 * 64 * 32
    assert res["macs"] == weight_macs
    assert res["macs_attn"] == weight_macs + act_macs
    assert res["params"] == 2 * 16 * 16


def test_one_channel_liver_unet_counts_match_its_layers():
    """The Table 4 U-Net reads 1 channel; its MACs are the sum over its layers, computed here by hand at 64x64."""
    model = complexity.build_inference_model(str(REPO / "configs/liver/unet_table4_1xb8-50e_liver-512x512.py"))
    assert complexity.input_channels(model) == 1
    res = complexity.count_model(model, (64, 64))
    # per level (size s, in c_in, out f): two 3x3 convs: s^2 * 9 * (c_in * f + f * f); decoder: 2x2 transposed conv
    # (s^2 * 4 * c * f at the input size), then 3x3 convs on the concat (2f -> f) and f -> f; 1x1 head: 16 * 1.
    sizes, filters = [64, 32, 16, 8, 4], [16, 32, 64, 128, 256]
    enc = sum(s * s * 9 * (ci * f + f * f) for s, ci, f in zip(sizes, [1] + filters[:-1], filters))
    dec = sum((s // 2) ** 2 * 4 * (2 * f) * f + s * s * 9 * (2 * f * f + f * f) for s, f in zip(sizes[:-1], filters[:-1]))
    assert res["macs"] == enc + dec + 64 * 64 * 16 and res["macs_attn"] == res["macs"]


@pytest.mark.parametrize("bad", ["no/such/config.py"])
def test_missing_config_fails_cleanly(bad):
    proc = run_tool(TOOL, bad, check=False, timeout=120)
    assert proc.returncode == EXIT_USER_ERROR and "error:" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"error: config file not found: {bad}"


def test_format_table_names_the_conventions():
    rows = [{"config": "a", "shape": "64x64", PARAMS: 1.234, STD: 0.5, ATTN: 0.75},
            {"config": "longer_name", "shape": "64x64", PARAMS: 12.0, STD: 10.004, ATTN: 10.004}]
    lines = complexity.format_table(rows).splitlines()
    assert lines[0].startswith("Complexity at 64x64 (batch 1")
    assert lines[4].split() == ["Config", "Params", "(M)", "GMACs", "counter", "GMACs", "+attn"]
    assert set(lines[5]) == {"-"} and len(lines[5]) == len(lines[4])
    assert lines[6].split() == ["a", "1.23", "0.50", "0.75"]
    assert lines[7].split() == ["longer_name", "12.00", "10.00", "10.00"]
    assert len(lines[6]) == len(lines[4])  # numbers right-aligned under the header
