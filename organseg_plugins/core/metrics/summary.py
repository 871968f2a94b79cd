"""The one summary behind every reported table: mean, sample std, min, max over cases, inf/NaN counted.

Convention (used by ``OrganSegMetric``, ``OrganMaskEvaluator`` and ``tools/evaluate_masks.py``):

* The statistics are over the cases whose value is finite. A surface distance is ``inf`` when
  exactly one of the two masks is empty (see :mod:`organseg_plugins.core.metrics`); such cases are
  left out of the mean and counted in ``n_inf`` so a table can say "mean of 18 of 20 cases, 2 inf".
  NaN values (a metric that is undefined for a case) are counted in ``n_nan`` and also left out.
* ``std`` is the sample standard deviation (``ddof=1``, the convention of papers that report
  mean +- std over cases), 0 for a single finite case.
* If no value is finite, ``mean``/``std``/``min``/``max`` are ``inf`` when some value is infinite,
  else NaN (no case at all).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Summary", "STD_DDOF", "summarize_values", "summarize_rows"]

#: Degrees of freedom of the reported standard deviation (sample std).
STD_DDOF = 1


class Summary(NamedTuple):
    """Statistics of one metric over cases (see the module docstring for the conventions)."""

    mean: float
    std: float
    min: float
    max: float
    n: int
    n_inf: int
    n_nan: int

    def as_dict(self) -> dict[str, float]:
        """Plain dict (counts as floats, for JSON and logging)."""
        return {k: float(v) for k, v in self._asdict().items()}


def summarize_values(values: Iterable[float]) -> Summary:
    """Summarise one metric's per-case values.

    Args:
        values: One value per case (``inf`` and NaN allowed).

    Returns:
        :class:`Summary` of the finite values with the counts of cases, infinite and NaN values.
    """
    vals = np.asarray([float(v) for v in values], dtype=np.float64)
    fin = vals[np.isfinite(vals)]
    n_inf = int(np.isinf(vals).sum())
    n_nan = int(np.isnan(vals).sum())
    if fin.size:
        std = float(fin.std(ddof=STD_DDOF)) if fin.size > STD_DDOF else 0.0
        return Summary(float(fin.mean()), std, float(fin.min()), float(fin.max()), int(vals.size), n_inf, n_nan)
    fill = math.inf if n_inf else math.nan
    return Summary(fill, fill, fill, fill, int(vals.size), n_inf, n_nan)


def summarize_rows(
    rows: Sequence[Mapping[str, Any]], metrics: Sequence[str]
) -> dict[str, Summary]:
    """Summarise several metrics over per-case rows (``{metric: value}`` dicts).

    Args:
        rows: One dict per case.
        metrics: The metric names to summarise (each row must have them).

    Returns:
        ``{metric: Summary}``.
    """
    return {name: summarize_values(r[name] for r in rows) for name in metrics}
