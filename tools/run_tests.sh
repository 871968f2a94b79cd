#!/usr/bin/env bash
# The README's test command: set up (idempotent) and run the whole suite, slow end-to-end tests included.
#   bash tools/run_tests.sh            # everything
#   bash tools/run_tests.sh -m "not slow" -x   # the fast subset for an edit loop (extra args go to pytest)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/setup_env.sh
exec "${ORGANSEG_VENV:-.venv}/bin/python" -m pytest "$@"
