#!/usr/bin/env bash
# Create .venv (if missing) and install tkgmem with its dev tools. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
# torch first, pinned: the CPU build; an unpinned torch pulls gigabytes of CUDA packages.
python -m pip install --quiet "torch==2.13.0"
python -m pip install --quiet -e ".[dev]"
