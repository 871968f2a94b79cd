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

Placeholders in option values: ``{fold}``, ``{seed}``, ``{work_root}``, ``{data_root}`` (the fold's data
root) and ``{checkpoint:NAME}`` (the last checkpoint of method ``NAME``'s job of the same fold and seed).
Every problem is one :class:`~organseg_plugins.core.errors.OrgansegInputError` naming the spec file and key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import OrgansegInputError

__all__ = ["DEFAULT_CSV_OPTIONS", "DEFAULT_DATA_ROOT_KEYS", "BenchmarkSpec", "DataSpec", "MethodSpec", "framework_of",
           "load_spec", "parse_spec"]

_TOP_KEYS = ("work_root", "data", "seeds", "folds", "cfg_options", "opts", "methods")
_DATA_KEYS = ("root", "folds", "split_file", "fold_roots", "case_column", "fold_seed")
_METHOD_KEYS = ("name", "config", "cfg_options", "opts", "after", "data_root_keys", "csv_options")
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
    """One row of the tables: a config and its options."""

    name: str
    config: str
    framework: str
    cfg_options: dict[str, Any] = field(default_factory=dict)
    opts: dict[str, Any] = field(default_factory=dict)
    after: str | None = None
    data_root_keys: tuple[str, ...] = DEFAULT_DATA_ROOT_KEYS
    csv_options: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CSV_OPTIONS))


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
class BenchmarkSpec:
    """A checked spec (see the module docstring)."""

    path: str
    work_root: str
    data: DataSpec
    methods: tuple[MethodSpec, ...]
    seeds: tuple[int, ...] = (0,)
    folds: tuple[int, ...] | None = None
    cfg_options: dict[str, Any] = field(default_factory=dict)
    opts: dict[str, Any] = field(default_factory=dict)

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


def _data(path: str, doc: Any) -> DataSpec:
    if not isinstance(doc, dict):
        raise _err(path, "data", "expected a mapping with root and folds/split_file/fold_roots")
    _unknown(path, "data.", doc, _DATA_KEYS)
    chosen = [k for k in ("folds", "split_file", "fold_roots") if doc.get(k) is not None]
    if len(chosen) > 1:
        raise _err(path, f"data.{chosen[1]}", f"give only one of folds, split_file, fold_roots (also {chosen[0]})")
    root = doc.get("root")
    if root is not None and not os.path.isdir(str(root)):
        raise _err(path, "data.root", f"data root not found: {root}")
    if root is None and not doc.get("fold_roots"):
        raise _err(path, "data.root", "missing (needed unless fold_roots are given)")
    roots = tuple(str(r) for r in (doc.get("fold_roots") or ()))
    for i, r in enumerate(roots):
        if not os.path.isdir(r):
            raise _err(path, f"data.fold_roots[{i}]", f"data root not found: {r}")
    folds = doc.get("folds")
    if folds is not None and (not isinstance(folds, int) or isinstance(folds, bool) or folds < 2):
        raise _err(path, "data.folds", f"expected an integer >= 2, got {folds!r}")
    split_file = doc.get("split_file")
    if split_file is not None and not os.path.isfile(str(split_file)):
        raise _err(path, "data.split_file", f"split file not found: {split_file}")
    seed = doc.get("fold_seed", 0)
    if not isinstance(seed, int):
        raise _err(path, "data.fold_seed", f"expected an integer, got {seed!r}")
    return DataSpec(root=None if root is None else str(root), folds=folds,
                    split_file=None if split_file is None else str(split_file), fold_roots=roots,
                    case_column=str(doc.get("case_column", "patient_id")), fold_seed=seed)


def _method(path: str, i: int, doc: Any) -> MethodSpec:
    key = f"methods[{i}]"
    if not isinstance(doc, dict):
        raise _err(path, key, "expected a mapping with name and config")
    _unknown(path, f"{key}.", doc, _METHOD_KEYS)
    for req in ("name", "config"):
        if not doc.get(req):
            raise _err(path, f"{key}.{req}", "missing")
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
    keys = doc.get("data_root_keys", DEFAULT_DATA_ROOT_KEYS)
    if not isinstance(keys, (list, tuple)) or not all(isinstance(k, str) for k in keys):
        raise _err(path, f"{key}.data_root_keys", "expected a list of option names")
    csv = doc.get("csv_options", DEFAULT_CSV_OPTIONS)
    if not isinstance(csv, dict) or not all(isinstance(v, str) and v.endswith(".csv") for v in csv.values()):
        raise _err(path, f"{key}.csv_options", "expected a mapping of option: file name ending in .csv")
    return MethodSpec(name=name, config=config, framework=fw, csv_options={str(k): v for k, v in csv.items()},
                      cfg_options=_mapping(path, f"{key}.cfg_options", doc.get("cfg_options")),
                      opts=_mapping(path, f"{key}.opts", doc.get("opts")),
                      after=None if doc.get("after") is None else str(doc["after"]), data_root_keys=tuple(keys))


def parse_spec(doc: Any, path: str = "<spec>") -> BenchmarkSpec:
    """Check a parsed spec document and return the :class:`BenchmarkSpec`.

    Args:
        doc: The YAML document (a mapping).
        path: The spec file, named in every error.

    Raises:
        OrgansegInputError: Naming ``path`` and the key: unknown or missing keys, a missing config, data root or
            split file, duplicate method names, an ``after`` naming no earlier method, bad folds or seeds.
    """
    if not isinstance(doc, dict):
        raise OrgansegInputError(f"{path}: expected a mapping at the top level (work_root, data, methods, ...)")
    _unknown(path, "", doc, _TOP_KEYS)
    if not doc.get("work_root"):
        raise _err(path, "work_root", "missing")
    if "data" not in doc:
        raise _err(path, "data", "missing")
    data = _data(path, doc["data"])
    methods_doc = doc.get("methods")
    if not isinstance(methods_doc, list) or not methods_doc:
        raise _err(path, "methods", "expected a non-empty list of {name, config}")
    methods: list[MethodSpec] = []
    for i, m in enumerate(methods_doc):
        method = _method(path, i, m)
        if any(x.name == method.name for x in methods):
            raise _err(path, f"methods[{i}].name", f"duplicate method name {method.name!r}")
        if method.after is not None and not any(x.name == method.after for x in methods):
            raise _err(path, f"methods[{i}].after", f"{method.after!r} is not a method listed before it")
        methods.append(method)
    folds = None
    if doc.get("folds") is not None:
        folds = _ints(path, "folds", doc["folds"])
        n = data.num_folds
        bad = [f for f in folds if f < 0 or (n and f >= n)]
        if bad:
            raise _err(path, "folds", f"fold {bad[0]} out of range (the data give {n} fold(s): 0..{n - 1})")
    return BenchmarkSpec(
        path=path, work_root=str(doc["work_root"]), data=data, methods=tuple(methods),
        seeds=_ints(path, "seeds", doc.get("seeds", [0])), folds=folds,
        cfg_options=_mapping(path, "cfg_options", doc.get("cfg_options")),
        opts=_mapping(path, "opts", doc.get("opts")))


def load_spec(path: str | os.PathLike) -> BenchmarkSpec:
    """Read and check a spec file (YAML).

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
    return parse_spec(doc, p)
