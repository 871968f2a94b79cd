"""The benchmark spec: a small YAML file naming methods (configs) x folds x seeds, checked on load.

Example (paths relative to the directory the command runs in, normally the repository root)::

    work_root: work_dirs/bench_spleen          # one work dir per job below it
    data:
      root: data/spleen                        # the MMSeg layout (img_dir/, ann_dir/, meta.csv)
      folds: 5                                 # k-fold over the case ids of meta.csv (case_column), or
      # split_file: data/spleen/folds.json     # a k-fold assignment (organseg_plugins.core.converters.splits), or
      # fold_roots: [data/spleen_fold0, data/spleen_fold1]   # one ready data root per fold
      case_column: patient_id
      fold_seed: 0
    seeds: [0]
    cfg_options: {train_cfg.max_iters: 100}    # every mmseg job (``--cfg-options``)
    opts: {SOLVER.MAX_ITER: 100}               # every detectron2 job (``KEY VALUE`` pairs)
    methods:
      - name: segformer_b0
        config: configs/spleen/segformer_b0_bcedice_spleen-512x512.py
      - name: pix2pix
        config: configs/spleen/segformer_b0_pix2pix.py
        after: segformer_b0                     # same fold/seed of that method first
        cfg_options: {load_from: "{checkpoint:segformer_b0}"}
      - name: refined_unet                      # a list of evaluators: one CSV option each
        config: configs/ct_volume/refined_unet-d5_1xb8-dice-d1d2-40k_nih-pancreas-512x512.py
        csv_options: {test_evaluator.0.csv_file: per_image.csv, test_evaluator.1.csv_file: per_volume.csv}
      - name: RVAE-dual                         # a volume regressor: no per-image CSV, no masks to write
        config: configs/deepspv/rvae_1xb16-200e_spleen-views-128-dual.py
        csv_options: {}
        predictions: false                      # no ``tools/test.py --out`` (default true)

Placeholders in option values: ``{fold}``, ``{seed}``, ``{work_root}``, ``{data_root}`` (the fold's data
root) and ``{checkpoint:NAME}`` (the last checkpoint of method ``NAME``'s job of the same fold and seed).

A paper's spec goes from the downloaded dataset folder to the paper's table (``benchmarks/*.yaml``)::

    variables:                                  # ${name} anywhere in the spec's strings; --data / --set override
      data: data/raw/Dataset_BUSI_with_GT       # the raw dataset folder: the spec's one input
      prepared: data/busi                       # where the converter writes the MMSeg layout
    prepare:                                    # converter step(s), skipped once done (a marker file in output)
      - command: python datasets_prep/us_lesions_to_mmseg.py busi --root ${data} --out ${prepared}
        output: ${prepared}
        # per_fold: true                        # once per fold, {fold} in command and output
    data: {root: "${prepared}"}
    data_root_keys: [...]                       # default of every method's data_root_keys
    methods: [...]
    table:                                      # written after the jobs (a mapping or a list of them)
      layout: aru_net_table4                    # organseg_plugins.core.paper_tables layouts
      name: table4                              # file stem under <work_root>/tables/ (default: the layout)
      methods: [ARU-Net, U-Net]                 # rows in order (default: every method)
      reference: ARU-Net                        # the p-value columns' reference (layouts with p-values)
      shape: [512, 512]                         # input H W of the params/FLOPs columns (spleen layout)
      cost: false                               # the cost columns (tools/benchmark.py --cost turns them on)

A ``command`` is a string (split like a shell line) or a list; a first word ``python`` is the runner's own
interpreter. With a ``prepare`` step the data paths are checked once it has run (:func:`check_data`).
Every problem is one :class:`~organseg_plugins.core.errors.OrgansegInputError` naming the spec file and key.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import OrgansegInputError

__all__ = ["DEFAULT_CSV_OPTIONS", "DEFAULT_DATA_ROOT_KEYS", "BenchmarkSpec", "DataSpec", "MethodSpec", "PrepareStep",
           "TableSpec", "check_data", "framework_of", "load_spec", "parse_spec", "select", "substitute_variables"]

_TOP_KEYS = ("work_root", "variables", "prepare", "data", "data_root_keys", "seeds", "folds", "cfg_options", "opts",
             "methods", "table")
_PREPARE_KEYS = ("command", "output", "per_fold")
_TABLE_KEYS = ("layout", "name", "methods", "reference", "shape", "cost")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_VAR_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DATA_KEYS = ("root", "folds", "split_file", "fold_roots", "case_column", "fold_seed")
_METHOD_KEYS = ("name", "config", "cfg_options", "opts", "after", "data_root_keys", "csv_options", "predictions")
_NAME_RE = re.compile(r"^[A-Za-z0-9_.+-]+$")

#: ``--cfg-options`` of the test command naming a CSV file (of the job's ``test/`` dir) for each evaluator.
DEFAULT_CSV_OPTIONS = {"test_evaluator.csv_file": "per_image.csv"}

#: ``--cfg-options`` keys that receive the fold's data root for an mmseg config (per method overridable).
DEFAULT_DATA_ROOT_KEYS = ("train_dataloader.dataset.data_root", "val_dataloader.dataset.data_root",
                          "test_dataloader.dataset.data_root")


def framework_of(config: str) -> str:
    """``"mmseg"`` for a ``.py`` config, ``"detectron2"`` for a ``.yaml``/``.yml`` one.

    Raises:
        OrgansegInputError: Any other extension.
    """
    ext = Path(config).suffix.lower()
    if ext == ".py":
        return "mmseg"
    if ext in (".yaml", ".yml"):
        return "detectron2"
    raise OrgansegInputError(f"{config}: not an mmseg (.py) or detectron2 (.yaml) config")


@dataclass(frozen=True)
class MethodSpec:
    """One row of the tables: a config and its options (``predictions``: the test writes the predicted masks to
    ``test/pred/``, ``tools/test.py --out``; false for models without masks, e.g. DeepSPV's volume regressors)."""

    name: str
    config: str
    framework: str
    cfg_options: dict[str, Any] = field(default_factory=dict)
    opts: dict[str, Any] = field(default_factory=dict)
    after: str | None = None
    data_root_keys: tuple[str, ...] = DEFAULT_DATA_ROOT_KEYS
    csv_options: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CSV_OPTIONS))
    predictions: bool = True


@dataclass(frozen=True)
class DataSpec:
    """Where the data of each fold come from (exactly one of ``folds``/``split_file``/``fold_roots``, or none)."""

    root: str | None
    folds: int | None = None
    split_file: str | None = None
    fold_roots: tuple[str, ...] = ()
    case_column: str = "patient_id"
    fold_seed: int = 0

    @property
    def num_folds(self) -> int:
        """Number of folds (1 for a single data root without folds)."""
        if self.fold_roots:
            return len(self.fold_roots)
        if self.folds:
            return int(self.folds)
        return 0 if self.split_file else 1


@dataclass(frozen=True)
class PrepareStep:
    """A converter run before the jobs: ``command`` writes ``output``; done once ``output`` holds the marker.

    ``per_fold``: run once per fold, ``{fold}`` in the command and the output replaced by the fold index.
    """

    command: tuple[str, ...]
    output: str
    per_fold: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A paper table written after the jobs (:mod:`organseg_plugins.core.paper_tables` layout ``layout``)."""

    layout: str
    name: str
    methods: tuple[str, ...] = ()
    reference: str | None = None
    shape: tuple[int, int] | None = None
    cost: bool = False


@dataclass(frozen=True)
class BenchmarkSpec:
    """A checked spec (see the module docstring).

    ``override_cfg_options`` / ``override_opts`` (``tools/benchmark.py --cfg-options/--opts``, e.g. a CPU schedule)
    go to every mmseg / detectron2 job after the spec's and the method's own options.
    """

    path: str
    work_root: str
    data: DataSpec
    methods: tuple[MethodSpec, ...]
    seeds: tuple[int, ...] = (0,)
    folds: tuple[int, ...] | None = None
    cfg_options: dict[str, Any] = field(default_factory=dict)
    opts: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    prepare: tuple[PrepareStep, ...] = ()
    tables: tuple[TableSpec, ...] = ()
    override_cfg_options: dict[str, Any] = field(default_factory=dict)
    override_opts: dict[str, Any] = field(default_factory=dict)

    def method(self, name: str) -> MethodSpec:
        """The method called ``name``."""
        for m in self.methods:
            if m.name == name:
                return m
        raise KeyError(name)


def _err(path: str, key: str, msg: str) -> OrgansegInputError:
    return OrgansegInputError(f"{path}: {key}: {msg}")


def _unknown(path: str, where: str, doc: dict, allowed: tuple[str, ...]) -> None:
    bad = sorted(set(doc) - set(allowed))
    if bad:
        raise _err(path, f"{where}{bad[0]}", f"unknown key (allowed: {', '.join(allowed)})")


def _mapping(path: str, key: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _err(path, key, f"expected a mapping of option: value, got {type(value).__name__}")
    return {str(k): v for k, v in value.items()}


def _ints(path: str, key: str, value: Any) -> tuple[int, ...]:
    vals = value if isinstance(value, list) else [value]
    if not vals or not all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        raise _err(path, key, f"expected an integer or a list of integers, got {value!r}")
    return tuple(vals)


def _data(path: str, doc: Any, check_paths: bool = True) -> DataSpec:
    if not isinstance(doc, dict):
        raise _err(path, "data", "expected a mapping with root and folds/split_file/fold_roots")
    _unknown(path, "data.", doc, _DATA_KEYS)
    chosen = [k for k in ("folds", "split_file", "fold_roots") if doc.get(k) is not None]
    if len(chosen) > 1:
        raise _err(path, f"data.{chosen[1]}", f"give only one of folds, split_file, fold_roots (also {chosen[0]})")
    root = doc.get("root")
    if root is None and not doc.get("fold_roots"):
        raise _err(path, "data.root", "missing (needed unless fold_roots are given)")
    roots = tuple(str(r) for r in (doc.get("fold_roots") or ()))
    folds = doc.get("folds")
    if folds is not None and (not isinstance(folds, int) or isinstance(folds, bool) or folds < 2):
        raise _err(path, "data.folds", f"expected an integer >= 2, got {folds!r}")
    split_file = doc.get("split_file")
    seed = doc.get("fold_seed", 0)
    if not isinstance(seed, int):
        raise _err(path, "data.fold_seed", f"expected an integer, got {seed!r}")
    data = DataSpec(root=None if root is None else str(root), folds=folds,
                    split_file=None if split_file is None else str(split_file), fold_roots=roots,
                    case_column=str(doc.get("case_column", "patient_id")), fold_seed=seed)
    if check_paths:
        _check_data_paths(path, data)
    return data


def _check_data_paths(path: str, data: DataSpec, folds: tuple[int, ...] | None = None) -> None:
    if data.root is not None and not os.path.isdir(data.root):
        raise _err(path, "data.root", f"data root not found: {data.root}")
    for i, r in enumerate(data.fold_roots):
        if (folds is None or i in folds) and not os.path.isdir(r):
            raise _err(path, f"data.fold_roots[{i}]", f"data root not found: {r}")
    if data.split_file is not None and not os.path.isfile(data.split_file):
        raise _err(path, "data.split_file", f"split file not found: {data.split_file}")


def check_data(spec: BenchmarkSpec) -> None:
    """Check the data paths of a spec whose ``prepare`` steps have run (the folds it runs only).

    Raises:
        OrgansegInputError: A missing data root, fold root or split file (spec file and key named).
    """
    _check_data_paths(spec.path, spec.data, spec.folds)


def _check_entry(path: str, key: str, doc: Any, allowed: Any, required: tuple[str, ...]) -> None:
    """One list entry of the spec: a mapping with only ``allowed`` keys and every ``required`` one set."""
    if not isinstance(doc, dict):
        raise _err(path, key, f"expected a mapping with {' and '.join(required)}")
    _unknown(path, f"{key}.", doc, allowed)
    for req in required:
        if not doc.get(req):
            raise _err(path, f"{key}.{req}", "missing")


def _method(path: str, i: int, doc: Any, default_keys: tuple[str, ...] = DEFAULT_DATA_ROOT_KEYS) -> MethodSpec:
    key = f"methods[{i}]"
    _check_entry(path, key, doc, _METHOD_KEYS, ("name", "config"))
    name = str(doc["name"])
    if not _NAME_RE.match(name):
        raise _err(path, f"{key}.name", f"{name!r}: use letters, digits and _ . + - only (it names work dirs)")
    config = str(doc["config"])
    if not os.path.isfile(config):
        raise _err(path, f"{key}.config", f"config file not found: {config}")
    try:
        fw = framework_of(config)
    except OrgansegInputError as exc:
        raise _err(path, f"{key}.config", str(exc)) from exc
    keys = doc.get("data_root_keys", default_keys)
    if not isinstance(keys, (list, tuple)) or not all(isinstance(k, str) for k in keys):
        raise _err(path, f"{key}.data_root_keys", "expected a list of option names")
    csv = doc.get("csv_options", DEFAULT_CSV_OPTIONS)
    if csv is None:
        csv = {}
    if not isinstance(csv, dict) or not all(isinstance(v, str) and v.endswith(".csv") for v in csv.values()):
        raise _err(path, f"{key}.csv_options", "expected a mapping of option: file name ending in .csv")
    predictions = doc.get("predictions", True)
    if not isinstance(predictions, bool):
        raise _err(path, f"{key}.predictions", f"expected true or false, got {predictions!r}")
    return MethodSpec(name=name, config=config, framework=fw, csv_options={str(k): v for k, v in csv.items()},
                      predictions=predictions,
                      cfg_options=_mapping(path, f"{key}.cfg_options", doc.get("cfg_options")),
                      opts=_mapping(path, f"{key}.opts", doc.get("opts")),
                      after=None if doc.get("after") is None else str(doc["after"]), data_root_keys=tuple(keys))


def _command(path: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        try:
            words = shlex.split(value)
        except ValueError as exc:
            raise _err(path, key, f"cannot split the command line ({exc})") from exc
    elif isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        words = [str(v) for v in value]
    else:
        raise _err(path, key, "expected a command line (a string or a list of words)")
    if not words:
        raise _err(path, key, "empty command")
    return tuple(words)


def _prepare(path: str, doc: Any) -> tuple[PrepareStep, ...]:
    if doc is None:
        return ()
    steps = doc if isinstance(doc, list) else [doc]
    out = []
    for i, step in enumerate(steps):
        key = f"prepare[{i}]"
        _check_entry(path, key, step, _PREPARE_KEYS, ("command", "output"))
        per_fold = step.get("per_fold", False)
        if not isinstance(per_fold, bool):
            raise _err(path, f"{key}.per_fold", f"expected true or false, got {per_fold!r}")
        output = str(step["output"])
        if per_fold and "{fold}" not in output:
            raise _err(path, f"{key}.output", "a per_fold step writes one folder per fold: put {fold} in it")
        out.append(PrepareStep(command=_command(path, f"{key}.command", step["command"]), output=output,
                               per_fold=per_fold))
    return tuple(out)


def _tables(path: str, doc: Any, methods: tuple[MethodSpec, ...]) -> tuple[TableSpec, ...]:
    if doc is None:
        return ()
    from ..paper_tables import layout_names  # the package registers every paper's layout

    items = doc if isinstance(doc, list) else [doc]
    names = [m.name for m in methods]
    out: list[TableSpec] = []
    for i, item in enumerate(items):
        key = "table" if not isinstance(doc, list) else f"table[{i}]"
        if not isinstance(item, dict):
            raise _err(path, key, "expected a mapping with layout (and name, methods, reference, shape, cost)")
        _unknown(path, f"{key}.", item, _TABLE_KEYS)
        layout = str(item.get("layout") or "")
        if layout not in layout_names():
            raise _err(path, f"{key}.layout", f"unknown table layout {layout!r} (known: {', '.join(layout_names())})")
        rows = item.get("methods") or names
        if not isinstance(rows, list) or not all(isinstance(r, str) for r in rows):
            raise _err(path, f"{key}.methods", "expected a list of method names")
        for r in rows:
            if r not in names:
                raise _err(path, f"{key}.methods", f"{r!r} is not a method of the spec")
        ref = item.get("reference")
        if ref is not None and ref not in rows:
            raise _err(path, f"{key}.reference", f"{ref!r} is not a row of the table")
        shape = item.get("shape")
        if shape is not None and (not isinstance(shape, list) or len(shape) != 2 or
                                  not all(isinstance(v, int) and v > 0 for v in shape)):
            raise _err(path, f"{key}.shape", f"expected [H, W] in pixels, got {shape!r}")
        cost = item.get("cost", False)
        if not isinstance(cost, bool):
            raise _err(path, f"{key}.cost", f"expected true or false, got {cost!r}")
        name = str(item.get("name") or layout)
        if not _NAME_RE.match(name):
            raise _err(path, f"{key}.name", f"{name!r}: use letters, digits and _ . + - only (it names files)")
        if any(t.name == name for t in out):
            raise _err(path, f"{key}.name", f"two tables named {name!r}: give each its own name")
        out.append(TableSpec(layout=layout, name=name, methods=tuple(rows), reference=None if ref is None else str(ref),
                             shape=None if shape is None else (shape[0], shape[1]), cost=cost))
    return tuple(out)


def _variables(path: str, doc: Any, overrides: dict[str, str] | None) -> dict[str, str]:
    declared = _mapping(path, "variables", doc)
    for name, value in declared.items():
        if not _VAR_NAME_RE.match(name):
            raise _err(path, f"variables.{name}", "a variable name is letters, digits and _ (not starting with a digit)")
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise _err(path, f"variables.{name}", f"expected a string, got {value!r}")
    for name in overrides or {}:
        if name not in declared:
            have = ", ".join(declared) or "none"
            raise OrgansegInputError(f"{path}: the spec has no variable {name!r} to set (its variables: {have})")
    values = {k: str(v) for k, v in declared.items()}
    values.update({k: str(v) for k, v in (overrides or {}).items()})
    resolved: dict[str, str] = {}
    for name, value in values.items():  # a variable may use the variables defined before it
        resolved[name] = _substitute_text(path, f"variables.{name}", value, resolved)
    return resolved


def _substitute_text(path: str, key: str, text: str, variables: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name not in variables:
            have = ", ".join(f"${{{v}}}" for v in variables) or "none"
            raise _err(path, key, f"unknown variable ${{{name}}} (defined before it: {have})")
        return variables[name]

    return _VARIABLE.sub(one, text)


def substitute_variables(doc: Any, variables: dict[str, str], path: str = "<spec>", key: str = "") -> Any:
    """``doc`` with every ``${name}`` in its strings (values and mapping keys) replaced by ``variables[name]``.

    Raises:
        OrgansegInputError: An unknown variable (spec file and key named).
    """
    if isinstance(doc, str):
        return _substitute_text(path, key or "<value>", doc, variables)
    if isinstance(doc, list):
        return [substitute_variables(v, variables, path, f"{key}[{i}]") for i, v in enumerate(doc)]
    if isinstance(doc, dict):
        return {substitute_variables(k, variables, path, key) if isinstance(k, str) else k:
                substitute_variables(v, variables, path, f"{key}.{k}" if key else str(k)) for k, v in doc.items()}
    return doc


def parse_spec(doc: Any, path: str = "<spec>", variables: dict[str, str] | None = None) -> BenchmarkSpec:
    """Check a parsed spec document and return the :class:`BenchmarkSpec`.

    Args:
        doc: The YAML document (a mapping).
        path: The spec file, named in every error.
        variables: Values of the spec's ``variables`` given on the command line (``--data``, ``--set``).

    Raises:
        OrgansegInputError: Naming ``path`` and the key: unknown or missing keys, a missing config, data root or
            split file (without a ``prepare`` step), duplicate method names, an ``after`` naming no earlier method,
            bad folds or seeds, an unknown variable, table layout or table row.
    """
    if not isinstance(doc, dict):
        raise OrgansegInputError(f"{path}: expected a mapping at the top level (work_root, data, methods, ...)")
    _unknown(path, "", doc, _TOP_KEYS)
    values = _variables(path, doc.get("variables"), variables)
    doc = substitute_variables({k: v for k, v in doc.items() if k != "variables"}, values, path)
    if not doc.get("work_root"):
        raise _err(path, "work_root", "missing")
    if "data" not in doc:
        raise _err(path, "data", "missing")
    prepare = _prepare(path, doc.get("prepare"))
    data = _data(path, doc["data"], check_paths=not prepare)
    default_keys = doc.get("data_root_keys", DEFAULT_DATA_ROOT_KEYS)
    if not isinstance(default_keys, (list, tuple)) or not all(isinstance(k, str) for k in default_keys):
        raise _err(path, "data_root_keys", "expected a list of option names")
    methods_doc = doc.get("methods")
    if not isinstance(methods_doc, list) or not methods_doc:
        raise _err(path, "methods", "expected a non-empty list of {name, config}")
    methods: list[MethodSpec] = []
    for i, m in enumerate(methods_doc):
        method = _method(path, i, m, tuple(default_keys))
        if any(x.name == method.name for x in methods):
            raise _err(path, f"methods[{i}].name", f"duplicate method name {method.name!r}")
        if method.after is not None and not any(x.name == method.after for x in methods):
            raise _err(path, f"methods[{i}].after", f"{method.after!r} is not a method listed before it")
        methods.append(method)
    folds = None
    if doc.get("folds") is not None:
        folds = _ints(path, "folds", doc["folds"])
        _check_folds(path, "folds", folds, data.num_folds)
    return BenchmarkSpec(
        path=path, work_root=str(doc["work_root"]), data=data, methods=tuple(methods),
        seeds=_ints(path, "seeds", doc.get("seeds", [0])), folds=folds,
        cfg_options=_mapping(path, "cfg_options", doc.get("cfg_options")),
        opts=_mapping(path, "opts", doc.get("opts")), variables=values, prepare=prepare,
        tables=_tables(path, doc.get("table"), tuple(methods)))


def _check_folds(path: str, key: str, folds: tuple[int, ...], n: int) -> None:
    bad = [f for f in folds if f < 0 or (n and f >= n)]
    if bad:
        raise _err(path, key, f"fold {bad[0]} out of range (the data give {n} fold(s): 0..{n - 1})")


def select(spec: BenchmarkSpec, methods: list[str] | None = None, folds: list[int] | None = None,
           work_root: str | None = None, cfg_options: dict[str, Any] | None = None,
           opts: dict[str, Any] | None = None) -> BenchmarkSpec:
    """A part of ``spec`` (command-line overrides of ``tools/benchmark.py``).

    Args:
        methods: Keep these methods and the methods they run ``after`` (in the spec's order); the tables keep
            their rows among them.
        folds: Run these folds only.
        work_root: Another work root.
        cfg_options: ``--cfg-options`` added to every mmseg job, after the spec's and the method's.
        opts: ``KEY VALUE`` options added to every detectron2 job, after the spec's and the method's.

    Raises:
        OrgansegInputError: An unknown method or a fold out of range.
    """
    out = spec
    if methods:
        names = [m.name for m in spec.methods]
        for name in methods:
            if name not in names:
                raise OrgansegInputError(f"{spec.path}: --methods: no method {name!r} (methods: {', '.join(names)})")
        keep = set(methods)
        for m in reversed(spec.methods):  # the chain of ``after``
            if m.name in keep and m.after:
                keep.add(m.after)
        tables = tuple(replace(t, methods=tuple(r for r in t.methods if r in keep),
                               reference=t.reference if t.reference in keep else None) for t in spec.tables)
        out = replace(out, methods=tuple(m for m in spec.methods if m.name in keep),
                      tables=tuple(t for t in tables if t.methods))
    if folds is not None:
        _check_folds(spec.path, "--folds", tuple(folds), spec.data.num_folds)
        out = replace(out, folds=tuple(folds))
    if work_root:
        out = replace(out, work_root=str(work_root))
    if cfg_options:
        out = replace(out, override_cfg_options={**out.override_cfg_options, **cfg_options})
    if opts:
        out = replace(out, override_opts={**out.override_opts, **opts})
    return out


def load_spec(path: str | os.PathLike, variables: dict[str, str] | None = None) -> BenchmarkSpec:
    """Read and check a spec file (YAML).

    Args:
        path: The spec file.
        variables: Values of the spec's ``variables`` (``--data``, ``--set NAME=VALUE``).

    Raises:
        OrgansegInputError: Missing/unparsable file or any problem of :func:`parse_spec`.
    """
    p = str(path)
    if not os.path.isfile(p):
        raise OrgansegInputError(f"{p}: benchmark spec file not found")
    try:
        with open(p, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as exc:
        msg = " ".join(str(exc).split())
        raise OrgansegInputError(f"{p}: cannot parse the YAML ({msg})") from exc
    return parse_spec(doc, p, variables)
