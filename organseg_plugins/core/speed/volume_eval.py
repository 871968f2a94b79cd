"""Speed of the per-volume evaluation (slices -> volume -> the CT volume paper's Tables 1-2 metrics) against
MONAI on the same volume, in one run, on the CPU.

On one synthetic organ pair (:func:`organseg_plugins.core.phantoms.mask_pairs.rough_ellipsoid_pair`: two
overlapping, irregular ellipsoids) with anisotropic spacing (default 2.5 x 0.8 x 0.8 mm), the median of
``reps`` runs of:

* regrouping: the slices of the volume, bit-packed and shuffled as ``CTVolumeMetric`` keeps them, unpacked and
  stacked in slice order (:func:`organseg_plugins.core.evaluation.volumes.stack_slices`);
* our whole per-volume suite (:func:`organseg_plugins.core.evaluation.volumes.evaluate_volume`: VOE, RVD, ASD,
  RMSD, MSD, RMSE, DSC, precision, recall, Jaccard and the rest of ``compute_all``);
* MONAI's surface metrics on the same volume and spacing: ``compute_hausdorff_distance`` (MSD) and
  ``compute_average_surface_distance(symmetric=True)`` (ASD), and ``compute_dice``.

and, at dataset scale (:func:`volumes_speed`), volumes/s of :func:`organseg_plugins.core.evaluation.volumes.
evaluate_volumes` on several volumes with 1 and 2 worker processes against MONAI's three metrics on the same
volumes (one process, as MONAI's metrics run), with the rows of 1 and 2 workers compared number by number.

MONAI (a test dependency) is imported only here, when the check runs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import OrgansegInputError
from ..evaluation.volumes import evaluate_volume, evaluate_volumes, stack_slices
from ..phantoms.mask_pairs import rough_ellipsoid_pair
from .timing import median_time

__all__ = ["COMPARED", "DEFAULT_SPACING", "VolumeEvalSpeed", "VolumesSpeed", "monai_volume_scores",
           "volume_eval_speed", "volumes_speed"]

#: Voxel size (z, y, x) in mm of the timed volume (thick-slice CT).
DEFAULT_SPACING = (2.5, 0.8, 0.8)
#: Values compared with MONAI's: MSD (Hausdorff), ASD (symmetric) and DSC.
COMPARED = ("hd", "asd", "dice")


@dataclass(frozen=True)
class VolumeEvalSpeed:
    """Result of :func:`volume_eval_speed` (times in seconds; values as :func:`evaluate_volume` names them)."""

    shape: tuple[int, int, int]
    spacing: tuple[float, float, float]
    gt_voxels: int
    regroup_s: float
    ours_s: float
    monai_s: float
    ours: dict[str, float]
    monai: dict[str, float]

    @property
    def max_rel_diff(self) -> float:
        """Largest relative difference between our MSD, ASD, DSC and MONAI's."""
        return max(abs(self.ours[k] - self.monai[k]) / max(abs(self.monai[k]), 1e-12) for k in COMPARED)

    def report(self) -> str:
        """The printed report: volume, the three times, the ratios and the largest relative difference."""
        z, y, x = self.shape
        o, m = self.ours, self.monai
        return "\n".join([
            f"volume {z}x{y}x{x}, spacing {self.spacing} mm, |G| = {self.gt_voxels} voxels",
            f"regroup {z} slices:            {1000 * self.regroup_s:9.1f} ms",
            f"ours, full per-volume suite:       {1000 * self.ours_s:9.1f} ms  (MSD {o['hd']:.3f}, "
            f"ASD {o['asd']:.4f} mm, DSC {o['dice']:.5f})",
            f"MONAI hausdorff + ASD + dice:      {1000 * self.monai_s:9.1f} ms  (MSD {m['hd']:.3f}, "
            f"ASD {m['asd']:.4f} mm, DSC {m['dice']:.5f})",
            f"ratio MONAI / ours (suite): {self.monai_s / self.ours_s:.2f}x; ratio MONAI / (regroup + suite): "
            f"{self.monai_s / (self.ours_s + self.regroup_s):.2f}x; max relative difference of MSD/ASD/DSC: "
            f"{self.max_rel_diff:.2e}",
        ])


def monai_volume_scores(pred: np.ndarray, gt: np.ndarray, spacing: Sequence[float]) -> dict[str, float]:
    """MONAI's Hausdorff distance, symmetric ASD (mm) and Dice of one 3-D pair.

    Raises:
        OrgansegInputError: MONAI is not installed.
    """
    try:
        import torch
        from monai.metrics import compute_average_surface_distance, compute_dice, compute_hausdorff_distance
    except ImportError as err:
        raise OrgansegInputError(f"the comparison needs MONAI (requirements/test.txt): {err}") from err

    yp = torch.from_numpy(pred[None, None].astype(np.float32))
    yg = torch.from_numpy(gt[None, None].astype(np.float32))
    sp = list(spacing)
    return {"hd": float(compute_hausdorff_distance(yp, yg, include_background=True, spacing=sp)),
            "asd": float(compute_average_surface_distance(yp, yg, include_background=True, symmetric=True,
                                                          spacing=sp)),
            "dice": float(compute_dice(yp, yg, include_background=True))}


def volume_eval_speed(shape: Sequence[int] = (200, 512, 512), reps: int = 3,
                      spacing: Sequence[float] = DEFAULT_SPACING, seed: int = 0) -> VolumeEvalSpeed:
    """Time regrouping, our per-volume suite and MONAI's surface metrics on one synthetic pair.

    Args:
        shape: ``(z, y, x)`` voxels of the volume.
        reps: Timed runs of each step (the median is kept; one warm-up run first).
        spacing: ``(z, y, x)`` voxel size in mm.
        seed: Seed of the pair and of the slice order.

    Returns:
        The times and the values of both implementations.

    Raises:
        OrgansegInputError: A shape that is not three positive sizes, ``reps`` < 1, or MONAI missing.
    """
    if len(shape) != 3 or min(shape) < 1:
        raise OrgansegInputError(f"--shape needs three positive sizes Z Y X, got {tuple(shape)}")
    if reps < 1:
        raise OrgansegInputError(f"--reps must be >= 1, got {reps}")
    shape = (int(shape[0]), int(shape[1]), int(shape[2]))
    spacing = (float(spacing[0]), float(spacing[1]), float(spacing[2]))
    pred, gt = rough_ellipsoid_pair(shape, seed=seed)
    order = np.random.default_rng(seed + 1).permutation(shape[0]).tolist()
    packed = [(k, np.packbits(pred[k])) for k in order]
    n = shape[1] * shape[2]

    def regroup() -> np.ndarray:
        return stack_slices({k: np.unpackbits(b, count=n).reshape(shape[1:]) for k, b in packed}, shape[0],
                            "speed")

    t_group, vol = median_time(regroup, reps)
    if not np.array_equal(vol, pred):
        raise AssertionError("stack_slices did not restore the volume")  # a bug, not a user error
    t_ours, row = median_time(lambda: evaluate_volume(pred, gt, spacing, "speed"), reps)
    t_monai, peer = median_time(lambda: monai_volume_scores(pred, gt, spacing), reps)
    return VolumeEvalSpeed(shape, spacing, int(gt.sum()), t_group, t_ours, t_monai,
                           {k: float(row[k]) for k in COMPARED}, peer)


@dataclass(frozen=True)
class VolumesSpeed:
    """Result of :func:`volumes_speed`: seconds for all the volumes, per number of workers and for MONAI."""

    shape: tuple[int, int, int]
    volumes: int
    seconds: dict[int, float]
    monai_s: float
    same_rows: bool

    def volumes_per_s(self, workers: int) -> float:
        """Our throughput with that many workers."""
        return self.volumes / self.seconds[workers]

    @property
    def monai_volumes_per_s(self) -> float:
        """MONAI's throughput (one process)."""
        return self.volumes / self.monai_s

    def report(self) -> str:
        """The printed lines: volumes/s per number of workers and MONAI's, and the ratios."""
        z, y, x = self.shape
        lines = [f"{self.volumes} volumes of {z}x{y}x{x} (seeds 0..{self.volumes - 1}), whole per-volume suite:"]
        for n in sorted(self.seconds):
            lines.append(f"  ours, {n} worker(s):   {self.seconds[n]:8.2f} s  {self.volumes_per_s(n):7.3f} volumes/s  "
                         f"ratio ours / MONAI: {self.volumes_per_s(n) / self.monai_volumes_per_s:.2f}x")
        lines.append(f"  MONAI hausdorff + ASD + dice (1 process): {self.monai_s:8.2f} s  "
                     f"{self.monai_volumes_per_s:7.3f} volumes/s")
        if 1 in self.seconds:
            for n in sorted(set(self.seconds) - {1}):
                lines.append(f"  ratio volumes/s {n} workers / 1 worker: {self.volumes_per_s(n) / self.volumes_per_s(1):.2f}x")
        lines.append(f"  same numbers for every worker count: {'yes' if self.same_rows else 'NO'}")
        return "\n".join(lines)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def volumes_speed(shape: Sequence[int] = (200, 512, 512), volumes: int = 4, workers: Sequence[int] = (1, 2),
                  spacing: Sequence[float] = DEFAULT_SPACING) -> VolumesSpeed:
    """Time :func:`evaluate_volumes` on ``volumes`` synthetic pairs with each number of workers, and MONAI.

    Each pair is :func:`rough_ellipsoid_pair` of ``shape`` with seed ``i``. Our times include starting the
    workers and sending them the volumes (bit-packed); MONAI runs its Hausdorff distance, symmetric ASD and
    Dice on the same volumes one after the other.

    Raises:
        OrgansegInputError: A bad shape, fewer than one volume or worker.
    """
    if len(shape) != 3 or min(shape) < 1:
        raise OrgansegInputError(f"--shape needs three positive sizes Z Y X, got {tuple(shape)}")
    if volumes < 1 or not workers or min(workers) < 1:
        raise OrgansegInputError(f"--volumes and --workers must be >= 1, got {volumes} and {list(workers)}")
    shape = (int(shape[0]), int(shape[1]), int(shape[2]))
    sp = tuple(float(v) for v in spacing)
    pairs = [rough_ellipsoid_pair(shape, seed=i) for i in range(volumes)]
    cases = [(f"v{i}", p, g, sp) for i, (p, g) in enumerate(pairs)]
    seconds: dict[int, float] = {}
    rows: dict[int, list[dict]] = {}
    for n in workers:
        t0 = time.perf_counter()
        rows[int(n)] = evaluate_volumes(cases, workers=int(n))
        seconds[int(n)] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for p, g in pairs:
        monai_volume_scores(p, g, sp)
    monai_s = time.perf_counter() - t0
    ref = next(iter(rows.values()))
    same = all(len(r) == len(ref) and all(a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
                                          for a, b in zip(r, ref)) for r in rows.values())
    return VolumesSpeed(shape, volumes, seconds, monai_s, same)
