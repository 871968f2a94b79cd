"""The paper-spec keys of organseg_plugins.core.benchmark.spec: variables, prepare, table, data_root_keys,
predictions, and select() (tools/benchmark.py --methods/--folds/--work-root/--cfg-options/--opts)."""

from __future__ import annotations

import re

import pytest

from organseg_plugins.core.benchmark.plan import evaluation_command, plan_jobs, train_command
from organseg_plugins.core.benchmark.spec import check_data, parse_spec, select, substitute_variables
from organseg_plugins.core.errors import OrgansegInputError
from tests.conftest import REPO

CFG = "configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py"
D2 = "configs/liver/mask_rcnn_R_101_FPN_liver_phantom.yaml"


def _doc(tmp_path, **extra):
    doc = {"variables": {"data": str(tmp_path / "raw"), "prepared": "${data}_mmseg"},
           "work_root": str(tmp_path / "w"),
           "prepare": {"command": "python datasets_prep/x.py --root ${data} --out ${prepared}", "output": "${prepared}"},
           "data": {"root": "${prepared}", "folds": 3},
           "data_root_keys": ["train_dataloader.dataset.dataset.data_root"],
           "methods": [{"name": "a", "config": CFG}, {"name": "b", "config": CFG, "after": "a"},
                       {"name": "c", "config": D2, "predictions": False, "data_root_keys": ["x.data_root"]}],
           "table": {"layout": "spleen_table2", "methods": ["b", "a"], "shape": [64, 64]}}
    doc.update(extra)
    return doc


@pytest.fixture(autouse=True)
def _repo(monkeypatch):
    monkeypatch.chdir(REPO)


def test_variables_prepare_and_table(tmp_path):
    spec = parse_spec(_doc(tmp_path), "p.yaml")  # the data do not exist yet: checked after the prepare step
    prepared = f"{tmp_path}/raw_mmseg"
    assert spec.variables == {"data": f"{tmp_path}/raw", "prepared": prepared}
    assert spec.data.root == prepared
    (step,) = spec.prepare
    assert step.command == ("python", "datasets_prep/x.py", "--root", f"{tmp_path}/raw", "--out", prepared)
    assert step.output == prepared and not step.per_fold
    (table,) = spec.tables
    assert (table.layout, table.name, table.methods, table.shape, table.cost) == (
        "spleen_table2", "spleen_table2", ("b", "a"), (64, 64), False)
    assert spec.method("a").data_root_keys == ("train_dataloader.dataset.dataset.data_root",)  # the spec's default
    assert spec.method("c").data_root_keys == ("x.data_root",)
    with pytest.raises(OrgansegInputError, match=r"^p\.yaml: data\.root: data root not found"):
        check_data(spec)
    other = parse_spec(_doc(tmp_path), "p.yaml", {"data": "/elsewhere"})  # --data
    assert other.data.root == "/elsewhere_mmseg" and other.prepare[0].command[3] == "/elsewhere"


def test_predictions_false_drops_the_out_option(tmp_path):
    spec = parse_spec(_doc(tmp_path, methods=[{"name": "v", "config": CFG, "predictions": False, "csv_options": {}}],
                           table=None))
    job = plan_jobs(spec)[0]
    cmd = evaluation_command(spec, job, "/d", "c.pth", python="py")
    assert "--out" not in cmd and not any("csv_file" in w for w in cmd)


@pytest.mark.parametrize(("change", "key"), [
    ({"variables": {"data": "x", "1bad": "y"}}, "variables.1bad"),
    ({"data": {"root": "${nope}"}}, "data.root"),
    ({"prepare": {"command": "python x.py"}}, "prepare[0].output"),
    ({"prepare": [{"command": "python x.py {fold}", "output": "o", "per_fold": True}]}, "prepare[0].output"),
    ({"prepare": {"command": "python 'x", "output": "o"}}, "prepare[0].command"),
    ({"table": {"layout": "nope"}}, "table.layout"),
    ({"table": {"layout": "liver_table6", "methods": ["zzz"]}}, "table.methods"),
    ({"table": {"layout": "aru_net_table4", "methods": ["a"], "reference": "b"}}, "table.reference"),
    ({"table": [{"layout": "liver_table6"}, {"layout": "liver_table6"}]}, "table[1].name"),
    ({"table": {"layout": "spleen_table2", "shape": [64]}}, "table.shape"),
    ({"methods": [{"name": "a", "config": CFG, "predictions": "no"}]}, "methods[0].predictions"),
])
def test_errors_name_the_key(tmp_path, change, key):
    with pytest.raises(OrgansegInputError, match=f"^{re.escape(f'p.yaml: {key}:')}"):
        parse_spec(_doc(tmp_path, **change), "p.yaml")


def test_unknown_variable_on_the_command_line(tmp_path):
    with pytest.raises(OrgansegInputError, match=r"^p\.yaml: the spec has no variable 'nope' to set \(its variables: "
                                                 r"data, prepared\)"):
        parse_spec(_doc(tmp_path), "p.yaml", {"nope": "1"})


def test_substitute_variables_in_keys_values_and_lists():
    doc = {"a": "${x}/y", "${x}.k": ["${x}", 3, {"b": "${x}${x}"}]}
    assert substitute_variables(doc, {"x": "Q"}) == {"a": "Q/y", "Q.k": ["Q", 3, {"b": "QQ"}]}


def test_select_methods_folds_and_overrides(tmp_path):
    spec = parse_spec(_doc(tmp_path, cfg_options={"train_cfg.max_iters": 100}), "p.yaml")
    part = select(spec, methods=["b"], folds=[1], work_root=str(tmp_path / "w2"),
                  cfg_options={"train_cfg.max_iters": "2"}, opts={"SOLVER.MAX_ITER": "2"})
    assert [m.name for m in part.methods] == ["a", "b"]  # b runs after a
    assert [t.methods for t in part.tables] == [("b", "a")]
    jobs = plan_jobs(part)
    assert [j.key for j in jobs] == ["a/fold1_seed0", "b/fold1_seed0"]
    assert jobs[0].work_dir.startswith(str(tmp_path / "w2"))
    cmd = train_command(part, jobs[0], "/d", python="py")
    assert cmd[-1] == "train_cfg.max_iters=2"  # the command line's options win over the spec's
    only_c = select(spec, methods=["c"])
    assert only_c.tables == ()  # no row of the table left
    d2 = train_command(select(only_c, opts={"SOLVER.MAX_ITER": "2"}), plan_jobs(only_c)[0], "/d", python="py")
    assert d2[d2.index("SOLVER.MAX_ITER") + 1] == "2"
    with pytest.raises(OrgansegInputError, match=r"--methods: no method 'zzz'"):
        select(spec, methods=["zzz"])
    with pytest.raises(OrgansegInputError, match=r"--folds: fold 3 out of range"):
        select(spec, folds=[3])
