#!/usr/bin/env bash
# The README's test command: set up (idempotent) and run the whole suite, slow end-to-end tests included.
#   bash tools/run_tests.sh            # everything
#   bash tools/run_tests.sh -m "not slow" -x   # the fast subset for an edit loop (extra args go to pytest)
#   PYTEST_WORKERS=0 bash tools/run_tests.sh   # one process (pytest-xdist off)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/setup_env.sh
PY="${ORGANSEG_VENV:-.venv}/bin/python"
# Real reference files (two pinned PyPI sdists, sha256-checked) into a cache outside the repo; quiet when warm.
"$PY" tools/fetch_test_data.py \
  || { echo "[run_tests] ERROR: tools/fetch_test_data.py failed (see the error line above); no test was run" >&2; exit 1; }
# One worker per core (pytest-xdist; tests/conftest.py gives each one BLAS thread and puts the end-to-end tests
# first); `--dist load --maxschedchunk 1` hands out one test at a time, so those long tests spread over the
# workers and the short ones fill in at the end. PYTEST_WORKERS=0 runs in one process.
exec "$PY" -m pytest -n "${PYTEST_WORKERS:-auto}" --dist load --maxschedchunk 1 "$@"
