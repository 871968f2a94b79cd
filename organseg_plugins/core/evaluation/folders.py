"""Evaluate a folder of predicted masks against a folder of ground-truth masks (framework-free).

This is the logic behind ``tools/evaluate_masks.py``: it reads binary masks from PNG, NIfTI or
DICOM / DICOM-SEG files (through the project's one mask reader, :mod:`organseg_plugins.core.io.masks`),
pairs prediction and ground truth by file name, and runs
:func:`organseg_plugins.core.metrics.compute_all` per case, either per file (2-D images or 3-D
volumes) or per volume rebuilt from 2-D slices (``volumes=True``; the per-volume evaluation of
Lian, Sun and Li 2025, "Extracting organs of interest from medical images based on convolutional neural network with auxiliary and refined constraints", Sci Rep, Tables 1-2: VOE, RVD, ASD, RMSD, MSD, DSC, ... reported as mean +- std over volumes).

Conventions:

* **Arrays** are returned in *array-axis order* with the spacing in the same order (what
  :func:`~organseg_plugins.core.metrics.compute_all` expects), by
  :func:`organseg_plugins.core.io.masks.read_mask_file`:

  - PNG (and BMP/TIFF): ``(rows, cols)`` = ``(y, x)``, no spacing (``None``).
  - NIfTI ``.nii``/``.nii.gz``: the canonical LPS orientation of every volume reader of
    :mod:`organseg_plugins.core.io.volumes` (``(z, y, x)``, +x Left, +y Posterior, +z Superior,
    whatever the file's storage order; a 2-D image ``(y, x)``), with the zooms in the same order,
    so ``spacing[0]`` is the slice spacing. Trailing singleton axes beyond the third are dropped.
  - DICOM (by content, ``.dcm`` or any name): a single-frame mask image (values 0/1) ->
    ``(rows, cols)``, spacing from PixelSpacing. A DICOM-SEG (one segment, see ``segment``) with
    one frame -> ``(rows, cols)``; with several frames -> ``(frames, rows, cols)`` ordered by
    position along the slice normal, in LPS, z spacing = the (uniform) distance between frame
    positions. Spacing from PixelSpacing or the SEG's PixelMeasuresSequence. SEG writers omit
    empty frames, so a multi-frame SEG whose frames are not evenly spaced cannot be rebuilt into a
    volume without its source series: an error.

* **Values**: masks must hold only 0 and 1 (or be bool). A 0/255 mask is an error naming the file
  (masks are never silently rescaled here: an evaluation must not guess). A label map (values
  > 1, typical for NIfTI) is an error unless ``label`` selects the foreground value
  (``mask == label``). Float NIfTI data must be integer-valued.

* **Pairing** (:func:`pair_files`): by file stem (``case.nii.gz`` -> ``case``), across formats
  (a PNG prediction may be compared with a DICOM ground truth). Files without a mask extension and
  hidden files are ignored; files present on one side only are returned (the CLI lists them as
  warnings, or errors with ``--strict``).

* **Spacing**: from the files unless ``spacing`` overrides it. When both files of a pair carry a
  spacing they must agree (relative tolerance 1e-3), else an error names both files; when only one
  does, it is used; when neither does (and no override), distances are in pixels (the
  ``spacing_mm`` column is empty). Two 3-D files of a pair (NIfTI, multi-frame SEG) are both read
  in LPS, so a prediction written with another axis order or direction than its ground truth is
  compared voxel for voxel; one on another grid over the same physical extent is put on the ground
  truth's grid (nearest neighbour), and one in another physical space is an error naming both files
  (:func:`organseg_plugins.core.io.volumes.label_on_image_grid`).

* **Volumes** (``volumes=True``): file stems are parsed with ``case_regex`` (named groups ``case``
  and ``slice``; default: ``ct_c002_s031`` -> case ``ct_c002``, slice 31); the 2-D slices of a case
  are stacked in slice-number order into ``(z, y, x)``. Slice numbers must be contiguous (a gap is
  an error naming the case) and present on both sides (a slice only in the prediction or only in
  the ground truth of an evaluated case is an error, not a warning: the volumes would differ).
  The z spacing comes from ``slice_thickness`` or the first value of a 3-value ``spacing``; it is
  required (files carry no z spacing), and so is an in-plane spacing (from the files or
  ``spacing``): a volume is never measured in mixed millimetre/pixel units.

* **Summary** (:func:`summarize`): per metric the mean, sample standard deviation (``ddof=1``;
  0 for a single case), min and max over the cases whose value is finite, the number of cases
  ``n`` and ``n_inf``, the number of cases with an infinite value (a surface distance or RVD when
  exactly one of the two masks is empty; see the conventions of :mod:`~organseg_plugins.core.metrics`).
  If every value is infinite the statistics are ``inf``.
"""

from __future__ import annotations

import inspect
import math
import os
import re
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.dicom import is_dicom_file
from organseg_plugins.core.io.masks import MASK_EXTS, MaskFile, mask_ext, mask_stem, read_mask, read_mask_file
from organseg_plugins.core.io.paths import require_dir
from organseg_plugins.core.io.tables import csv_text, write_csv
from organseg_plugins.core.io.volumes import label_on_image_grid, stack_slices
from organseg_plugins.core.metrics import compute_all, summarize_rows
from organseg_plugins.core.parallel import map_cases, resolve_workers

__all__ = [
    "MASK_EXTS",
    "DEFAULT_CASE_REGEX",
    "ROW_INFO_COLUMNS",
    "mask_stem",
    "read_mask_file",
    "pair_files",
    "metric_names",
    "evaluate_folder",
    "summarize",
    "rows_csv_text",
    "write_rows_csv",
]

#: Default ``case_regex``: ``<case>_s<slice>``, e.g. ``ct_c002_s031`` -> case ``ct_c002``, slice 31.
DEFAULT_CASE_REGEX = r"^(?P<case>.+)_s(?P<slice>\d+)$"
#: Columns of a row before the metrics.
ROW_INFO_COLUMNS: tuple[str, ...] = ("case", "pred_file", "gt_file", "shape", "spacing_mm")
_SPACING_RTOL = 1e-3

SpacingArg = float | Sequence[float] | None


# --------------------------------------------------------------------------------------------
# pairing
# --------------------------------------------------------------------------------------------


def _mask_files(folder: Path, what: str) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or not p.is_file() or not (mask_ext(p) or is_dicom_file(p)):
            continue
        stem = mask_stem(p)
        if stem in out:
            raise OrgansegInputError(
                f"{what} has two masks with the stem {stem!r}: {out[stem].name} and {p.name}"
            )
        out[stem] = p
    return out


def pair_files(
    pred_dir: str | os.PathLike, gt_dir: str | os.PathLike
) -> tuple[list[tuple[str, Path, Path]], list[Path], list[Path]]:
    """Match predicted and ground-truth mask files by stem (extension-independent).

    Args:
        pred_dir: Folder of predicted masks.
        gt_dir: Folder of ground-truth masks.

    Returns:
        ``(pairs, only_pred, only_gt)``: ``pairs`` is a list of ``(stem, pred_path, gt_path)``
        sorted by stem; ``only_pred``/``only_gt`` are the sorted files without a partner.

    Raises:
        OrgansegInputError: A folder is missing, or holds two masks with the same stem
            (e.g. ``a.png`` and ``a.nii.gz``).
    """
    pd = _mask_files(require_dir(pred_dir, "prediction folder"), f"prediction folder {str(pred_dir)!r}")
    gd = _mask_files(require_dir(gt_dir, "ground-truth folder"), f"ground-truth folder {str(gt_dir)!r}")
    pairs = [(s, pd[s], gd[s]) for s in sorted(pd.keys() & gd.keys())]
    only_pred = [pd[s] for s in sorted(pd.keys() - gd.keys())]
    only_gt = [gd[s] for s in sorted(gd.keys() - pd.keys())]
    return pairs, only_pred, only_gt


# --------------------------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------------------------


def metric_names(boundary_metrics: bool = True, nsd_tolerance: float | None = None) -> list[str]:
    """Names of the metrics :func:`compute_all` returns, in its order.

    Args:
        boundary_metrics: Include the boundary scores.
        nsd_tolerance: Include the normalised surface Dice (``nsd``) when given.

    Returns:
        The metric keys.
    """
    z = np.zeros((3, 3), bool)
    z[1, 1] = True
    return list(compute_all(z, z, boundary_metrics=boundary_metrics, nsd_tolerance=nsd_tolerance).keys())


def _parse_spacing(spacing: SpacingArg) -> tuple[float, ...] | None:
    if spacing is None:
        return None
    vals = (spacing,) if np.ndim(spacing) == 0 else tuple(spacing)  # type: ignore[arg-type]
    try:
        out = tuple(float(v) for v in vals)
    except (TypeError, ValueError):
        raise OrgansegInputError(f"spacing must be a number or numbers in mm, got {spacing!r}") from None
    if not out or len(out) > 3 or not all(math.isfinite(v) and v > 0 for v in out):
        raise OrgansegInputError(
            f"spacing must be 1 to 3 positive numbers (mm per pixel/voxel), got {spacing!r}"
        )
    return out


def _fmt_spacing(sp: Sequence[float] | None) -> str:
    return "" if sp is None else "x".join(f"{v:.6g}" for v in sp)


def _same_spacing(a: Sequence[float], b: Sequence[float]) -> bool:
    return len(a) == len(b) and np.allclose(a, b, rtol=_SPACING_RTOL, atol=0.0)


def _pair_spacing(p: MaskFile, g: MaskFile) -> tuple[float, ...] | None:
    """Spacing of a (pred, gt) pair from the files; error if both have one and they disagree."""
    if p.spacing is not None and g.spacing is not None and not _same_spacing(p.spacing, g.spacing):
        raise OrgansegInputError(
            f"spacing disagreement: prediction {p.path} has spacing {_fmt_spacing(p.spacing)} mm but "
            f"ground truth {g.path} has {_fmt_spacing(g.spacing)} mm (override with spacing= / --spacing)"
        )
    return g.spacing if g.spacing is not None else p.spacing


def _on_gt_grid(p: MaskFile, g: MaskFile, override: tuple[float, ...] | None) -> MaskFile:
    """A 3-D prediction on its 3-D ground truth's grid (same physical space), else unchanged.

    Only when both files carry a geometry, no spacing override is given, and their spacings agree
    (a disagreement is reported by :func:`_pair_spacing`).
    """
    if override is not None or p.volume is None or g.volume is None or not _same_spacing(p.spacing, g.spacing):
        return p
    on = label_on_image_grid(g.volume, p.volume, names=("prediction", "ground truth"))
    return MaskFile(on.array.view(np.bool_), g.spacing, p.path, on)


def _check_shapes(p: MaskFile, g: MaskFile) -> None:
    if p.array.shape != g.array.shape:
        raise OrgansegInputError(
            f"shape mismatch: prediction {p.path} has shape {p.array.shape} but ground truth "
            f"{g.path} has shape {g.array.shape}"
        )


def _spacing_for_ndim(sp: tuple[float, ...], ndim: int, where: str) -> tuple[float, ...]:
    if len(sp) == 1:
        return sp * ndim
    if len(sp) != ndim:
        raise OrgansegInputError(
            f"{where}: spacing {_fmt_spacing(sp)} has {len(sp)} values but the masks are {ndim}-D"
        )
    return sp


def _compute(pred: np.ndarray, gt: np.ndarray, spacing: tuple[float, ...] | None, where: str,
             kwargs: Mapping[str, Any]) -> dict[str, float]:
    try:
        return compute_all(pred, gt, spacing, **kwargs)
    except OrgansegInputError as exc:
        raise OrgansegInputError(f"{where}: {exc}") from None


def _check_kwargs(kwargs: Mapping[str, Any]) -> None:
    params = inspect.signature(compute_all).parameters
    allowed = [n for n, p in params.items() if p.kind == inspect.Parameter.KEYWORD_ONLY]
    bad = sorted(set(kwargs) - set(allowed))
    if bad:
        raise TypeError(f"unknown metric options {bad}; compute_all accepts {allowed}")


def _evaluate_files(
    pairs: list[tuple[str, Path, Path]], override: tuple[float, ...] | None, label: int | None,
    segment: int | str | None, kwargs: Mapping[str, Any], progress: bool, workers: int | None = 1,
) -> list[dict[str, Any]]:
    # many small files: a few tasks per worker, so that a round trip costs less than a file
    n = resolve_workers(workers)
    chunk = 1 if n <= 1 else max(1, min(64, len(pairs) // (8 * n)))
    return list(map_cases(partial(_evaluate_pair, override, label, segment, kwargs), pairs, n, progress=progress,
                          desc="evaluate", unit="case", chunksize=chunk))


def _evaluate_pair(override: tuple[float, ...] | None, label: int | None, segment: int | str | None,
                   kwargs: Mapping[str, Any], pair: tuple[str, Path, Path]) -> dict[str, Any]:
    """One file pair's row (a worker's task)."""
    stem, pp, gp = pair
    p, g = read_mask(pp, label, segment), read_mask(gp, label, segment)
    p = _on_gt_grid(p, g, override)
    _check_shapes(p, g)
    where = f"case {stem!r} ({pp}, {gp})"
    if override is not None:
        sp: tuple[float, ...] | None = _spacing_for_ndim(override, p.array.ndim, where)
    else:
        sp = _pair_spacing(p, g)
    row: dict[str, Any] = {
        "case": stem, "pred_file": pp.name, "gt_file": gp.name,
        "shape": "x".join(str(s) for s in p.array.shape), "spacing_mm": _fmt_spacing(sp),
    }
    row.update(_compute(p.array, g.array, sp, where, kwargs))
    return row


def _group_slices(
    pairs: list[tuple[str, Path, Path]], only_pred: list[Path], only_gt: list[Path], rx: re.Pattern[str]
) -> dict[str, list[tuple[int, str, Path, Path]]]:
    def parse(stem: str, path: Path) -> tuple[str, int]:
        m = rx.search(stem)
        if m is None or m.groupdict().get("case") is None or m.groupdict().get("slice") is None:
            raise OrgansegInputError(
                f"{path}: file name {stem!r} does not match the case regex {rx.pattern!r} "
                "(needs the named groups 'case' and 'slice')"
            )
        try:
            return m.group("case"), int(m.group("slice"))
        except ValueError:
            raise OrgansegInputError(
                f"{path}: slice {m.group('slice')!r} from the case regex is not an integer"
            ) from None

    cases: dict[str, list[tuple[int, str, Path, Path]]] = {}
    for stem, pp, gp in pairs:
        case, k = parse(stem, gp)
        cases.setdefault(case, []).append((k, stem, pp, gp))
    for side, files in (("prediction", only_pred), ("ground truth", only_gt)):
        missing: dict[str, list[int]] = {}
        for f in files:
            m = rx.search(mask_stem(f))
            if m is None or m.groupdict().get("case") not in cases:
                continue  # a whole case on one side only: reported as unmatched files
            missing.setdefault(m.group("case"), []).append(parse(mask_stem(f), f)[1])
        for case, ks in sorted(missing.items()):
            other = "ground truth" if side == "prediction" else "prediction"
            raise OrgansegInputError(
                f"case {case!r}: slice(s) {sorted(ks)} exist only in the {side} (the {other} lacks "
                "them), so the volumes differ"
            )
    for case, items in cases.items():
        items.sort(key=lambda t: t[0])
        ks = [t[0] for t in items]
        dup = sorted({a for a, b in zip(ks, ks[1:]) if a == b})
        if dup:
            names = [t[1] for t in items if t[0] in dup]
            raise OrgansegInputError(f"case {case!r}: slice number(s) {dup} appear twice ({names})")
        gaps = sorted(set(range(ks[0], ks[-1] + 1)) - set(ks))
        if gaps:
            shown = gaps[:20] + (["..."] if len(gaps) > 20 else [])
            raise OrgansegInputError(
                f"case {case!r}: missing slice(s) {shown} between slices {ks[0]} and {ks[-1]}"
            )
    return dict(sorted(cases.items()))


def _stack_side(masks: list[MaskFile], case: str, side: str) -> tuple[np.ndarray, tuple[float, ...] | None]:
    first = masks[0]
    for m in masks:
        if m.array.ndim != 2:
            raise OrgansegInputError(
                f"{m.path}: volumes=True stacks 2-D slices, but this mask has shape {m.array.shape}"
            )
        if m.array.shape != first.array.shape:
            raise OrgansegInputError(
                f"case {case!r}: {side} slices differ in shape: {first.path} is {first.array.shape}, "
                f"{m.path} is {m.array.shape}"
            )
    spaced = [m for m in masks if m.spacing is not None]
    for m in spaced:
        if not _same_spacing(m.spacing, spaced[0].spacing):  # type: ignore[arg-type]
            raise OrgansegInputError(
                f"case {case!r}: {side} slices differ in spacing: {spaced[0].path} has "
                f"{_fmt_spacing(spaced[0].spacing)} mm, {m.path} has {_fmt_spacing(m.spacing)} mm"
            )
    if spaced and len(spaced) != len(masks):
        bare = next(m for m in masks if m.spacing is None)
        raise OrgansegInputError(
            f"case {case!r}: {side} slice {bare.path} has no spacing but {spaced[0].path} has "
            f"{_fmt_spacing(spaced[0].spacing)} mm"
        )
    return stack_slices([m.array for m in masks], case=case), (spaced[0].spacing if spaced else None)


def _evaluate_volumes(
    pairs: list[tuple[str, Path, Path]], only_pred: list[Path], only_gt: list[Path],
    override: tuple[float, ...] | None, case_regex: str, slice_thickness: float | None,
    label: int | None, segment: int | str | None, kwargs: Mapping[str, Any], progress: bool,
    workers: int | None = 1,
) -> list[dict[str, Any]]:
    try:
        rx = re.compile(case_regex)
    except re.error as exc:
        raise OrgansegInputError(f"case regex {case_regex!r} is not a valid regular expression: {exc}") from None
    if not {"case", "slice"} <= set(rx.groupindex):
        raise OrgansegInputError(
            f"case regex {case_regex!r} needs the named groups (?P<case>...) and (?P<slice>...)"
        )
    z = slice_thickness
    inplane = override
    if override is not None and len(override) == 3:
        if z is not None and not math.isclose(z, override[0], rel_tol=_SPACING_RTOL):
            raise OrgansegInputError(
                f"slice thickness {z:g} mm disagrees with the z value of spacing {_fmt_spacing(override)} mm; "
                "give one of them"
            )
        z, inplane = override[0], override[1:]
    if z is None:
        raise OrgansegInputError(
            "volumes need the z spacing: give slice_thickness (--slice-thickness MM) or a 3-value "
            "spacing (--spacing Z Y X)"
        )
    cases = _group_slices(pairs, only_pred, only_gt, rx)
    return list(map_cases(partial(_evaluate_case, float(z), inplane, label, segment, kwargs), list(cases.items()),
                          workers, progress=progress, desc="evaluate volumes", unit="slice",
                          weights=[len(items) for items in cases.values()]))


def _evaluate_case(z: float, inplane: tuple[float, ...] | None, label: int | None, segment: int | str | None,
                   kwargs: Mapping[str, Any], case_items: tuple[str, list[tuple[int, str, Path, Path]]]
                   ) -> dict[str, Any]:
    """One case's row: its slices read, stacked and scored (a worker's task, one volume in memory)."""
    case, items = case_items
    pm = [read_mask(pp, label, segment) for _, _, pp, _ in items]
    gm = [read_mask(gp, label, segment) for _, _, _, gp in items]
    for p, g in zip(pm, gm):
        _check_shapes(p, g)
    pv, psp = _stack_side(pm, case, "prediction")
    gv, gsp = _stack_side(gm, case, "ground truth")
    if inplane is not None:
        yx = _spacing_for_ndim(inplane, 2, f"case {case!r}")
    else:
        if psp is not None and gsp is not None and not _same_spacing(psp, gsp):
            raise OrgansegInputError(
                f"spacing disagreement in case {case!r}: prediction {pm[0].path} has spacing "
                f"{_fmt_spacing(psp)} mm but ground truth {gm[0].path} has {_fmt_spacing(gsp)} mm "
                "(override with spacing= / --spacing)"
            )
        found = gsp if gsp is not None else psp
        if found is None:
            raise OrgansegInputError(
                f"case {case!r}: the slices carry no pixel spacing (e.g. PNG): give the in-plane "
                "spacing (--spacing MM) so that the volume is measured in mm"
            )
        yx = found
    sp = (float(z), *yx)
    where = f"case {case!r} ({len(items)} slices, {items[0][1]}..{items[-1][1]})"
    row: dict[str, Any] = {
        "case": case,
        "pred_file": f"{items[0][2].name}..{items[-1][2].name}",
        "gt_file": f"{items[0][3].name}..{items[-1][3].name}",
        "shape": "x".join(str(s) for s in pv.shape), "spacing_mm": _fmt_spacing(sp),
    }
    row.update(_compute(pv, gv, sp, where, kwargs))
    return row


def evaluate_folder(
    pred_dir: str | os.PathLike,
    gt_dir: str | os.PathLike,
    spacing: SpacingArg = None,
    volumes: bool = False,
    case_regex: str = DEFAULT_CASE_REGEX,
    slice_thickness: float | None = None,
    *,
    label: int | None = None,
    segment: int | str | None = None,
    strict: bool = False,
    progress: bool = False,
    workers: int | None = 1,
    **metric_kwargs: Any,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, float]]]:
    """Compare every predicted mask with its ground truth and summarise over cases.

    Args:
        pred_dir: Folder of predicted masks.
        gt_dir: Folder of ground-truth masks (paired by stem, see :func:`pair_files`).
        spacing: Override of the files' spacing (mm): one float (every axis; with ``volumes`` the
            in-plane axes) or one value per array axis (``(y, x)`` for images, ``(z, y, x)`` for
            volumes; with ``volumes`` also ``(y, x)``).
        volumes: Group 2-D slices into 3-D cases by ``case_regex`` and evaluate per volume.
        case_regex: Regex searched in each stem, with named groups ``case`` and ``slice``.
        slice_thickness: z spacing (mm) of the stacked volumes (``volumes`` only).
        label: Foreground value of label-map files (default: files must be 0/1).
        segment: Segment number or label for DICOM-SEG files with several segments.
        strict: Raise if a file has no partner (default: such files are skipped; use
            :func:`pair_files` to list them).
        progress: Show a progress bar over cases (stderr, with the time left).
        workers: Processes reading and scoring cases in parallel (``None`` or 0: one per core; 1: this
            process); the rows are the same, in the same order, for any number.
        **metric_kwargs: Keyword options of :func:`~organseg_plugins.core.metrics.compute_all`
            (``hd95_mode``, ``dilation_ratio``, ``trimap_width``, ``f_tolerance``,
            ``boundary_metrics``, ...).

    Returns:
        ``(rows, summary)``: one dict per case (sorted by case id) with ``ROW_INFO_COLUMNS``
        (``case``, ``pred_file``, ``gt_file``, ``shape``, ``spacing_mm``) then every metric of
        ``compute_all``; and :func:`summarize` of the rows.

    Raises:
        OrgansegInputError: Missing folders, no pairs, unmatched files with ``strict``, unreadable
            or non-binary masks, shape mismatch or spacing disagreement (naming both files),
            missing slices (naming the case), missing z/in-plane spacing for volumes.
        TypeError: An unknown metric option.
    """
    _check_kwargs(metric_kwargs)
    override = _parse_spacing(spacing)
    if slice_thickness is not None:
        if not volumes:
            raise OrgansegInputError("slice_thickness (--slice-thickness) only applies with volumes (--volumes)")
        if not (math.isfinite(slice_thickness) and slice_thickness > 0):
            raise OrgansegInputError(f"slice thickness must be a positive number of mm, got {slice_thickness!r}")
    pairs, only_pred, only_gt = pair_files(pred_dir, gt_dir)
    if strict and (only_pred or only_gt):
        listed = [f"only in predictions: {p.name}" for p in only_pred[:10]]
        listed += [f"only in ground truth: {p.name}" for p in only_gt[:10]]
        raise OrgansegInputError(
            f"{len(only_pred) + len(only_gt)} file(s) without a partner ({'; '.join(listed)}"
            f"{'; ...' if len(only_pred) > 10 or len(only_gt) > 10 else ''})"
        )
    if not pairs:
        raise OrgansegInputError(
            f"no file names in common between the prediction folder {str(pred_dir)!r} "
            f"({len(only_pred)} masks) and the ground-truth folder {str(gt_dir)!r} ({len(only_gt)} masks)"
        )
    if volumes:
        rows = _evaluate_volumes(pairs, only_pred, only_gt, override, case_regex, slice_thickness,
                                 label, segment, metric_kwargs, progress, workers)
    else:
        rows = _evaluate_files(pairs, override, label, segment, metric_kwargs, progress, workers)
    return rows, summarize(rows)


def summarize(
    rows: Sequence[Mapping[str, Any]], metrics: Sequence[str] | None = None
) -> dict[str, dict[str, float]]:
    """Per metric: the project's one summary (:func:`organseg_plugins.core.metrics.summarize_values`).

    Args:
        rows: Per-case rows of :func:`evaluate_folder`.
        metrics: Metric names to summarise (default: every non-info column of the first row).

    Returns:
        ``{metric: {"mean", "std", "min", "max", "n", "n_inf", "n_nan"}}``; statistics over the cases
        whose value is finite (``std`` with ``ddof=1``; ``inf`` if none is finite).
    """
    if not rows:
        return {}
    names = list(metrics) if metrics is not None else [k for k in rows[0] if k not in ROW_INFO_COLUMNS]
    return {name: s.as_dict() for name, s in summarize_rows(rows, names).items()}


def rows_csv_text(rows: Sequence[Mapping[str, Any]], metrics: Sequence[str] | None = None) -> str:
    """Per-case CSV text: ``ROW_INFO_COLUMNS`` then the metrics (``repr`` floats, ``inf`` as ``inf``).

    Args:
        rows: Per-case rows of :func:`evaluate_folder`.
        metrics: Metric columns (default: all of the first row).

    Returns:
        The CSV text (``\\n`` line ends).
    """
    cols = _csv_columns(rows, metrics)
    return csv_text(cols, rows)


def _csv_columns(rows: Sequence[Mapping[str, Any]], metrics: Sequence[str] | None) -> list[str]:
    names = list(metrics) if metrics is not None else (
        [k for k in rows[0] if k not in ROW_INFO_COLUMNS] if rows else []
    )
    return [*ROW_INFO_COLUMNS, *names]


def write_rows_csv(
    path: str | os.PathLike, rows: Sequence[Mapping[str, Any]], metrics: Sequence[str] | None = None
) -> Path:
    """Write :func:`rows_csv_text` atomically to ``path``.

    Args:
        path: Destination CSV file.
        rows: Per-case rows of :func:`evaluate_folder`.
        metrics: Metric columns (default: all).

    Returns:
        The destination path.
    """
    return write_csv(path, _csv_columns(rows, metrics), rows)
