"""Time ``tools/infer.py``'s inference path against mmseg's own ``MMSegInferencer`` on the same model and images,
in one run, and print the ratio (the project's path must not be slower).

    python tools/analysis/speed_infer.py CONFIG CHECKPOINT IMAGE... [--batch-size 4] [--repeat 3] [--device cpu]

The best of ``--repeat`` interleaved passes after one warm-up pass each is compared
(:func:`organseg_plugins.mm.analysis.infer_speed.infer_speed`). Prints ``ratio (project / mmseg): X`` and
exits 1 when X > 1 + ``--tolerance``; 2 with one ``error:`` line on a user error.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Time both paths and print the report; return the exit status."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config")
    p.add_argument("checkpoint")
    p.add_argument("images", nargs="+", help="image files, DICOM files or series folders, NIfTI files")
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--device", default="cpu")
    p.add_argument("--tolerance", type=float, default=0.10, help="allowed slow-down before exit status 1")
    args = p.parse_args(argv)
    from organseg_plugins.mm.analysis.infer_speed import infer_speed

    result = infer_speed(args.config, args.checkpoint, args.images, args.batch_size, args.repeat, args.device)
    print(result.report())
    return 1 if result.ratio > 1 + args.tolerance else 0


if __name__ == "__main__":
    main()
