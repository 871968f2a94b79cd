"""Speed benchmark of organseg_plugins.core.metrics against MONAI and medpy (CPU).

Why: the metrics run after every validation epoch on thousands of slices, so the surface
distances must not dominate evaluation time, and the whole suite must cost little more than the
surface distances it contains (one validation, one crop, shared surfaces and distance maps). This
script times, on the same realistic masks in the same run (median of repeated
``time.perf_counter`` measurements):

* our whole suite (:func:`compute_all` with the NSD at 2 mm: overlap, surface distances, NSD,
  Boundary/Trimap IoU, boundary F) against our surface distances alone (:func:`surface_metrics`)
  on one 512x512 pair (isotropic and anisotropic spacing) and on a 100x512x512 volume, printed as
  ``suite/surface ratio <case>: <ratio>`` lines (goal: <= 1.3) and collected in a summary at the end;
* our surface distances (HD, HD95, ASD from one :func:`surface_metrics` call, and each metric
  alone) against MONAI (``compute_hausdorff_distance``, with ``percentile=95``,
  ``compute_average_surface_distance``) and medpy (``hd``, ``hd95``, ``assd``);
* the normalised surface Dice (voxel boundaries and DeepMind surfels) against MONAI
  ``compute_surface_dice``, and our surfel convention and DAVIS boundary F next to the defaults.

It prints a table with the ratio peer time / our time (> 1 means we are faster) and the largest
relative difference between the values, and asserts nothing. Runs in well under two minutes;
``--size 64`` scales the masks down (a smoke run of a few seconds).

    python tools/benchmark_metrics.py [--quick] [--size 512] [--no-3d] [--no-peers]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

import cv2
import numpy as np

from organseg_plugins.core import metrics as M
from organseg_plugins.core.cli import cli_main


def _time(fn: Callable[[], object], reps: int, warmup: int = 1) -> tuple[float, object]:
    """Median wall time of ``fn`` in ms over ``reps`` runs (after ``warmup`` runs) and its result."""
    out = None
    for _ in range(warmup):
        out = fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times), out


SUITE_NSD_MM = 2.0  # tolerance of the NSD included in the timed suite


def make_2d_pair(size: int = 512, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An ellipse-ish organ about 150 px across (at size 512) and a shifted, deformed prediction."""
    rng = np.random.default_rng(seed)
    f = size / 512.0
    yy, xx = np.mgrid[:size, :size].astype(np.float64)

    def organ(cy, cx, ay, ax, theta, wobble):
        dy, dx = yy - cy * f, xx - cx * f
        c, s = np.cos(theta), np.sin(theta)
        u, v = (c * dx + s * dy) / (ax * f), (-s * dx + c * dy) / (ay * f)
        ang = np.arctan2(v, u)
        r = 1.0 + sum(a * np.cos(k * ang + p) for k, a, p in wobble)
        return (u * u + v * v) <= r * r

    def box(y0, y1, x0, x1):
        return slice(int(y0 * f), max(int(y1 * f), int(y0 * f) + 1)), slice(int(x0 * f), max(int(x1 * f), int(x0 * f) + 1))

    wob_g = [(k, 0.04 / k, rng.uniform(0, 6.28)) for k in range(2, 7)]
    wob_p = [(k, 0.05 / k, rng.uniform(0, 6.28)) for k in range(2, 9)]
    gt = organ(256, 250, 62, 78, 0.3, wob_g)
    pred = organ(259, 246, 60, 80, 0.34, wob_p)
    pred[box(300, 306, 180, 200)] = False  # a notch
    pred[box(150, 158, 300, 312)] = True  # a false-positive island
    return pred.astype(np.uint8), gt.astype(np.uint8)


def make_3d_pair(shape=(100, 512, 512), seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """An ellipsoid organ (~150 px across, 60 slices at 100x512x512) and a shifted, deformed prediction."""
    rng = np.random.default_rng(seed)
    fz, f = shape[0] / 100.0, shape[1] / 512.0
    z = np.arange(shape[0], dtype=np.float32)[:, None, None]
    y = np.arange(shape[1], dtype=np.float32)[None, :, None]
    x = np.arange(shape[2], dtype=np.float32)[None, None, :]

    def ellipsoid(c, a):
        return (((z - c[0] * fz) / (a[0] * fz)) ** 2 + ((y - c[1] * f) / (a[1] * f)) ** 2
                + ((x - c[2] * f) / (a[2] * f)) ** 2 <= 1.0)

    gt = ellipsoid((50, 256, 250), (30, 62, 78))
    pred = ellipsoid((52, 259, 246), (29, 60, 80))
    # in-plane deformation of the prediction, slice by slice
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    for zi in range(shape[0]):
        if pred[zi].any() and rng.random() < 0.3:
            pred[zi] = cv2.dilate(pred[zi].view(np.uint8), k).view(bool)
    z0, y0, x0 = int(40 * fz), int(150 * f), int(300 * f)
    pred[z0:z0 + max(1, int(4 * fz)), y0:y0 + max(1, int(8 * f)), x0:x0 + max(1, int(12 * f))] = True
    return pred.astype(np.uint8), gt.astype(np.uint8)


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


def _peers(pred: np.ndarray, gt: np.ndarray, spacing):
    """Callables (name -> fn returning (hd, hd95, asd)) of the available peer implementations."""
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
    except ImportError as e:  # pragma: no cover
        print(f"MONAI not available ({e}); skipped")
    try:
        from medpy.metric import binary as mb

        peers["medpy"] = {
            "hd": lambda: float(mb.hd(pred, gt, voxelspacing=spacing)),
            "hd95": lambda: float(mb.hd95(pred, gt, voxelspacing=spacing)),
            "asd": lambda: float(mb.assd(pred, gt, voxelspacing=spacing)),
        }
    except ImportError as e:  # pragma: no cover
        print(f"medpy not available ({e}); skipped")
    return peers


PEER_FUNCS = {
    ("MONAI", "hd"): "compute_hausdorff_distance",
    ("MONAI", "hd95"): "compute_hausdorff_distance(percentile=95)",
    ("MONAI", "asd"): "compute_average_surface_distance(sym.)",
    ("medpy", "hd"): "hd",
    ("medpy", "hd95"): "hd95",
    ("medpy", "asd"): "assd",
}


def bench_case(name: str, pred, gt, spacing, reps_ours: int, reps_peer: dict[str, int], suite: bool,
               peers: bool = True) -> tuple[float, float] | None:
    """Time our suite and surface distances (and the peers'); return ``(suite ms, surface ms)`` if ``suite``."""
    print(f"\n== {name}: shape {pred.shape}, spacing {spacing}, |P|={int(pred.sum())}, |G|={int(gt.sum())}")
    rows: list[tuple[str, str, float, str]] = []
    t_suite = None
    if suite:
        t_suite, res = _time(lambda: M.compute_all(pred, gt, spacing, nsd_tolerance=SUITE_NSD_MM), reps_ours)
        rows.append(("ours", f"compute_all (whole suite, {len(res)} values)", t_suite, ""))
    ours = {
        "hd": lambda: M.hausdorff_distance(pred, gt, spacing),
        "hd95": lambda: M.hd95(pred, gt, spacing),
        "asd": lambda: M.average_surface_distance(pred, gt, spacing),
    }
    t_sm, sm = _time(lambda: M.surface_metrics(pred, gt, spacing), reps_ours)
    rows.append(("ours", "surface_metrics (HD+HD95+ASD+...)", t_sm, ""))
    t_ours = {}
    for k, fn in ours.items():
        t_ours[k], _ = _time(fn, reps_ours)
        rows.append(("ours", k, t_ours[k], ""))
    peer_sums = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for peer, fns in (_peers(pred, gt, spacing) if peers else {}).items():
            reps = reps_peer.get(peer, 3)
            total = 0.0
            for k, fn in fns.items():
                t, val = _time(fn, reps, warmup=1 if reps > 1 else 0)
                total += t
                expected = {  # our value under the peer's convention
                    ("MONAI", "hd"): sm["hd"],
                    ("MONAI", "hd95"): sm["hd95"],
                    ("MONAI", "asd"): sm["asd"],
                    ("medpy", "hd"): sm["hd"],
                    ("medpy", "hd95"): M.hd95(pred, gt, spacing, "pooled"),
                    ("medpy", "asd"): sm["asd"],  # medpy 0.5 assd pools both directions
                }[(peer, k)]
                label = PEER_FUNCS[(peer, k)]
                rows.append(
                    (peer, label, t, f"x{t / t_ours[k]:.1f} vs ours {k}; rel.diff {_rel(expected, val):.1e}")
                )
            peer_sums[peer] = total
            rows.append(
                (peer, "HD+HD95+ASD (3 calls)", total, f"x{total / t_sm:.1f} vs ours surface_metrics")
            )
    print(f"{'impl':<7}{'what':<44}{'median ms':>11}   ratio (peer / ours)")
    for impl, what, t, note in rows:
        print(f"{impl:<7}{what:<44}{t:>11.3f}   {note}")
    for peer, total in peer_sums.items():
        print(f"-> surface distances: {peer} / ours = {total / t_sm:.1f}x")
    if t_suite is None:
        return None
    print(f"-> whole suite per pair: {t_suite:.3f} ms; surface distances alone: {t_sm:.3f} ms")
    return t_suite, t_sm


def _ratio_line(label: str, t_suite: float, t_surface: float, target_ms: float | None) -> str:
    """``suite/surface ratio <label>: <ratio>`` plus the absolute times (and targets when given)."""
    goal = f"; targets: ratio <= 1.3, suite <= {target_ms:g} ms" if target_ms is not None else "; target ratio <= 1.3"
    return (f"suite/surface ratio {label}: {t_suite / t_surface:.2f}   "
            f"(suite {t_suite:.3f} ms, surface distances {t_surface:.3f} ms{goal})")


def bench_nsd(name: str, pred, gt, spacing, tol: float, reps_ours: int, reps_monai: int) -> None:
    """NSD (voxel boundaries and DeepMind surfels) against MONAI ``compute_surface_dice``; surfel
    distances and the DAVIS boundary F timed next to the default ones (no peer in the same run)."""
    import torch
    from monai.metrics import compute_surface_dice

    from organseg_plugins.core.metrics.surface_dice import normalized_surface_dice

    print(f"\n== {name}: NSD at {tol} mm, spacing {spacing}")
    sp = (spacing,) * pred.ndim if np.ndim(spacing) == 0 else tuple(spacing)
    yp = torch.from_numpy(pred[None, None].astype(np.float32))
    yg = torch.from_numpy(gt[None, None].astype(np.float32))
    print(f"{'impl':<7}{'what':<44}{'median ms':>11}   ratio (peer / ours)")
    for sub in (False, True):
        t_o, v_o = _time(lambda sub=sub: normalized_surface_dice(pred, gt, tol, sp, use_subvoxels=sub), reps_ours)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_m, v_m = _time(lambda sub=sub: float(compute_surface_dice(
                yp, yg, [tol], include_background=True, spacing=list(sp), use_subvoxels=sub)), reps_monai)
        what = f"NSD use_subvoxels={sub}"
        print(f"{'ours':<7}{what:<44}{t_o:>11.3f}")
        print(f"{'MONAI':<7}{'compute_surface_dice':<44}{t_m:>11.3f}   x{t_m / t_o:.1f}; rel.diff {_rel(v_o, v_m):.1e}")
    t_v, _ = _time(lambda: M.surface_metrics(pred, gt, spacing), reps_ours)
    t_s, _ = _time(lambda: M.surface_metrics(pred, gt, spacing, convention="surfel"), reps_ours)
    print(f"{'ours':<7}{'surface_metrics voxel / surfel':<44}{t_v:>11.3f} / {t_s:.3f}")
    if pred.ndim == 2:
        t_d, _ = _time(lambda: M.boundary_f_measure(pred, gt, method="davis"), reps_ours)
        t_x, _ = _time(lambda: M.boundary_f_measure(pred, gt, method="distance"), reps_ours)
        print(f"{'ours':<7}{'boundary F: DAVIS / distance variant':<44}{t_d:>11.3f} / {t_x:.3f}")


@cli_main
def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    ap.add_argument("--no-3d", action="store_true", help="skip the 100x512x512 volume")
    ap.add_argument("--no-peers", action="store_true", help="skip the MONAI / medpy comparisons")
    ap.add_argument("--size", type=int, default=512,
                    help="image side (default 512); the volume is (size/5.12) x size x size, the organs scaled")
    args = ap.parse_args(argv)
    if args.size < 32:
        ap.error("--size must be >= 32")
    t0 = time.perf_counter()
    r = 20 if args.quick else 200
    rp = {"MONAI": 3 if args.quick else 10, "medpy": 3 if args.quick else 10}
    n = args.size
    full = n == 512
    lines: list[str] = []
    pred, gt = make_2d_pair(n)
    for spacing, tag in ((0.7, ""), ((0.7, 0.9), " anisotropic")):
        t = bench_case(f"2D {n}x{n},{tag or ' isotropic'} {spacing} mm", pred, gt, spacing, r, rp, True,
                       not args.no_peers)
        assert t is not None
        lines.append(_ratio_line(f"{n}x{n}{tag}", *t, 1.0 if full else None))
        print(lines[-1])
    if not args.no_peers:
        bench_nsd(f"2D {n}x{n}", pred, gt, (0.7, 0.9), 2.0, r, rp["MONAI"])
    if not args.no_3d:
        shape = (max(8, round(100 * n / 512)), n, n)
        p3, g3 = make_3d_pair(shape)
        name3 = "x".join(map(str, shape))
        if not args.no_peers:
            bench_nsd(f"3D {name3}", p3, g3, (2.5, 0.8, 0.8), 2.0, 3, 1)
        t = bench_case(
            f"3D {name3}, spacing (2.5, 0.8, 0.8) mm",
            p3,
            g3,
            (2.5, 0.8, 0.8),
            5 if args.quick else 15,
            {"MONAI": 1, "medpy": 1},
            True,
            not args.no_peers,
        )
        assert t is not None
        lines.append(_ratio_line(name3, *t, 50.0 if full else None))
        print(lines[-1])
    print(f"\n== summary: whole suite (compute_all, NSD at {SUITE_NSD_MM:g} mm included) / surface distances "
          "(surface_metrics), same run")
    for line in lines:
        print(line)
    print(f"\ntotal benchmark time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
