"""Benchmark runner core: spec, prepare steps (converters), fold data roots, job plan, job state and cost,
progress lines, the runner loop and the spec's paper tables."""

from .cost import COST_FILE, count_test_samples, probed, read_cost, write_cost
from .folds import fold_data_root, fold_root_path, fold_splits, write_fold_root
from .plan import Job, evaluation_command, last_checkpoint, plan_jobs, train_command
from .prepare import MARKER, PreparedStep, prepare_data, prepare_plan
from .progress import format_duration, progress_line, remaining_estimate
from .runner import BenchmarkResult, run_benchmark, run_job
from .spec import (
    BenchmarkSpec,
    DataSpec,
    MethodSpec,
    PrepareStep,
    TableSpec,
    check_data,
    framework_of,
    load_spec,
    parse_spec,
    select,
    substitute_variables,
)
from .state import JOB_FILE, STATE_FILE, is_alive, read_state, write_job_file, write_state
from .tables import SpecTable, tables_dir, write_spec_tables

__all__ = [
    "COST_FILE", "JOB_FILE", "MARKER", "STATE_FILE", "BenchmarkResult", "BenchmarkSpec", "DataSpec", "Job",
    "MethodSpec", "PrepareStep", "PreparedStep", "SpecTable", "TableSpec", "check_data", "count_test_samples",
    "fold_data_root", "fold_root_path", "fold_splits", "format_duration", "framework_of", "is_alive",
    "last_checkpoint", "load_spec", "parse_spec", "plan_jobs", "prepare_data", "prepare_plan", "probed",
    "progress_line", "read_cost", "read_state", "remaining_estimate", "run_benchmark", "run_job", "select",
    "substitute_variables", "tables_dir", "evaluation_command", "train_command", "write_cost", "write_fold_root",
    "write_job_file", "write_spec_tables", "write_state",
]
