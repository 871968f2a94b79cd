#!/usr/bin/env python
"""Write the papers' raw datasets in miniature (phantoms in each dataset's downloaded folder layout), to try a
paper's one command without the real data::

    python datasets_prep/make_raw_phantoms.py --out data/raw_phantoms
    python tools/benchmark.py benchmarks/aru_net_busi_table4.yaml --data data/raw_phantoms/busi/Dataset_BUSI_with_GT \\
        --set prepared=data/raw_phantoms_prepared/busi --work-root work_dirs/try_aru_net --methods ARU-Net \\
        --cfg-options train_cfg.max_epochs=1

Writes ``OUT/<name>`` for each name (default all): ``spleen_us``, ``liver_kitti``, ``nih_pancreas`` (its ``nih/``
is the --data folder), ``sliver07`` (``sliver07/``), ``busi`` (``Dataset_BUSI_with_GT/``), ``task09_spleen``.
See organseg_plugins.core.phantoms.raw_datasets; tests/tools/test_paper_specs.py runs every spec on them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.phantoms.raw_datasets import RAW_DATASETS, write_raw_dataset


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", required=True, help="output folder (each dataset in OUT/<name>, new or empty)")
    p.add_argument("--only", nargs="+", choices=RAW_DATASETS, default=list(RAW_DATASETS), help="datasets to write")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed -> same files)")
    return p.parse_args(argv)


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Write the datasets and print each --data folder; return the exit status."""
    args = parse_args(argv)
    for name in args.only:
        folder = write_raw_dataset(name, Path(args.out) / name, seed=args.seed)
        print(f"{name}: --data {folder}")
    return 0


if __name__ == "__main__":
    main()
