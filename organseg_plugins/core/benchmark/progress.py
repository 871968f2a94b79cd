"""One progress line per job: which job and fold, its time, the elapsed time and the remaining estimate."""

from __future__ import annotations

__all__ = ["format_duration", "progress_line", "remaining_estimate"]


def format_duration(seconds: float) -> str:
    """``"1h02m"``, ``"3m05s"`` or ``"42s"``."""
    s = int(round(max(0.0, seconds)))
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def remaining_estimate(durations: list[float], remaining_jobs: int, parallel: int) -> float | None:
    """Mean duration of the jobs run so far x the jobs left / the parallel slots (``None`` before any job)."""
    if not durations:
        return None
    return sum(durations) / len(durations) * remaining_jobs / max(1, parallel)


def progress_line(index: int, total: int, key: str, fold: int, num_folds: int, outcome: str, job_seconds: float,
                  elapsed: float, remaining: float | None) -> str:
    """``[2/4] segformer_b0/fold1_seed0 (fold 2 of 2): done in 35s | elapsed 1m10s, remaining ~1m10s``."""
    rest = "?" if remaining is None else f"~{format_duration(remaining)}"
    return (f"[{index}/{total}] {key} (fold {fold + 1} of {num_folds}): {outcome} in {format_duration(job_seconds)}"
            f" | elapsed {format_duration(elapsed)}, remaining {rest}")
