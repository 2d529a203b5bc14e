#!/usr/bin/env bash
# The main job: install, ingest the bundled sample into an embedded store, answer questions on both time axes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
tkgmem demo "$@"
