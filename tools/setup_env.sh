#!/usr/bin/env bash
# Create (or reuse) the project's virtualenv with the pinned stack and organseg_plugins installed.
# Idempotent: on a ready venv whose stamp matches the requirement files it returns in about a second.
#
#   bash tools/setup_env.sh            # venv in ./.venv (override with ORGANSEG_VENV=/path)
#   PYTHON310=/path/to/python3.10 bash tools/setup_env.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ORGANSEG_VENV:-$ROOT/.venv}"
STAMP="$VENV/.organseg-stamp"

find_python310() {
  local cand
  for cand in "${PYTHON310:-}" "$(command -v python3.10 2>/dev/null || true)" \
              "$(pyenv prefix 3.10.13 2>/dev/null || true)/bin/python" \
              "$HOME/.pyenv/versions/3.10.13/bin/python"; do
    if [ -n "$cand" ] && [ -x "$cand" ] && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      echo "$cand"; return 0
    fi
  done
  return 1
}

stamp_of() {
  cat "$ROOT"/requirements/*.txt "$ROOT/tools/setup_env.sh" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1
}

want="$(stamp_of)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/python" ]; then
  echo "[setup_env] $VENV is up to date"
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  if ! PY="$(find_python310)"; then
    echo "[setup_env] ERROR: Python 3.10 not found. The pinned stack (torch 2.3.1, mmcv 2.1.0, the" >&2
    echo "  detectron2 wheel) only exists for Python 3.10. Install it (e.g. 'pyenv install 3.10.13')" >&2
    echo "  or point PYTHON310 at a python3.10 executable." >&2
    exit 1
  fi
  echo "[setup_env] creating $VENV with $PY"
  "$PY" -m venv "$VENV"
fi

PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
cd "$ROOT"
# Order matters: mmcv is built from source against the installed torch (no build isolation).
"${PIP[@]}" install -q -r requirements/build.txt
"${PIP[@]}" install -q -c requirements/stack.txt torch torchvision numpy
if ! "$VENV/bin/python" -c 'import mmcv, mmcv.ops' 2>/dev/null || \
   [ "$("$VENV/bin/python" -c 'import mmcv; print(mmcv.__version__)')" != "2.1.0" ]; then
  echo "[setup_env] building mmcv 2.1.0 with CPU ops (about 10 minutes on 2 cores the first time; cached after)"
  MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-2}" "${PIP[@]}" install --no-build-isolation \
    -c requirements/stack.txt mmcv==2.1.0
fi
"${PIP[@]}" install -q -r requirements/stack.txt -r requirements/test.txt
"${PIP[@]}" install -q --no-deps --no-build-isolation -e .
"$VENV/bin/python" -c 'import mmseg, mmcv.ops, detectron2._C, organseg_plugins' \
  || { echo "[setup_env] ERROR: the installed stack does not import" >&2; exit 1; }
echo "$want" > "$STAMP"
echo "[setup_env] ready: $VENV"
