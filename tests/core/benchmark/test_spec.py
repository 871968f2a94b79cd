"""organseg_plugins.core.benchmark.spec: a spec is checked on load; every error names the file and the key."""

from __future__ import annotations

import re

import pytest

from organseg_plugins.core.benchmark.spec import framework_of, load_spec
from organseg_plugins.core.errors import OrgansegInputError
from tests.conftest import REPO

CFG = "configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py"
D2 = "configs/liver/mask_rcnn_R_101_FPN_liver_phantom.yaml"


def _write(tmp_path, text):
    p = tmp_path / "bench.yaml"
    p.write_text(text)
    return str(p)


def test_good_spec(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    (tmp_path / "data").mkdir()
    path = _write(tmp_path, f"""
work_root: {tmp_path}/w
data: {{root: {tmp_path}/data, folds: 3}}
seeds: [0, 1]
cfg_options: {{train_cfg.max_iters: 2}}
methods:
  - {{name: a, config: {CFG}}}
  - {{name: b, config: {D2}, after: a, opts: {{SOLVER.MAX_ITER: 2}}}}
""")
    spec = load_spec(path)
    assert [m.framework for m in spec.methods] == ["mmseg", "detectron2"]
    assert spec.data.num_folds == 3 and spec.seeds == (0, 1)
    assert spec.method("b").after == "a" and spec.method("b").opts == {"SOLVER.MAX_ITER": 2}
    assert spec.cfg_options == {"train_cfg.max_iters": 2}


@pytest.mark.parametrize(("body", "key"), [
    ("work_root: w\ndata: {root: DATA}\nmethods: [{name: a, config: nope.py}]", "methods[0].config"),
    ("work_root: w\ndata: {root: DATA}\nmethods: [{name: a, config: CFG, colour: red}]", "methods[0].colour"),
    ("work_root: w\ndata: {root: DATA}\nmethod: []", "method"),
    ("work_root: w\ndata: {root: DATA/missing}\nmethods: [{name: a, config: CFG}]", "data.root"),
    ("work_root: w\ndata: {root: DATA, folds: 1}\nmethods: [{name: a, config: CFG}]", "data.folds"),
    ("work_root: w\ndata: {root: DATA, folds: 2, split_file: x.json}\nmethods: [{name: a, config: CFG}]",
     "data.split_file"),
    ("work_root: w\ndata: {root: DATA}\nmethods: [{name: a, config: CFG}, {name: a, config: CFG}]",
     "methods[1].name"),
    ("work_root: w\ndata: {root: DATA}\nmethods: [{name: b, config: CFG, after: a}]", "methods[0].after"),
    ("work_root: w\ndata: {root: DATA, folds: 2}\nfolds: [2]\nmethods: [{name: a, config: CFG}]", "folds"),
    ("data: {root: DATA}\nmethods: [{name: a, config: CFG}]", "work_root"),
])
def test_errors_name_file_and_key(tmp_path, monkeypatch, body, key):
    monkeypatch.chdir(REPO)
    path = _write(tmp_path, body.replace("DATA", str(tmp_path)).replace("CFG", CFG))
    with pytest.raises(OrgansegInputError, match=f"^{re.escape(f'{path}: {key}:')}") as err:
        load_spec(path)
    assert str(err.value).startswith(f"{path}: {key}:"), str(err.value)


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(OrgansegInputError, match="spec file not found"):
        load_spec(tmp_path / "none.yaml")
    with pytest.raises(OrgansegInputError, match="cannot parse the YAML"):
        load_spec(_write(tmp_path, "a: [1,\n"))


def test_framework_of():
    assert framework_of("x.py") == "mmseg" and framework_of("x.YAML") == "detectron2"
    with pytest.raises(OrgansegInputError, match=r"^x\.json: not an mmseg \(\.py\) or detectron2 \(\.yaml\) config"):
        framework_of("x.json")


def test_shipped_spec_parses(monkeypatch, tmp_path):
    import yaml

    from organseg_plugins.core.benchmark.spec import parse_spec
    from tests.conftest import REPO

    monkeypatch.chdir(REPO)
    doc = yaml.safe_load((REPO / "benchmarks" / "spleen_phantom_2fold.yaml").read_text())
    doc["data"]["root"] = str(tmp_path)  # the phantoms need not exist for the check
    spec = parse_spec(doc, "benchmarks/spleen_phantom_2fold.yaml")
    assert [m.name for m in spec.methods] == ["segformer_b0", "segformer_b0_pix2pix"]
    assert spec.data.num_folds == 2
