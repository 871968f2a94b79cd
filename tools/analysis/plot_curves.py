"""Plot training curves (losses, learning rate, validation metrics) of an mmengine work dir.

    python tools/analysis/plot_curves.py WORK_DIR [--out curves.png]

Reads the newest ``<WORK_DIR>/<timestamp>/vis_data/scalars.json`` that mmengine's LocalVisBackend writes
(:mod:`organseg_plugins.core.paper_tables.curves`) and draws three panels
(:func:`organseg_plugins.core.paper_tables.figures.plot_run_curves`).
Exit status 0 on success, 2 on a user error (e.g. no scalars.json) printed as one ``error: <message>`` line
(:mod:`organseg_plugins.core.cli`).
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.paper_tables.figures import plot_run_curves


@cli_main
def main(argv: list[str] | None = None) -> None:
    """Draw the curves and print the PNG path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work_dir")
    parser.add_argument("--out", default=None, help="PNG path (default WORK_DIR/training_curves.png)")
    args = parser.parse_args(argv)
    print(f"saved {plot_run_curves(args.work_dir, args.out)}")


if __name__ == "__main__":
    main()
