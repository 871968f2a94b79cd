"""Parameters and FLOPs (multiply-accumulates) of segmentors in inference mode, in one table.

    python tools/analysis/complexity.py CONFIG_OR_DIR [...] [--shape 512 512] [--csv out.csv] [--verbose]

Two FLOP columns, both in G multiply-accumulates: ``GMACs counter`` (the usual counters' convention and the
spleen paper's "FLOPs": without matrix products between two activations, i.e. self-attention's Q K^T and A V)
and ``GMACs +attn`` (with them); ``Params (M)`` of the inference model (auxiliary heads removed). Directories
expand to their configs (``_base_`` skipped; ``configs/spleen/baselines`` lists the 14 baselines, then the 7
paper variants). The counter and its conventions are :mod:`organseg_plugins.mm.analysis.complexity`.
Exit status 0, or 2 with one ``error:`` line (e.g. a missing config).
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line (``--shape`` with one size means a square input)."""
    from mmengine.config import DictAction

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("configs", nargs="+", help="config files or directories of configs")
    p.add_argument("--shape", type=int, nargs="+", default=[512, 512], help="input H W (or one size)")
    p.add_argument("--csv", default=None, help="also write the table to this CSV file")
    p.add_argument("--verbose", action="store_true", help="print the MACs per operator kind of each model")
    p.add_argument("--cfg-options", nargs="+", action=DictAction, help="override config settings, key=value")
    args = p.parse_args(argv)
    if len(args.shape) == 1:
        args.shape = args.shape * 2
    if len(args.shape) != 2 or min(args.shape) < 1:
        p.error("--shape takes one or two positive sizes: H [W]")
    return args


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Count the models and print the table; return the exit status."""
    args = parse_args(argv)
    from organseg_plugins.mm.analysis.complexity import complexity_table

    print(complexity_table(args.configs, tuple(args.shape), args.cfg_options, args.csv, args.verbose))
    return 0


if __name__ == "__main__":
    main()
