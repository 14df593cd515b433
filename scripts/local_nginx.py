"""Debian's nginx in front of local app processes, with deploy/nginx/cccd.conf as shipped (only the ports
and the log path rendered): for the scale-out test and the meeting-morning benchmark."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scripts.local_server import free_port

ROOT = Path(__file__).resolve().parent.parent
SITE_CONF = ROOT / "deploy" / "nginx" / "cccd.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def render_site(backends: list[int], listen: int, access_log: Path) -> str:
    """deploy/nginx/cccd.conf with these ports and log: the shipped file, not a copy of it."""
    text = SITE_CONF.read_text()
    for old, new in [
        (r"server 127\.0\.0\.1:8501 ", f"server 127.0.0.1:{backends[0]} "),
        (r"server 127\.0\.0\.1:8502 ", f"server 127.0.0.1:{backends[1]} "),
        (r"listen 80;", f"listen 127.0.0.1:{listen};"),
        (r"/var/log/nginx/cccd\.access\.log", str(access_log)),
    ]:
        text, n = re.subn(old, new, text)
        if n != 1:
            raise RuntimeError(f"deploy/nginx/cccd.conf: expected one {old!r} to replace, found {n}")
    return text


@contextmanager
def nginx(folder: Path, backends: list[int], *, error_log_level: str = "warn", start_timeout: float = 20) -> Iterator[tuple[int, int]]:
    """nginx in the foreground with its own prefix, pid, logs and temp paths under `folder` (never the
    system's); yields (port, pid) once it answers /_stcore/health."""
    port = free_port()
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "cccd.conf").write_text(render_site(backends, port, folder / "access.log"))
    user = "user root;" if os.geteuid() == 0 else ""  # workers otherwise drop to nobody, who cannot write these temp paths
    (folder / "nginx.conf").write_text(f"""{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log {error_log_level};
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    access_log off;
    include {folder}/cccd.conf;
}}
""")
    base_cmd = [NGINX, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(folder / "nginx.conf")]
    check = subprocess.run([*base_cmd, "-t"], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"nginx -t failed: {check.stderr}")
    proc = subprocess.Popen([*base_cmd, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not answer within {start_timeout:.0f} s (see {folder / 'error.log'})")
            time.sleep(0.2)
        yield port, proc.pid
    finally:
        proc.terminate()  # SIGTERM: fast shutdown of the master and its worker
        proc.wait(timeout=20)
