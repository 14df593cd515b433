#!/usr/bin/env bash
# One command: set up, build the simulated national data set if absent (SQLite), run the dashboard.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup_env.sh requirements.txt
.venv/bin/python cli.py demo --if-missing
exec .venv/bin/python -m streamlit run asgi.py --server.port "${PORT:-8501}" "$@"
