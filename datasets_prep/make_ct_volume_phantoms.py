#!/usr/bin/env python
"""Write the CT volume phantoms (NIH DICOM + NIfTI, Sliver07 MetaImage, MSD NIfTI) and convert them to mmseg slices.

Example::

    python datasets_prep/make_ct_volume_phantoms.py --out data/phantom/ct_volumes

writes ``OUT/raw/{nih,sliver07,msd}`` (see organseg_plugins.core.phantoms.ct_volumes) and, unless
``--raw-only``, ``OUT/nih_pancreas`` (pancreas, window [-100, 240] HU, train slices with organ +- 2)
and ``OUT/sliver07_liver`` (liver, window [-100, 200] HU), the data roots of the phantom configs in
configs/ct_volume/.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.converters.ct_volumes import convert_ct_volumes
from organseg_plugins.core.converters.splits import read_assignment
from organseg_plugins.core.io.paths import check_output_dir
from organseg_plugins.core.phantoms.ct_volumes import write_ct_volume_phantoms


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", required=True, help="output folder (empty or new)")
    p.add_argument("--num-cases", type=int, default=10, help="cases (60% train, 20% val, 20% test)")
    p.add_argument("--size", type=int, default=64, help="in-plane size in voxels")
    p.add_argument("--slices", type=int, default=16, help="slices per volume")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--organ-margin", type=int, default=2, help="train slices: organ +- this many slices")
    p.add_argument("--raw-only", action="store_true", help="write the raw volumes only")
    p.add_argument("--no-progress", action="store_true", help="disable the progress bar")
    return p.parse_args(argv)


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Write the phantoms; return the exit status."""
    args = parse_args(argv)
    out = Path(args.out)
    check_output_dir(out, [], overwrite=False)
    raw = out / "raw"
    dirs = write_ct_volume_phantoms(raw, args.num_cases, args.seed, (args.slices, args.size, args.size))
    print(f"raw volumes: {', '.join(str(d) for d in dirs.values())}")
    if args.raw_only:
        return 0
    for name, src, window, category, splits in (
            ("nih_pancreas", dirs["nih"], "pancreas", "pancreas", raw / "splits_nih.json"),
            ("sliver07_liver", dirs["sliver07"], "liver", "liver", raw / "splits_sliver07.json")):
        rep = convert_ct_volumes(src, out / name, window=window, category=category,
                                 assignment=read_assignment(splits), organ_margin=args.organ_margin,
                                 progress=not args.no_progress)
        print(f"{out / name}: {rep.extra['slices per split']}")
        if not rep.ok:
            print(rep.summary())
            return 1
    return 0


if __name__ == "__main__":
    main()
