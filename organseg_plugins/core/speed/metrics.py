"""Speed of :mod:`organseg_plugins.core.metrics` against MONAI and medpy on the same masks, same run, CPU.

Why: the metrics run after every validation epoch on thousands of slices, so the surface distances must not
dominate evaluation time, and the whole suite must cost little more than the surface distances it contains
(one validation, one crop, shared surfaces and distance maps). On the phantoms' pairs
(:func:`~organseg_plugins.core.phantoms.mask_pairs.perturbed_disc_pair`, 512 x 512, and
:func:`~organseg_plugins.core.phantoms.mask_pairs.shifted_ellipsoid_pair`, 100 x 512 x 512), :func:`metrics_speed`
times (``time.perf_counter``, medians of repeated runs):

* our whole suite (:func:`~organseg_plugins.core.metrics.compute_all` with the NSD at :data:`SUITE_NSD_MM` mm:
  overlap, surface distances, NSD, Boundary/Trimap IoU, boundary F) against our surface distances alone
  (:func:`~organseg_plugins.core.metrics.surface_metrics`), the two calls interleaved so that both see the same
  machine load, on the 2-D pair (isotropic and anisotropic spacing) and on the volume: one
  ``suite/surface ratio <case>: <ratio>`` line each (:class:`SuiteRatio`; goal :data:`RATIO_GOAL`), repeated in
  a summary at the end;
* our surface distances (HD, HD95, ASD from one ``surface_metrics`` call, and each metric alone) against MONAI
  (``compute_hausdorff_distance``, with ``percentile=95``, ``compute_average_surface_distance``) and medpy
  (``hd``, ``hd95``, ``assd``), with the ratio peer time / our time (> 1: we are faster) and the largest
  relative difference of the values;
* the normalised surface Dice (voxel boundaries and DeepMind surfels) against MONAI ``compute_surface_dice``,
  and our surfel convention and DAVIS boundary F next to the defaults.

Asserts nothing. MONAI and medpy (test dependencies) are imported only when the peers are timed; a missing one
is skipped with a note.
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import metrics as M
from ..errors import OrgansegInputError
from ..metrics.surface_dice import normalized_surface_dice
from ..phantoms.mask_pairs import close_disc_pair, perturbed_disc_pair, shifted_ellipsoid_pair
from .timing import median_time

__all__ = ["MIN_SIZE", "PEER_FUNCS", "RATIO_GOAL", "SUITE_NSD_MM", "TARGET_2D_MS", "TARGET_3D_MS", "VOLUME_SPACING",
           "SuiteRatio", "bench_case", "bench_nsd", "interleaved_times", "metrics_speed", "suite_ratio"]

#: Tolerance (mm) of the NSD included in the timed suite.
SUITE_NSD_MM = 2.0
#: Goal of the ratio whole suite / surface distances.
RATIO_GOAL = 1.3
#: Smallest image side :func:`metrics_speed` accepts (the organs scale with it).
MIN_SIZE = 32
#: Absolute goals of the whole suite at the default sizes (ms): per 512 x 512 pair, per 100 x 512 x 512 volume.
TARGET_2D_MS = 1.0
TARGET_3D_MS = 50.0
#: Spacing (z, y, x) in mm of the timed volume (thick-slice CT).
VOLUME_SPACING = (2.5, 0.8, 0.8)

Emit = Callable[[str], Any]


def interleaved_times(fa: Callable[[], Any], fb: Callable[[], Any], reps: int) -> tuple[list[float], list[float]]:
    """Wall times in seconds of ``fa`` and ``fb`` run alternately ``reps`` times each, after one warm-up each.

    Alternating the two calls exposes both to the same machine load, so the ratio of their medians is
    meaningful even on a busy machine.

    Raises:
        ValueError: ``reps`` < 1.
    """
    if reps < 1:
        raise ValueError(f"reps must be >= 1, got {reps}")
    fa(), fb()
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fa()
        t1 = time.perf_counter()
        fb()
        t2 = time.perf_counter()
        ta.append(t1 - t0)
        tb.append(t2 - t1)
    return ta, tb


@dataclass(frozen=True)
class SuiteRatio:
    """Whole suite against surface distances on one case (times in ms), from :func:`suite_ratio`."""

    label: str
    suite_ms: float
    surface_ms: float
    suite_min_ms: float
    surface_min_ms: float
    n_values: int
    target_ms: float | None = None

    @property
    def ratio(self) -> float:
        """Median suite time / median surface-distance time."""
        return self.suite_ms / self.surface_ms

    def line(self) -> str:
        """``suite/surface ratio <label>: <ratio of medians>`` plus the absolute times (and targets when given)."""
        goal = (f"; targets: ratio <= {RATIO_GOAL:g}, suite <= {self.target_ms:g} ms" if self.target_ms is not None
                else f"; target ratio <= {RATIO_GOAL:g}")
        return (f"suite/surface ratio {self.label}: {self.ratio:.2f}   (medians: suite {self.suite_ms:.3f} ms, "
                f"surface distances {self.surface_ms:.3f} ms; minima: {self.suite_min_ms:.3f} / "
                f"{self.surface_min_ms:.3f} ms, ratio {self.suite_min_ms / self.surface_min_ms:.2f}{goal})")


def suite_ratio(label: str, pred: np.ndarray, gt: np.ndarray, spacing: Any, reps: int,
                target_ms: float | None = None) -> SuiteRatio:
    """Time :func:`compute_all` (NSD at :data:`SUITE_NSD_MM` mm) and :func:`surface_metrics`, interleaved."""
    n_values = len(M.compute_all(pred, gt, spacing, nsd_tolerance=SUITE_NSD_MM))
    ta, tb = interleaved_times(lambda: M.compute_all(pred, gt, spacing, nsd_tolerance=SUITE_NSD_MM),
                               lambda: M.surface_metrics(pred, gt, spacing), reps)
    return SuiteRatio(label, 1e3 * statistics.median(ta), 1e3 * statistics.median(tb), 1e3 * min(ta),
                      1e3 * min(tb), n_values, target_ms)


def _ms(fn: Callable[[], Any], reps: int, warmup: int = 1) -> tuple[float, Any]:
    seconds, out = median_time(fn, reps, warmup)
    return 1e3 * seconds, out


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


def _peers(pred: np.ndarray, gt: np.ndarray, spacing: Any, emit: Emit) -> dict[str, dict[str, Callable[[], float]]]:
    """Callables (peer -> metric -> fn) of the available peer implementations of HD, HD95 and ASD."""
    peers: dict[str, dict[str, Callable[[], float]]] = {}
    try:
        import torch
        from monai.metrics import compute_average_surface_distance, compute_hausdorff_distance

        torch.set_num_threads(2)
        yp = torch.from_numpy(pred[None, None].astype(np.float32))
        yg = torch.from_numpy(gt[None, None].astype(np.float32))
        kw = {"include_background": True, "spacing": spacing}
        peers["MONAI"] = {
            "hd": lambda: float(compute_hausdorff_distance(yp, yg, **kw)),
            "hd95": lambda: float(compute_hausdorff_distance(yp, yg, percentile=95, **kw)),
            "asd": lambda: float(compute_average_surface_distance(yp, yg, symmetric=True, **kw)),
        }
    except ImportError as e:  # pragma: no cover - MONAI is a test dependency
        emit(f"MONAI not available ({e}); skipped")
    try:
        from medpy.metric import binary as mb

        peers["medpy"] = {
            "hd": lambda: float(mb.hd(pred, gt, voxelspacing=spacing)),
            "hd95": lambda: float(mb.hd95(pred, gt, voxelspacing=spacing)),
            "asd": lambda: float(mb.assd(pred, gt, voxelspacing=spacing)),
        }
    except ImportError as e:  # pragma: no cover - medpy is a test dependency
        emit(f"medpy not available ({e}); skipped")
    return peers


PEER_FUNCS = {
    ("MONAI", "hd"): "compute_hausdorff_distance",
    ("MONAI", "hd95"): "compute_hausdorff_distance(percentile=95)",
    ("MONAI", "asd"): "compute_average_surface_distance(sym.)",
    ("medpy", "hd"): "hd",
    ("medpy", "hd95"): "hd95",
    ("medpy", "asd"): "assd",
}


def _table_head(emit: Emit) -> None:
    emit(f"{'impl':<7}{'what':<44}{'median ms':>11}   ratio (peer / ours)")


def bench_case(name: str, pred: np.ndarray, gt: np.ndarray, spacing: Any, reps_ours: int,
               reps_peer: dict[str, int], label: str, target_ms: float | None, peers: bool, emit: Emit) -> SuiteRatio:
    """Time our suite and surface distances (interleaved), each surface metric alone, and the peers'; print a table."""
    emit(f"\n== {name}: shape {pred.shape}, spacing {spacing}, |P|={int(pred.sum())}, |G|={int(gt.sum())}")
    res = suite_ratio(label, pred, gt, spacing, reps_ours, target_ms)
    rows: list[tuple[str, str, float, str]] = [
        ("ours", f"compute_all (whole suite, {res.n_values} values)", res.suite_ms, f"min {res.suite_min_ms:.3f} ms"),
        ("ours", "surface_metrics (HD+HD95+ASD+...)", res.surface_ms, f"min {res.surface_min_ms:.3f} ms"),
    ]
    t_sm = res.surface_ms
    ours = {
        "hd": lambda: M.hausdorff_distance(pred, gt, spacing),
        "hd95": lambda: M.hd95(pred, gt, spacing),
        "asd": lambda: M.average_surface_distance(pred, gt, spacing),
    }
    t_ours = {}
    for k, fn in ours.items():
        t_ours[k], _ = _ms(fn, reps_ours)
        rows.append(("ours", k, t_ours[k], ""))
    peer_sums = {}
    if peers:
        sm = M.surface_metrics(pred, gt, spacing)
        expected = {  # our value under the peer's convention
            ("MONAI", "hd"): sm["hd"],
            ("MONAI", "hd95"): sm["hd95"],
            ("MONAI", "asd"): sm["asd"],
            ("medpy", "hd"): sm["hd"],
            ("medpy", "hd95"): M.hd95(pred, gt, spacing, "pooled"),
            ("medpy", "asd"): sm["asd"],  # medpy 0.5 assd pools both directions
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for peer, fns in _peers(pred, gt, spacing, emit).items():
                reps = reps_peer.get(peer, 3)
                total = 0.0
                for k, fn in fns.items():
                    t, val = _ms(fn, reps, warmup=1 if reps > 1 else 0)
                    total += t
                    rows.append((peer, PEER_FUNCS[(peer, k)], t,
                                 f"x{t / t_ours[k]:.1f} vs ours {k}; rel.diff {_rel(expected[(peer, k)], val):.1e}"))
                peer_sums[peer] = total
                rows.append((peer, "HD+HD95+ASD (3 calls)", total, f"x{total / t_sm:.1f} vs ours surface_metrics"))
    _table_head(emit)
    for impl, what, t, note in rows:
        emit(f"{impl:<7}{what:<44}{t:>11.3f}   {note}")
    for peer, total in peer_sums.items():
        emit(f"-> surface distances: {peer} / ours = {total / t_sm:.1f}x")
    emit(f"-> whole suite per pair: {res.suite_ms:.3f} ms; surface distances alone: {t_sm:.3f} ms (medians)")
    return res


def bench_nsd(name: str, pred: np.ndarray, gt: np.ndarray, spacing: tuple[float, ...], tol: float, reps_ours: int,
              reps_monai: int, emit: Emit) -> None:
    """NSD (voxel boundaries and DeepMind surfels) against MONAI ``compute_surface_dice``; surfel distances and
    the DAVIS boundary F timed next to the default ones (no peer in the same run)."""
    emit(f"\n== {name}: NSD at {tol} mm, spacing {spacing}")
    try:
        import torch
        from monai.metrics import compute_surface_dice
    except ImportError as e:  # pragma: no cover - MONAI is a test dependency
        emit(f"MONAI not available ({e}); NSD comparison skipped")
        return
    yp = torch.from_numpy(pred[None, None].astype(np.float32))
    yg = torch.from_numpy(gt[None, None].astype(np.float32))
    _table_head(emit)
    for sub in (False, True):
        t_o, v_o = _ms(lambda sub=sub: normalized_surface_dice(pred, gt, tol, spacing, use_subvoxels=sub), reps_ours)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_m, v_m = _ms(lambda sub=sub: float(compute_surface_dice(
                yp, yg, [tol], include_background=True, spacing=list(spacing), use_subvoxels=sub)), reps_monai)
        emit(f"{'ours':<7}{f'NSD use_subvoxels={sub}':<44}{t_o:>11.3f}")
        emit(f"{'MONAI':<7}{'compute_surface_dice':<44}{t_m:>11.3f}   x{t_m / t_o:.1f}; rel.diff {_rel(v_o, v_m):.1e}")
    t_v, _ = _ms(lambda: M.surface_metrics(pred, gt, spacing), reps_ours)
    t_s, _ = _ms(lambda: M.surface_metrics(pred, gt, spacing, convention="surfel"), reps_ours)
    emit(f"{'ours':<7}{'surface_metrics voxel / surfel':<44}{t_v:>11.3f} / {t_s:.3f}")
    if pred.ndim == 2:
        t_d, _ = _ms(lambda: M.boundary_f_measure(pred, gt, method="davis"), reps_ours)
        t_x, _ = _ms(lambda: M.boundary_f_measure(pred, gt, method="distance"), reps_ours)
        emit(f"{'ours':<7}{'boundary F: DAVIS / distance variant':<44}{t_d:>11.3f} / {t_x:.3f}")


def metrics_speed(size: int = 512, quick: bool = False, volume: bool = True, peers: bool = True,
                  emit: Emit = print) -> list[SuiteRatio]:
    """Run the whole speed check, printing each table through ``emit`` as it is measured, then the summary.

    Args:
        size: Image side (px); the volume is ``max(8, round(100 size / 512)) x size x size`` and the organs
            scale with it. The absolute targets are printed at the default 512 only.
        quick: Fewer repetitions (a smoke run).
        volume: Also time the volume.
        peers: Also time MONAI and medpy (and the NSD comparison).
        emit: Where the lines go (``print``, flushed by the caller's stdout).

    Returns:
        The suite/surface ratios: 2-D isotropic, 2-D anisotropic, the close 2-D pair (isotropic) and (with
        ``volume``) the volume.

    Raises:
        OrgansegInputError: ``size`` < :data:`MIN_SIZE`.
    """
    if size < MIN_SIZE:
        raise OrgansegInputError(f"--size must be >= {MIN_SIZE}, got {size}")
    t0 = time.perf_counter()
    reps = 20 if quick else 200
    reps_peer = {"MONAI": 3 if quick else 10, "medpy": 3 if quick else 10}
    full = size == 512
    ratios: list[SuiteRatio] = []
    pred, gt = perturbed_disc_pair(size)
    for spacing, tag in ((0.7, ""), ((0.7, 0.9), " anisotropic")):
        r = bench_case(f"2D {size}x{size},{tag or ' isotropic'} {spacing} mm", pred, gt, spacing, reps, reps_peer,
                       f"{size}x{size}{tag}", TARGET_2D_MS if full else None, peers, emit)
        ratios.append(r)
        emit(r.line())
    pc, gc = close_disc_pair(size)  # the usual validation case: the suite's boundary scores cost less there
    r = bench_case(f"2D {size}x{size}, close prediction (within ~2 px), isotropic 0.7 mm", pc, gc, 0.7, reps, {},
                   f"{size}x{size} close prediction", TARGET_2D_MS if full else None, False, emit)
    ratios.append(r)
    emit(r.line())
    if peers:
        bench_nsd(f"2D {size}x{size}", pred, gt, (0.7, 0.9), SUITE_NSD_MM, reps, reps_peer["MONAI"], emit)
    if volume:
        shape = (max(8, round(100 * size / 512)), size, size)
        p3, g3 = shifted_ellipsoid_pair(shape)
        name3 = "x".join(map(str, shape))
        if peers:
            bench_nsd(f"3D {name3}", p3, g3, VOLUME_SPACING, SUITE_NSD_MM, 3, 1, emit)
        r = bench_case(f"3D {name3}, spacing {VOLUME_SPACING} mm", p3, g3, VOLUME_SPACING, 5 if quick else 15,
                       {"MONAI": 1, "medpy": 1}, name3, TARGET_3D_MS if full else None, peers, emit)
        ratios.append(r)
        emit(r.line())
    emit(f"\n== summary: whole suite (compute_all, NSD at {SUITE_NSD_MM:g} mm included) / surface distances "
         "(surface_metrics), same run")
    for r in ratios:
        emit(r.line())
    emit(f"\ntotal benchmark time {time.perf_counter() - t0:.1f} s")
    return ratios
