"""One-sided paired t-test of per-image scores (Liu et al. 2025, "Attention residual network for medical
ultrasound image segmentation", Sci Rep 15:22155, Table 4: ARU-Net against each baseline, per-image mIoU and
accuracy), with image matching. No framework imports; the printed table is
:func:`organseg_plugins.core.paper_tables.aru_net.ttest_markdown`.

For paired differences ``d_i = a_i - b_i`` of ``n`` images::

    t = mean(d) / (s_d / sqrt(n)),   s_d = sample standard deviation of d (ddof = 1),   df = n - 1
    p = P(T_df >= t)  (alternative "greater": model a scores higher), P(T_df <= t) ("less"),
        2 P(T_df >= |t|) ("two-sided")

which is ``scipy.stats.ttest_rel(a, b, alternative=...)``. Scores are matched by image key; an image present in
one table and not the other, or listed twice, is an error naming it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.tables import read_csv_rows

__all__ = ["PairedTTest", "match_scores", "paired_ttest", "read_scores"]

_ALTERNATIVES = ("greater", "less", "two-sided")


@dataclass(frozen=True)
class PairedTTest:
    """Result of :func:`paired_ttest` (means in the scores' units)."""

    n: int
    mean_a: float
    mean_b: float
    mean_diff: float
    sd_diff: float
    t: float
    df: int
    p: float
    alternative: str


def paired_ttest(a: Sequence[float], b: Sequence[float], alternative: str = "greater") -> PairedTTest:
    """Paired t-test of ``a`` against ``b`` (same images, same order); see the module docstring.

    Raises:
        OrgansegInputError: different lengths, fewer than 2 pairs, non-finite scores, unknown alternative.
    """
    if alternative not in _ALTERNATIVES:
        raise OrgansegInputError(f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}")
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise OrgansegInputError(f"paired scores need equal 1-D lengths, got {x.shape} and {y.shape}")
    if x.size < 2:
        raise OrgansegInputError(f"a paired t-test needs at least 2 images, got {x.size}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise OrgansegInputError("scores must be finite numbers")
    d = x - y
    n = int(d.size)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = float(np.float64(mean) / (np.float64(sd) / math.sqrt(n)))
    df = n - 1
    if math.isnan(t):
        p = math.nan
    elif alternative == "greater":
        p = float(stats.t.sf(t, df))
    elif alternative == "less":
        p = float(stats.t.cdf(t, df))
    else:
        p = float(min(1.0, 2 * stats.t.sf(abs(t), df)))
    return PairedTTest(n, float(x.mean()), float(y.mean()), mean, sd, t, df, p, alternative)


def read_scores(path: str | os.PathLike, metric: str, key: str = "img_path", cls: str | None = None,
                class_column: str = "class") -> dict[str, float]:
    """``{image: score}`` from a per-image CSV (e.g. ``OrganSegMetric(csv_file=...)``'s).

    Images are keyed by the file name of ``key`` (folders dropped). With ``cls``, only rows whose
    ``class_column`` equals it are read.

    Raises:
        OrgansegInputError: missing columns, no rows, a duplicate image, a score that is not a number.
    """
    required = [key, metric] + ([class_column] if cls is not None else [])
    out: dict[str, float] = {}
    for line, row in enumerate(read_csv_rows(path, required), start=2):
        if cls is not None and row[class_column] != cls:
            continue
        name = Path(row[key]).name
        if name in out:
            raise OrgansegInputError(f"{path}:{line}: image {name!r} listed twice")
        try:
            out[name] = float(row[metric])
        except ValueError as exc:
            raise OrgansegInputError(f"{path}:{line}: {metric} {row[metric]!r} is not a number") from exc
    if not out:
        raise OrgansegInputError(f"{path}: no rows" + (f" of class {cls!r}" if cls is not None else ""))
    return out


def match_scores(a: Mapping[str, float], b: Mapping[str, float], name_a: str = "a", name_b: str = "b"
                 ) -> tuple[list[str], list[float], list[float]]:
    """Align two ``{image: score}`` tables on their images (sorted).

    Raises:
        OrgansegInputError: naming the images present in only one of them.
    """
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    if only_a or only_b:
        parts = []
        if only_a:
            parts.append(f"{len(only_a)} image(s) of {name_a} missing from {name_b}: {only_a[:5]}")
        if only_b:
            parts.append(f"{len(only_b)} image(s) of {name_b} missing from {name_a}: {only_b[:5]}")
        raise OrgansegInputError("unmatched images: " + "; ".join(parts))
    keys = sorted(a)
    return keys, [a[k] for k in keys], [b[k] for k in keys]
