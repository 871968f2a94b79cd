#!/usr/bin/env python
"""Fetch the real medical reference files the tests read (once; a warm cache is a quiet no-op).

    python tools/fetch_test_data.py                 # into $ORGANSEG_DATA_CACHE or ~/.cache/organseg_plugins/reference_data
    python tools/fetch_test_data.py --cache-dir DIR --list

Downloads the pinned sdists of totalsegmentator and pyradiomics from the package index, checks their sha256,
and keeps only their data files (see :mod:`organseg_plugins.core.io.reference_data`). Called by
``tools/run_tests.sh`` before pytest; nothing is written in the repository. A failure is one ``error:`` line
naming the archive, exit status 2.
"""

from __future__ import annotations

import argparse
import sys

from organseg_plugins.core.cli import cli_main, report_user_error
from organseg_plugins.core.io.reference_data import ReferenceDataError, default_cache_dir, fetch


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description="Fetch the reference medical files used by the tests into a cache")
    p.add_argument("--cache-dir", default=None,
                   help=f"cache folder (default: $ORGANSEG_DATA_CACHE or {default_cache_dir()})")
    p.add_argument("--list", action="store_true", help="print 'key<TAB>path' for every file")
    return p.parse_args(argv)


@cli_main
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        paths = fetch(args.cache_dir, log=lambda msg: print(f"[fetch_test_data] {msg}", file=sys.stderr, flush=True))
    except ReferenceDataError as err:
        return report_user_error(err)
    if args.list:
        for key, path in sorted(paths.items()):
            print(f"{key}\t{path}")
    return 0


if __name__ == "__main__":
    main()
