"""Speed measurements of the project's own code against its peers (not the experiment runner, which is
:mod:`organseg_plugins.core.benchmark`): timing helpers and the per-volume evaluation's speed check."""

from .timing import best_times, median_time

__all__ = ["best_times", "median_time"]
