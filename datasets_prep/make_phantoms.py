#!/usr/bin/env python
"""Write the deterministic ultrasound-spleen and CT-liver phantom datasets.

Example::

    python datasets_prep/make_phantoms.py --out data/phantom --num-spleen 24 --num-liver 24 --size 256 --seed 0

See :func:`organseg_plugins.core.phantoms.organ_slices.write_phantom_dataset` for the layout. Only numpy,
scipy, OpenCV, pycocotools and tqdm are needed (no deep-learning framework).
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.phantoms.organ_slices import write_phantom_dataset


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        The parsed namespace.
    """
    p = argparse.ArgumentParser(
        description="Generate the deterministic ultrasound-spleen / CT-liver phantom datasets "
        "(MMSeg img_dir/ann_dir layout with 0/1 masks, meta.csv, COCO instance JSON).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--out", required=True, help="output folder (must be empty/new or a previous phantom output)")
    p.add_argument("--num-spleen", type=int, default=24, help="number of ultrasound spleen images (0 or >= 3)")
    p.add_argument("--num-liver", type=int, default=24, help="number of CT liver slices (0 or >= 3)")
    p.add_argument("--size", type=int, default=256, help="image height and width in pixels (>= 64)")
    p.add_argument("--seed", type=int, default=0, help="base random seed (same seed -> byte-identical files)")
    p.add_argument("--no-progress", action="store_true", help="disable the progress bar")
    return p.parse_args(argv)


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Run the generator and print a summary.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        Process exit status: 0 on success; invalid arguments or output folder raise a user error
        (one ``error:`` line, exit status 2, see :mod:`organseg_plugins.core.cli`).
    """
    args = parse_args(argv)
    try:
        summary = write_phantom_dataset(
            args.out,
            num_spleen=args.num_spleen,
            num_liver=args.num_liver,
            size=args.size,
            seed=args.seed,
            progress=not args.no_progress,
        )
    except ValueError as exc:  # the generator's refusals (bad sizes, a foreign output folder)
        raise OrgansegInputError(str(exc)) from exc
    print(f"wrote phantom datasets to {summary['out_dir']} in {summary['seconds']:.2f} s "
          f"(size {args.size}, seed {args.seed})")
    for ds, s in summary["datasets"].items():
        imgs = ", ".join(f"{sp} {n}" for sp, n in s["split_images"].items())
        groups = ", ".join(f"{sp} {n}" for sp, n in s["split_groups"].items())
        kind = "patients" if ds == "spleen_us" else "cases"
        print(f"  {ds}: {s['num_images']} images ({imgs}); {s['num_groups']} {kind} ({groups})")
    return 0


if __name__ == "__main__":
    main()
