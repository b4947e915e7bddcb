#!/usr/bin/env bash
# Set up, then continue a melody locally (no Discord token needed) and write the files to ./out.
#   bash scripts/demo.sh                      # seed "C E G"
#   bash scripts/demo.sh "D F# A B A" --meter 6/8 --seed 7
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -eq 0 ]; then set -- "C E G"; fi
exec .venv/bin/musicgenius melody "$@" --out "${OUT:-out}"
