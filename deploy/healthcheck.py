"""Health of the dashboard's app processes on this machine: GET /_stcore/health on each port (exit 1 if any fails).

    python deploy/healthcheck.py 8501 8502            # once each
    python deploy/healthcheck.py --wait 120 8501      # until it answers (systemd's ExecStartPost)
    python deploy/healthcheck.py --tries 3 8501       # fails only after three misses (cccd-health@.service)

The address is STREAMLIT_SERVER_ADDRESS (as the processes listen), else 127.0.0.1. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.request


def answers(host: str, port: int, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/_stcore/health", timeout=timeout) as response:
            return response.status == 200 and response.read() == b"ok"
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ports", nargs="+", type=int)
    parser.add_argument("--wait", type=float, default=0, help="keep trying for this many seconds")
    parser.add_argument("--tries", type=int, default=1, help="misses in a row before a port counts as down")
    parser.add_argument("--timeout", type=float, default=5)
    args = parser.parse_args(argv)
    host = os.environ.get("STREAMLIT_SERVER_ADDRESS") or "127.0.0.1"
    host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    down = []
    for port in args.ports:
        deadline = time.monotonic() + args.wait
        misses = 0
        while not answers(host, port, args.timeout):
            misses += 1
            if misses >= args.tries and time.monotonic() >= deadline:
                down.append(port)
                break
            time.sleep(1)
    for port in down:
        print(f"cccd app process on {host}:{port} does not answer /_stcore/health", file=sys.stderr)
    return 1 if down else 0


if __name__ == "__main__":
    sys.exit(main())
