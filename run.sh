#!/usr/bin/env bash
# One command: set up, build the simulated national data set if absent (SQLite), run the dashboard.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup_env.sh requirements.txt
.venv/bin/python cli.py demo --if-missing
# Listens on this machine only unless told otherwise (ADDRESS=0.0.0.0 ./run.sh, or behind the proxy: docs/deploy.md).
exec .venv/bin/python -m streamlit run asgi.py --server.port "${PORT:-8501}" --server.address "${ADDRESS:-127.0.0.1}" "$@"
