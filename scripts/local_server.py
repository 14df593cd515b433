"""The dashboard under `streamlit run` on a free local port, for the browser tests and the map benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(
    database_url: str,
    *,
    log: Path | None = None,
    start_timeout: float = 180,
    address: str | None = "127.0.0.1",
    env: dict[str, str] | None = None,
    port: int | None = None,
    script: Path | None = None,
) -> Iterator[str]:
    """`streamlit run asgi.py` (the app with its sign-in routes, as run.sh serves it) on a free port against `database_url`, listening on `address` (None: on
    every address, as run.sh does); yields its base URL once its health check answers. Output goes to
    `log` (a file: an undrained pipe would block a chatty server once full), or nowhere. `script`: another
    Streamlit script run the same way from the project root (its settings), such as scripts/one_chart_app.py."""
    port = port or free_port()
    listen = ["--server.address", address] if address else []
    with open(log, "wb") if log else open(os.devnull, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script or ROOT / "asgi.py"), "--server.port", str(port), *listen],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        else:
            proc.kill()
            tail = log.read_text(errors="replace")[-2000:] if log else ""
            raise RuntimeError(f"streamlit did not start within {start_timeout:.0f} s{': ' + tail if tail else ''}")
        try:
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=30)
