#!/usr/bin/env python
"""Write deterministic ultrasound lesion phantoms in the raw layouts of BUSI and TN3K (to test the converters).

Example (then convert as the real data)::

    python datasets_prep/make_lesion_phantoms.py --out data/phantom/us_raw --benign 60 --malignant 30 --normal 10
    python datasets_prep/us_lesions_to_mmseg.py busi --root data/phantom/us_raw/busi --out data/phantom/busi

Writes ``OUT/busi/Dataset_BUSI_with_GT/{benign,malignant,normal}/"<class> (N).png"`` + ``_mask.png`` (0/255,
extras ``_mask_1.png``) and ``OUT/tn3k/{trainval,test}-{image,mask}/NNNN.png``. See
organseg_plugins.core.phantoms.lesions.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.phantoms.lesions import write_busi_phantoms, write_tn3k_phantoms


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description="Deterministic BUSI-like and TN3K-like ultrasound lesion phantoms.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", required=True, help="output folder (new or empty)")
    p.add_argument("--benign", type=int, default=20, help="BUSI-like benign images")
    p.add_argument("--malignant", type=int, default=10, help="BUSI-like malignant images")
    p.add_argument("--normal", type=int, default=5, help="BUSI-like normal images (empty masks)")
    p.add_argument("--thyroid-trainval", type=int, default=0, help="TN3K-like trainval images (0: none)")
    p.add_argument("--thyroid-test", type=int, default=0, help="TN3K-like test images")
    p.add_argument("--height", type=int, default=128, help="image height")
    p.add_argument("--width", type=int, default=160, help="image width")
    p.add_argument("--extra-every", type=int, default=5, help="every k-th lesion image gets a _mask_1 extra (0: none)")
    p.add_argument("--seed", type=int, default=0, help="base seed (same seed -> identical files)")
    p.add_argument("--overwrite", action="store_true", help="allow a non-empty output folder")
    return p.parse_args(argv)


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Write the phantoms; return the exit status."""
    a = parse_args(argv)
    root = write_busi_phantoms(f"{a.out}/busi", {"benign": a.benign, "malignant": a.malignant, "normal": a.normal},
                               a.height, a.width, a.seed, a.extra_every, overwrite=a.overwrite)
    print(f"BUSI-like phantoms: {root} (benign {a.benign}, malignant {a.malignant}, normal {a.normal})")
    if a.thyroid_trainval or a.thyroid_test:
        t = write_tn3k_phantoms(f"{a.out}/tn3k", a.thyroid_trainval, a.thyroid_test, a.height, a.width, a.seed,
                                overwrite=a.overwrite)
        print(f"TN3K-like phantoms: {t} (trainval {a.thyroid_trainval}, test {a.thyroid_test})")
    return 0


if __name__ == "__main__":
    main()
