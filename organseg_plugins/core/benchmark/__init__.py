"""Benchmark runner core: spec, prepare steps (converters), fold data roots, job plan, job state and cost,
progress lines, the runner loop and the spec's paper tables; :mod:`.probe` runs each job command and records
what it cost.

The names below load their module on first use (PEP 562): ``python -m organseg_plugins.core.benchmark.probe``
imports this package, and the probe must add nothing to the process it measures (no numpy, scipy, yaml).
"""

from __future__ import annotations

import importlib
from typing import Any

#: exported name -> its submodule
_EXPORTS = {
    **dict.fromkeys(("COST_FILE", "count_test_samples", "probed", "read_cost", "write_cost"), "cost"),
    **dict.fromkeys(("fold_data_root", "fold_root_path", "fold_splits", "write_fold_root"), "folds"),
    **dict.fromkeys(("Job", "evaluation_command", "last_checkpoint", "plan_jobs", "train_command"), "plan"),
    **dict.fromkeys(("MARKER", "PreparedStep", "prepare_data", "prepare_plan"), "prepare"),
    **dict.fromkeys(("format_duration", "progress_line", "remaining_estimate"), "progress"),
    **dict.fromkeys(("BenchmarkResult", "run_benchmark", "run_job"), "runner"),
    **dict.fromkeys(("BenchmarkSpec", "DataSpec", "MethodSpec", "PrepareStep", "TableSpec", "check_data",
                     "framework_of", "load_spec", "parse_spec", "select", "substitute_variables"), "spec"),
    **dict.fromkeys(("JOB_FILE", "STATE_FILE", "is_alive", "read_state", "write_job_file", "write_state"), "state"),
    **dict.fromkeys(("SpecTable", "tables_dir", "write_spec_tables"), "tables"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})

