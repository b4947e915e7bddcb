#!/usr/bin/env bash
# Regenerate requirements.lock from pyproject.toml: every dependency (runtime + the dev extra), pinned with hashes,
# for Python 3.11 on Linux x86_64. torch is left out (listed as "unsafe", unpinned): scripts/setup.sh and the
# Dockerfile install torch==2.13.0 first from the CPU wheel, whose hashes differ from PyPI's CUDA build; torch's own
# dependencies are in the lock. Versions already in the lock are kept while pyproject.toml allows them; pass
# `--upgrade` (or `--upgrade-package NAME`) to move to the newest releases. Needs PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
"$PYTHON" - <<'PY'
import platform, sys
if sys.version_info[:2] != (3, 11) or platform.system() != "Linux" or platform.machine() != "x86_64":
    sys.exit(f"scripts/lock.sh: lock with CPython 3.11 on Linux x86_64, not {platform.python_version()} on "
             f"{platform.system()} {platform.machine()} (set PYTHON=...)")
PY

tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
"$PYTHON" -m venv "$tools/venv"
"$tools/venv/bin/pip" install -q pip==26.3 pip-tools==7.7.0

# pip is "unsafe" too: the venv's own installer, not pinned here (pip-audit's pip-api asks for it).
CUSTOM_COMPILE_COMMAND="scripts/lock.sh" "$tools/venv/bin/pip-compile" --quiet --generate-hashes \
  --extra dev --strip-extras --unsafe-package torch --unsafe-package pip \
  --no-emit-index-url --no-emit-find-links --output-file requirements.lock "$@" pyproject.toml

# torch's CPU wheel has no CUDA dependencies; PyPI's torch (Linux) pulls nvidia-* and triton.
if grep -qiE '^(nvidia-|triton==)' requirements.lock; then
  echo "scripts/lock.sh: the lock has CUDA packages: pip-compile resolved torch from PyPI, not the CPU wheel." >&2
  echo "  Re-run with the CPU index: PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu scripts/lock.sh" >&2
  exit 1
fi
echo "requirements.lock: $(grep -c '^[A-Za-z0-9]' requirements.lock) packages pinned with hashes" \
  "(pip-compile's warning about torch and pip is expected: setup.sh and the Dockerfile install those first)"
