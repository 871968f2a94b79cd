"""Figures of a benchmark, as PNG: per-method box plots of per-image Dice/IoU, several runs' training curves on
one axis, and a qualitative grid (image, ground truth, each method's prediction; same rows).

    python tools/analysis/paper_figures.py work_dirs/bench_spleen --out figures/ [--methods A B] [--rows 4]

Reads what ``tools/benchmark.py`` leaves: each job's ``per_image.csv`` (or detectron2's
``organ_masks_per_image.csv``), its training ``*/vis_data/scalars.json`` and the masks of ``tools/test.py --out``
(``test/pred/<stem>.png``). Writes ``OUT/boxplot_dice_iou.png``, ``OUT/training_curves.png`` and
``OUT/qualitative_grid.png`` (:func:`organseg_plugins.core.paper_tables.figures.paper_figures`).
Exit status 0 on success, 2 on a user error printed as one ``error:`` line.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.paper_tables.figures import paper_figures


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Draw the three figures; return the exit status."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("work_dirs", nargs="+", help="benchmark work roots or job dirs")
    p.add_argument("--out", default=None, help="output folder (default: the first work dir)")
    p.add_argument("--methods", nargs="+", default=None, help="methods and their order")
    p.add_argument("--rows", type=int, default=4, help="images in the qualitative grid")
    args = p.parse_args(argv)
    for path in paper_figures(args.work_dirs, args.out, args.methods, args.rows):
        print(f"saved {path}")
    return 0


if __name__ == "__main__":
    main()
