#!/usr/bin/env bash
# Create .venv and install pinned requirements ($1: requirements file). Shared by run.sh and test.sh.
# What is installed is the file's lock (requirements.txt -> requirements.lock, requirements-dev.txt ->
# requirements-dev.lock): every package, direct or not, at the version CI tested
# (regenerate with `.venv/bin/python -m scripts.lock_requirements` after changing a .txt file).
set -euo pipefail
cd "$(dirname "$0")/.."
req="${1:-requirements.txt}"
lock="${req%.txt}.lock"
if [ ! -f "$lock" ]; then echo "no lock file $lock for $req (python -m scripts.lock_requirements)" >&2; exit 1; fi
# Prefer Debian's optimised CPython 3.11 when present: a pyenv build without PGO runs this
# project's build about three times slower (see docs/benchmarks.md).
py=python3
for candidate in /usr/bin/python3.11 /usr/bin/python3; do
  if [ -x "$candidate" ] && "$candidate" -c 'import sys, venv, ensurepip; assert sys.version_info >= (3, 11)' 2>/dev/null; then py="$candidate"; break; fi
done
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum "$req" requirements.txt "$lock" requirements.lock | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --disable-pip-version-check -q -r "$lock"
  touch "$stamp"
fi
