"""Speed of the per-volume evaluation (slices -> volume -> Tables 1-2 metrics) against MONAI, same run, CPU.

Times, on one synthetic organ pair (two overlapping, irregular ellipsoids) of ``--shape`` voxels (default
200 x 512 x 512) with anisotropic spacing (2.5 x 0.8 x 0.8 mm), median of ``--reps`` runs:

* regrouping: the slices of the volume, bit-packed and shuffled as ``CTVolumeMetric`` keeps them, unpacked
  and stacked in slice order (:func:`organseg_plugins.core.volume_eval.stack_slices`);
* our whole per-volume suite (:func:`organseg_plugins.core.volume_eval.evaluate_volume`: VOE, RVD, ASD,
  RMSD, MSD, RMSE, DSC, precision, recall, Jaccard and the rest of ``compute_all``);
* MONAI's surface metrics on the same volume and spacing: ``compute_hausdorff_distance`` (MSD) and
  ``compute_average_surface_distance(symmetric=True)`` (ASD), and ``compute_dice``.

Prints the times, the ratio MONAI / ours (> 1: we are faster) and the largest relative difference of
MSD, ASD and DSC; asserts nothing.

    python tools/benchmark_volume_eval.py [--shape 200 512 512] [--reps 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from scipy import ndimage

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.volume_eval import evaluate_volume, stack_slices

SPACING = (2.5, 0.8, 0.8)


def _time(fn: Callable[[], object], reps: int) -> tuple[float, object]:
    out = fn()  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def make_pair(shape: tuple[int, int, int], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Ground truth: an ellipsoid with a smooth random boundary; prediction: a shifted, perturbed copy."""
    rng = np.random.default_rng(seed)
    z, y, x = np.ogrid[:shape[0], :shape[1], :shape[2]]
    cz, cy, cx = (s / 2 for s in shape)
    r = ((z - cz) / (0.3 * shape[0])) ** 2 + ((y - cy) / (0.25 * shape[1])) ** 2 + ((x - cx) / (0.2 * shape[2])) ** 2
    noise = ndimage.zoom(rng.normal(0, 0.08, (8, 16, 16)), [s / n for s, n in zip(shape, (8, 16, 16))], order=1)
    gt = (r + noise[: shape[0], : shape[1], : shape[2]] <= 1.0).astype(np.uint8)
    pred = np.roll(gt, (1, 3, -2), axis=(0, 1, 2))
    pred[: shape[0] // 3, : shape[1] // 2] = ndimage.binary_dilation(pred[: shape[0] // 3, : shape[1] // 2], iterations=2)
    return pred, gt


def _monai(pred: np.ndarray, gt: np.ndarray) -> dict[str, float]:
    import torch
    from monai.metrics import compute_average_surface_distance, compute_dice, compute_hausdorff_distance

    yp = torch.from_numpy(pred[None, None].astype(np.float32))
    yg = torch.from_numpy(gt[None, None].astype(np.float32))
    sp = list(SPACING)
    return {"hd": float(compute_hausdorff_distance(yp, yg, include_background=True, spacing=sp)),
            "asd": float(compute_average_surface_distance(yp, yg, include_background=True, symmetric=True,
                                                          spacing=sp)),
            "dice": float(compute_dice(yp, yg, include_background=True))}


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--shape", type=int, nargs=3, default=(200, 512, 512), metavar=("Z", "Y", "X"))
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args(argv)
    shape = tuple(args.shape)
    pred, gt = make_pair(shape)
    rng = np.random.default_rng(1)
    order = rng.permutation(shape[0]).tolist()
    packed = [(k, np.packbits(pred[k])) for k in order]
    n = shape[1] * shape[2]

    def regroup():
        return stack_slices({k: np.unpackbits(b, count=n).reshape(shape[1:]) for k, b in packed}, shape[0], "bench")

    t_group, vol = _time(regroup, args.reps)
    assert np.array_equal(vol, pred)
    t_ours, row = _time(lambda: evaluate_volume(pred, gt, SPACING, "bench"), args.reps)
    t_monai, peer = _time(lambda: _monai(pred, gt), args.reps)
    diff = max(abs(row[k] - peer[k]) / max(abs(peer[k]), 1e-12) for k in ("hd", "asd", "dice"))
    print(f"volume {shape[0]}x{shape[1]}x{shape[2]}, spacing {SPACING} mm, |G| = {int(gt.sum())} voxels")
    print(f"regroup {shape[0]} slices:            {1000 * t_group:9.1f} ms")
    print(f"ours, full per-volume suite:       {1000 * t_ours:9.1f} ms  (MSD {row['hd']:.3f}, ASD {row['asd']:.4f} mm, "
          f"DSC {row['dice']:.5f})")
    print(f"MONAI hausdorff + ASD + dice:      {1000 * t_monai:9.1f} ms  (MSD {peer['hd']:.3f}, ASD {peer['asd']:.4f} mm, "
          f"DSC {peer['dice']:.5f})")
    print(f"ratio MONAI / ours (suite): {t_monai / t_ours:.2f}x; ratio MONAI / (regroup + suite): "
          f"{t_monai / (t_ours + t_group):.2f}x; max relative difference of MSD/ASD/DSC: {diff:.2e}")
    return 0


if __name__ == "__main__":
    main()
