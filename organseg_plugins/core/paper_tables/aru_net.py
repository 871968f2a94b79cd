"""ARU-Net's comparison layout: Liu et al. 2025, "Attention residual network for medical ultrasound image
segmentation", Sci Rep 15:22155, Table 4.

One row per method, the lesion metrics in % two ways, named apart:

* the two-class means as the authors compute them (background and lesion averaged; the confusion summed over
  the test set): accuracy, precision, recall, IoU and F1 (= Dice), ``OrganSegMetric``'s logged ``aAcc``,
  ``mPrecision``, ``mRecall``, ``mIoU`` and ``mDice``;
* the per-image lesion means: the mean over the test images of the lesion class's precision, recall, IoU and
  Dice (``per_image.csv`` of ``OrganSegMetric(csv_file=...)``; without it, the logged ``img_IoU.<lesion>`` /
  ``img_Dice.<lesion>``). Per-image accuracy is not tabulated: the per-image CSV has no true negatives.

and, cross-method, the p-value of a one-sided paired t-test (``scipy.stats.ttest_rel(ref, baseline,
alternative="greater")``; :mod:`organseg_plugins.core.evaluation.paired_ttest`) of the reference method (the first row,
or ``--reference``) against each baseline on the per-image lesion IoU and Dice, images matched by file name
(with several folds, every fold's test images together; an image in several runs of a method, e.g. seeds,
counts with its mean over them). With several folds the other cells are mean +- std over folds.

The same t-test between per-image CSV files given directly (``tools/analysis/paired_ttest.py``) is
:func:`paired_ttest_table`: one row per baseline with n, both means, the mean difference, t, df and p.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from organseg_plugins.core.evaluation.paired_ttest import PairedTTest, match_scores, paired_ttest, read_scores

from ..errors import OrgansegInputError
from ..metrics.summary import summarize_values
from .layout import Layout, register_layout
from .records import RunRecord
from .render import format_p_value, markdown_table

__all__ = ["ARU_NET_TABLE4", "aru_net_cell", "aru_net_compare", "aru_net_pooled", "lesion_image_scores",
           "paired_ttest_table", "ttest_markdown"]

#: column -> logged scalar of OrganSegMetric (two-class means, pooled confusion)
_TWO_CLASS = {"Accuracy (%)": "aAcc", "mPrecision (%)": "mPrecision", "mRecall (%)": "mRecall",
              "mIoU (%)": "mIoU", "mF1/Dice (%)": "mDice"}
#: column -> (per_image.csv column, logged per-image mean prefix or None)
_PER_IMAGE = {"img Precision lesion (%)": ("precision", None), "img Recall lesion (%)": ("recall", None),
              "img IoU lesion (%)": ("iou", "img_IoU."), "img Dice lesion (%)": ("dice", "img_Dice.")}
#: column -> per_image.csv column tested
_P_VALUES = {"p IoU (one-sided)": "iou", "p Dice (one-sided)": "dice"}


def _lesion_rows(run: RunRecord) -> list[dict]:
    return [r for r in run.per_image if r.get("class") != "background"]


def _logged_image_mean(run: RunRecord, prefix: str) -> float | None:
    keys = [k for k in run.metrics if k.startswith(prefix) and k != f"{prefix}background"]
    return run.metrics[keys[0]] if len(keys) == 1 else None


def aru_net_cell(run: RunRecord, row: str, column: str) -> float | None:
    """One run's cell of Table 4 (``None`` where the run lacks it; the p-values are :func:`aru_net_compare`'s)."""
    if column in _TWO_CLASS:
        return run.metrics.get(_TWO_CLASS[column])
    if column not in _PER_IMAGE:
        return None
    key, logged = _PER_IMAGE[column]
    vals = [float(r[key]) for r in _lesion_rows(run) if r.get(key, "") != ""]
    if vals:
        return summarize_values(vals).mean
    return _logged_image_mean(run, logged) if logged else None


def lesion_image_scores(runs: Sequence[RunRecord], key: str) -> dict[str, float]:
    """``{image file name: lesion score}`` over the runs' per-image rows (an image in several runs: the mean).

    Raises:
        OrgansegInputError: A run without per-image rows, or an image listed twice in one CSV (file named).
    """
    per_image: dict[str, list[float]] = {}
    for run in runs:
        rows = _lesion_rows(run)
        if not rows:
            raise OrgansegInputError(f"{run.work_dir}: no per-image lesion rows for the paired t-test "
                                     "(per_image.csv of OrganSegMetric(csv_file=...))")
        seen: set[str] = set()
        for r in rows:
            name = Path(str(r.get("img_path") or r.get("file_name") or "")).name
            if name in seen:
                raise OrgansegInputError(f"{run.per_image_file}: image {name!r} listed twice")
            seen.add(name)
            per_image.setdefault(name, []).append(float(r[key]))
    return {k: sum(v) / len(v) for k, v in per_image.items()}


def _files(runs: Sequence[RunRecord]) -> str:
    return ", ".join(sorted({r.per_image_file or r.work_dir for r in runs}))


def aru_net_compare(reference: Sequence[RunRecord], method: Sequence[RunRecord]) -> dict[str, float | None]:
    """One-sided paired t-test p-values of the reference runs against a baseline's, per-image lesion IoU/Dice.

    Raises:
        OrgansegInputError: An image of one method's per-image CSVs missing from the other's (files named).
    """
    ref_name, name = reference[0].method, method[0].method
    out: dict[str, float | None] = {}
    for column, key in _P_VALUES.items():
        _, a, b = match_scores(lesion_image_scores(reference, key), lesion_image_scores(method, key),
                               f"{ref_name!r} ({_files(reference)})", f"{name!r} ({_files(method)})")
        out[column] = paired_ttest(a, b, alternative="greater").p
    return out


def aru_net_pooled(runs: Sequence[RunRecord]) -> dict[str, float]:
    """The per-image lesion means over every image of every run (all folds pooled)."""
    rows = [r for run in runs for r in _lesion_rows(run)]
    out = {c: summarize_values(float(r[k]) for r in rows).mean for c, (k, _) in _PER_IMAGE.items()
           if rows and all(r.get(k, "") != "" for r in rows)}
    out["images"] = float(len(rows))
    return out


ARU_NET_TABLE4 = register_layout(Layout(
    name="aru_net_table4",
    title=("Liu et al. 2025, \"Attention residual network for medical ultrasound image segmentation\", "
           "Sci Rep 15:22155, Table 4"),
    columns=(*_TWO_CLASS, *_PER_IMAGE, *_P_VALUES),
    row_labels=("",),
    cell=aru_net_cell,
    pooled_columns=(*_PER_IMAGE, "images"),
    pooled=aru_net_pooled,
    decimals={"images": 0},
    compare_columns=tuple(_P_VALUES),
    compare=aru_net_compare,
))


def ttest_markdown(model: str, rows: Sequence[tuple[str, PairedTTest]], metric: str) -> str:
    """Markdown table of paired t-tests: one row per baseline with n, both means, the mean difference, t, df and p.

    Args:
        model: Name of the model tested against each baseline.
        rows: ``(baseline name, its test)`` per baseline.
        metric: Score column tested (named in the header).

    Returns:
        The table (numbers right-aligned), ending in a newline.
    """
    alt = rows[0][1].alternative if rows else "greater"
    header = [f"{model} vs", "n", f"{metric} {model}", f"{metric} baseline", "mean diff", "t", "df", f"p ({alt})"]
    body = [[name, r.n, f"{r.mean_a:.4f}", f"{r.mean_b:.4f}", f"{r.mean_diff:+.4f}", f"{r.t:.3f}", r.df,
             format_p_value(r.p)] for name, r in rows]
    return markdown_table(header, body, align="lrrrrrrr")


def paired_ttest_table(model_csv: str | os.PathLike, baseline_csvs: Sequence[str | os.PathLike],
                       metric: str = "iou", key: str = "img_path", cls: str | None = None,
                       names: Sequence[str] | None = None, alternative: str = "greater") -> str:
    """Paired t-tests of a model's per-image scores against each baseline's, as :func:`ttest_markdown`.

    Args:
        model_csv: Per-image CSV of the model (e.g. ``OrganSegMetric(csv_file=...)``'s).
        baseline_csvs: One per-image CSV per baseline.
        metric: Score column (``iou``, ``dice``, ``precision``, ...).
        key: Image column; images are matched by file name.
        cls: Keep only rows whose ``class`` column equals it.
        names: Model name, then one name per baseline (default: the files' stems).
        alternative: ``"greater"``, ``"less"`` or ``"two-sided"``.

    Returns:
        The Markdown table.

    Raises:
        OrgansegInputError: A wrong number of names, a missing or malformed CSV, or an image missing from one
            of two tables (named).
    """
    files = [model_csv, *baseline_csvs]
    names = list(names) if names else [Path(f).stem for f in files]
    if len(names) != len(files):
        raise OrgansegInputError(f"--names needs {len(files)} names (model + baselines), got {len(names)}")
    model = read_scores(model_csv, metric, key, cls)
    rows = []
    for name, path in zip(names[1:], baseline_csvs):
        _, x, y = match_scores(model, read_scores(path, metric, key, cls), str(model_csv), str(path))
        rows.append((name, paired_ttest(x, y, alternative)))
    return ttest_markdown(names[0], rows, metric)
