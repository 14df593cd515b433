#!/usr/bin/env bash
# Create .venv and install pinned requirements ($1: requirements file). Shared by run.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
req="${1:-requirements.txt}"
# Prefer Debian's optimised CPython 3.11 when present: a pyenv build without PGO runs this
# project's build about three times slower (see docs/benchmarks.md).
py=python3
for candidate in /usr/bin/python3.11 /usr/bin/python3; do
  if [ -x "$candidate" ] && "$candidate" -c 'import sys, venv, ensurepip; assert sys.version_info >= (3, 11)' 2>/dev/null; then py="$candidate"; break; fi
done
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum "$req" requirements.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --disable-pip-version-check -q -r "$req"
  touch "$stamp"
fi
