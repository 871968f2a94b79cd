"""Time ``tools/infer.py``'s inference path against mmseg's own ``MMSegInferencer`` on the same model and slices,
in one run.

    python tools/analysis/speed_infer.py CONFIG CHECKPOINT IMAGE... [--batch-size 4] [--repeat 3] [--device cpu]
    python tools/analysis/speed_infer.py --volume [--small] [CONFIG [CHECKPOINT]] [--shape Z Y X]
        [--batch-size 4] [--device cpu|cuda] [--workers 1]

Images: the model part alone on decoded images, the best of ``--repeat`` interleaved passes after one warm-up
pass each (:func:`organseg_plugins.mm.analysis.infer_speed.infer_speed`); prints ``ratio (project / mmseg): X``
(times) and exits 1 when X > 1 + ``--tolerance``.

``--volume``: a synthetic 512x512x200 CT volume (NIfTI) end to end, read -> masks + NIfTI + CSV, each path in its
own process (:func:`organseg_plugins.mm.analysis.infer_speed.volume_speed`; default model: the untrained liver
Table 4 U-Net of ``configs/liver/unet_table4_1xb8-50e_liver-512x512.py``); prints ``slices/s project``,
``slices/s MMSegInferencer``, ``ratio`` (project / MMSegInferencer slices/s, > 1: faster), the peak RSS of each
and whether the masks agree. ``--small``: 64x64x8 on the 128x128 phantom config (the test suite). Exits 0.
Exit status 2 with one ``error:`` line on a user error.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Time both paths and print the report; return the exit status."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config", nargs="?", help="config (--volume: default the liver Table 4 U-Net)")
    p.add_argument("checkpoint", nargs="?", help="weights (--volume: default untrained, seeded)")
    p.add_argument("images", nargs="*", help="image files, DICOM files or series folders, NIfTI files")
    p.add_argument("--volume", action="store_true", help="time a CT volume end to end (see above)")
    p.add_argument("--small", action="store_true", help="--volume at 64x64x8 on the phantom config")
    p.add_argument("--shape", type=int, nargs=3, default=None, metavar=("Z", "Y", "X"),
                   help="--volume size (default 200 512 512)")
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--workers", type=int, default=1, help="--volume: reader processes of the project's path")
    p.add_argument("--device", default="cpu")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--tolerance", type=float, default=0.10, help="allowed slow-down before exit status 1")
    args = p.parse_args(argv)
    if args.volume:
        if args.images:
            p.error("--volume takes no IMAGE arguments (it writes its own volume)")
        from organseg_plugins.mm.analysis.infer_speed import volume_speed

        result = volume_speed(args.config, args.checkpoint, small=args.small,
                              shape=tuple(args.shape) if args.shape else None, batch_size=args.batch_size,
                              device=args.device, workers=args.workers, progress=not args.no_progress)
        print(result.report())
        return 0
    if not (args.config and args.checkpoint and args.images):
        p.error("give CONFIG CHECKPOINT IMAGE..., or --volume")
    from organseg_plugins.mm.analysis.infer_speed import infer_speed

    result = infer_speed(args.config, args.checkpoint, args.images, args.batch_size, args.repeat, args.device)
    print(result.report())
    return 1 if result.ratio > 1 + args.tolerance else 0


if __name__ == "__main__":
    main()
