#!/usr/bin/env bash
# Idempotent set-up: Debian packages (as root), a .venv with the CPU build of torch, the project.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
# chromium + chromium-driver: the playground's browser test (tests/playground/test_browser.py) drives them.
for pkg in fonts-liberation fonts-dejavu-core libfluidsynth3 musescore-general-soundfont-small chromium chromium-driver; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "note: missing Debian packages ${missing[*]} (run as root to install them)" >&2
  fi
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv

stamp=.venv/.setup-stamp
want=$(cat pyproject.toml requirements.lock | sha1sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q torch==2.13.0          # CPU wheel first, so nothing pulls a CUDA build
  # Everything else (runtime + dev) pinned with hashes; after changing dependencies: scripts/lock.sh
  .venv/bin/pip install -q --require-hashes -r requirements.lock
  .venv/bin/pip install -q --no-deps -e .
  .venv/bin/python scripts/check_lock.py          # fails when pyproject.toml wants what the lock lacks
  echo "$want" > "$stamp"
fi
