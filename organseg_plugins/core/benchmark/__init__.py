"""Benchmark runner core: spec, fold data roots, job plan, job state, progress lines and the runner loop."""

from .folds import fold_data_root, fold_splits, write_fold_root
from .plan import Job, evaluation_command, last_checkpoint, plan_jobs, train_command
from .progress import format_duration, progress_line, remaining_estimate
from .runner import BenchmarkResult, run_benchmark, run_job
from .spec import BenchmarkSpec, DataSpec, MethodSpec, framework_of, load_spec, parse_spec
from .state import JOB_FILE, STATE_FILE, is_alive, read_state, write_job_file, write_state

__all__ = [
    "JOB_FILE", "STATE_FILE", "BenchmarkResult", "BenchmarkSpec", "DataSpec", "Job", "MethodSpec",
    "fold_data_root", "fold_splits", "format_duration", "framework_of", "is_alive", "last_checkpoint",
    "load_spec", "parse_spec", "plan_jobs", "progress_line", "read_state", "remaining_estimate", "run_benchmark",
    "run_job", "evaluation_command", "train_command", "write_fold_root", "write_job_file", "write_state",
]
