"""The dashboard's server asks nothing of the outside world when it starts, started as `ADDRESS=0.0.0.0 ./run.sh` starts it
(listening on every address). Unconfigured, Streamlit's start-up banner looks the machine's external IP
up at checkip.amazonaws.com: on the air-gapped network that is an outside request, and its failure a
warning in the log. `browser.serverAddress` in .streamlit/config.toml turns the lookup off. Whatever the
network, a lookup shows in the log: an "External URL" line if it answered, the warning if it did not."""

from __future__ import annotations

import time

from scripts.local_server import streamlit_server


def test_server_start_looks_nothing_up_outside(demo_sqlite, tmp_path):
    log = tmp_path / "server.log"
    with streamlit_server(demo_sqlite, log=log, address=None, start_timeout=120):
        deadline = time.monotonic() + 30
        while "URL:" not in log.read_text(errors="replace") and time.monotonic() < deadline:
            time.sleep(0.2)
        text = log.read_text(errors="replace")
    assert "URL: http://localhost:" in text
    assert "External URL" not in text
    assert "external IP" not in text
