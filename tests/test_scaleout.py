"""Scale-out for real (issue 15): two app processes on one PostgreSQL behind Debian's nginx serving
deploy/nginx/cccd.conf itself — both serve, a browser stays on its process (page and websocket), a
report stored through one process is on the other's page at its next load, a forwarded client
address reaches the audit log, and killing one process leaves the other serving through the proxy."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from db import tokens, users
from db.access import operator
from db.engine import make_engine
from db.schema import audit_log, import_batch
from scripts.local_nginx import NGINX, nginx
from scripts.local_server import free_port
from tests.browser_support import ARTIFACTS, chromium, offline_page, require_chromium
from tests.conftest import _drop_postgres, _postgres_url

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "nhan-rong-hai-tien-trinh-2021"
HEADER = "Ngày báo cáo,Mã tỉnh,Mã huyện,Mã xã,Số hồ sơ tiếp nhận,Số thẻ đã trả cho công dân,Số phiếu thu thập thông tin dân cư,Số bản ghi đã cập nhật vào CSDL"
UPLOAD_NAME = "nhanrong26.csv"
TIMEOUT = 60_000  # ms, for one page to draw


def require_nginx() -> None:
    """Without Debian's nginx the module fails when CCCD_REQUIRE_BROWSER=1 (test.sh, CI) and is skipped otherwise."""
    if not Path(NGINX).exists():
        if os.environ.get("CCCD_REQUIRE_BROWSER") == "1":
            raise RuntimeError("nginx is required (CCCD_REQUIRE_BROWSER=1): apt-get install -y nginx-light")
        pytest.skip("nginx not installed", allow_module_level=True)


require_chromium()
require_nginx()


# --- the pieces: a database, two app processes, nginx -------------------------------------------


def get(
    port: int,
    path: str,
    *,
    cookie: str | None = None,
    source: str = "127.0.0.1",
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, list[str]], bytes]:
    """One HTTP request to 127.0.0.1:`port` from the local address `source` (any of 127.0.0.0/8)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        hdrs = {"Accept": "text/html", **(headers or {})}
        if cookie:
            hdrs["Cookie"] = cookie
        conn.request(method, path, body=body, headers=hdrs)
        response = conn.getresponse()
        found: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            found.setdefault(name.lower(), []).append(value)
        return response.status, found, response.read()
    finally:
        conn.close()


def wait_until(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def healthy(port: int) -> bool:
    try:
        status, _, body = get(port, "/_stcore/health", timeout=2)
    except OSError:
        return False
    return status == 200 and body == b"ok"


@contextmanager
def app_process(port: int, env: dict[str, str], log: Path):
    """`streamlit run asgi.py` on 127.0.0.1:`port`, as deploy/systemd/cccd@.service runs it."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "asgi.py"), "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from simulate.demo import build_demo

    folder = tmp_path_factory.mktemp("scaleout")
    url = _postgres_url()
    engine = make_engine(url)
    try:
        build_demo(engine, seed=11, provinces=["26"])
        with engine.begin() as conn:
            users.add_user(conn, operator("test"), username="c06", display_name="Tổ dữ liệu C06", role="data_team", password=PASSWORD)
        # A small API burst refilled once a minute: the rate test below counts calls, not seconds.
        env = {
            "DATABASE_URL": url,
            "CCCD_SECRET_KEY": "scaleout-test-" + os.urandom(16).hex(),
            "CCCD_API_BURST": str(API_BURST),
            "CCCD_API_RATE_PER_MINUTE": "1",
        }
        ports = [free_port(), free_port()]
        ARTIFACTS.mkdir(exist_ok=True)
        with ExitStack() as stack:
            procs = [stack.enter_context(app_process(p, env, ARTIFACTS / f"server-scaleout-{i}.log")) for i, p in enumerate(ports)]
            wait_until(lambda: all(healthy(p) for p in ports), "both app processes answer /_stcore/health", timeout=120)
            proxy = stack.enter_context(nginx(folder / "nginx", ports, error_log_level="info"))[0]
            yield {"engine": engine, "ports": ports, "procs": procs, "proxy": proxy, "access_log": folder / "nginx" / "access.log"}
            for name in ("access.log", "error.log"):
                shutil.copy(folder / "nginx" / name, ARTIFACTS / f"scaleout-nginx-{name}")
    finally:
        engine.dispose()
        _drop_postgres(url)


def upstream_port(headers: dict[str, list[str]]) -> int:
    [addr] = headers["x-upstream"]
    return int(addr.rsplit(",", 1)[-1].strip().rsplit(":", 1)[1])  # after a retry: "127.0.0.1:A, 127.0.0.1:B"


def route_cookie(headers: dict[str, list[str]]) -> str | None:
    for value in headers.get("set-cookie", []):
        if value.startswith("cccd_route="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return None


def routes_to(cluster) -> dict[int, str]:
    """A routing cookie value for each app process, as nginx hands them to new browsers."""
    found: dict[int, str] = {}
    deadline = time.monotonic() + 20
    while len(found) < 2 and time.monotonic() < deadline:
        status, headers, _ = get(cluster["proxy"], "/_stcore/health")
        assert status == 200
        found.setdefault(upstream_port(headers), route_cookie(headers))
    return found


API_BURST = 4


# --- the tests, in order: the last one kills a process ----------------------------------------------


def test_both_processes_serve_and_new_browsers_are_spread_over_them(cluster):
    a, b = cluster["ports"]
    for port in (a, b):
        status, _, body = get(port, "/_stcore/health")
        assert (status, body) == (200, b"ok")
        status, _, page = get(port, "/xep-hang")
        assert status == 200 and b"<noscript>" in page  # Streamlit's page shell, served by each process itself

    seen: dict[int, int] = {a: 0, b: 0}
    for _ in range(30):  # 30 browsers without a cookie: each gets its own route
        status, headers, body = get(cluster["proxy"], "/_stcore/health")
        assert (status, body) == (200, b"ok")
        assert re.fullmatch(r"[0-9a-f]{32}", route_cookie(headers) or "")
        seen[upstream_port(headers)] += 1
    assert seen[a] > 0 and seen[b] > 0, seen

    for port, route in routes_to(cluster).items():  # a browser with its cookie always comes back to its process
        for path in ("/xep-hang", "/_stcore/health", "/static/does-not-exist.js"):
            _, headers, _ = get(cluster["proxy"], path, cookie=f"cccd_route={route}")
            assert upstream_port(headers) == port and route_cookie(headers) is None
    # A forged or junk route is replaced by a fresh one, not trusted.
    _, headers, _ = get(cluster["proxy"], "/_stcore/health", cookie="cccd_route=../../etc")
    assert re.fullmatch(r"[0-9a-f]{32}", route_cookie(headers) or "")


def test_the_client_address_behind_the_proxy_is_the_browsers(cluster):
    """A failed sign-in through nginx from 127.0.0.2 is audited as 127.0.0.2 (uvicorn trusts nginx's
    X-Forwarded-For from 127.0.0.1), and an address the client plants itself is not believed."""
    proxy = cluster["proxy"]
    status, headers, page = get(proxy, "/dang-nhap", source="127.0.0.2")
    assert status == 200
    csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
    route = route_cookie(headers)
    cookies = f"cccd_route={route}; cccd_csrf={csrf}"
    form = urllib.parse.urlencode({"csrf": csrf, "next": "/", "username": "c06", "password": "sai-mat-khau"}).encode()
    status, _, _ = get(
        proxy,
        "/dang-nhap",
        source="127.0.0.2",
        method="POST",
        body=form,
        cookie=cookies,
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "203.0.113.9"},
    )
    assert status == 401
    with cluster["engine"].connect() as conn:
        clients = conn.execute(select(audit_log.c.client).where(audit_log.c.action == "sign_in_failed")).scalars().all()
    assert clients == ["127.0.0.2"]


def test_a_browser_stays_on_its_process_and_a_report_stored_through_one_is_on_the_others_next_page(cluster, tmp_path):
    a, b = cluster["ports"]
    routes = routes_to(cluster)
    proxy = f"http://127.0.0.1:{cluster['proxy']}"
    report = tmp_path / UPLOAD_NAME
    report.write_text(HEADER + "\n16/06/2021,26,243,08707,7,1,2,3\n", encoding="utf-8")

    with chromium() as chrome:
        # The officer's browser is on process A: signs in there and opens the upload page.
        officer = offline_page(chrome, 1280, 900)
        on_a = officer.context
        on_a.add_cookies([{"name": "cccd_route", "value": routes[a], "url": proxy}])
        officer.goto(f"{proxy}/dang-nhap?next=/nhap-bao-cao")
        officer.fill("#username", "c06")
        officer.fill("#password", PASSWORD)
        officer.click("button[type=submit]")
        officer.get_by_text("Người gửi:").first.wait_for(timeout=TIMEOUT)
        [session] = [c for c in on_a.cookies() if c["name"] == "cccd_session"]

        # A colleague's browser, same account, is on process B: the sign-in made on A is good on B
        # (sessions in PostgreSQL, one secret key), and B draws (and caches) the batch list.
        reader = offline_page(chrome, 1280, 900)
        on_b = reader.context
        on_b.add_cookies([{"name": "cccd_route", "value": routes[b], "url": proxy}, session])
        reader.goto(f"{proxy}/nhap-bao-cao")
        reader.get_by_text("Chưa có lô nào được nhập từ tệp.").first.wait_for(timeout=TIMEOUT)  # the demo's batches are simulated

        # Stored through A …
        officer.locator("input[type=file]").set_input_files(str(report))
        officer.get_by_role("button", name="Kiểm tra và nhập").click()
        with cluster["engine"].connect() as conn:
            wait_until(
                lambda: conn.execute(select(import_batch.c.id).where(import_batch.c.source_name == UPLOAD_NAME)).first() is not None,
                "the upload through process A is stored",
                timeout=60,
            )
            conn.rollback()
        officer.get_by_text("Các lô đã nhập").first.wait_for(timeout=TIMEOUT)

        # … and on B's page at its next load: B's cached batch list is keyed on the data version.
        reader.reload()
        reader.get_by_text(UPLOAD_NAME).first.wait_for(timeout=TIMEOUT)
        reader.screenshot(path=str(ARTIFACTS / "scaleout-other-process.png"))
        assert reader.outside == [] and officer.outside == []
        on_a.close()
        on_b.close()  # closing ends the websockets: nginx logs them now

    # Every request of each browser — the page, its files, the upload and the websocket — went to its own process.
    log = cluster["access_log"].read_text()
    for port, route in ((a, routes[a]), (b, routes[b])):
        lines = [line for line in log.splitlines() if f"route={route}" in line]
        assert any('"GET /_stcore/stream' in line and " 101 " in line for line in lines), f"no websocket for route {route}"
        assert {m for line in lines for m in re.findall(r"upstream=127\.0\.0\.1:(\d+)", line)} == {str(port)}
    assert any(
        '"PUT /_stcore/upload_file' in line or '"POST /_stcore/upload_file' in line for line in log.splitlines() if f"route={routes[a]}" in line
    )


def test_an_api_tokens_rate_limit_holds_across_both_processes(cluster):
    """The token's bucket is in the database: calls spread over both processes draw on one burst (with a
    bucket per process, each would allow the whole burst and the token would get twice its rate)."""
    with cluster["engine"].begin() as conn:
        data_team = users.find_actor(conn, "c06", via="web")
        _, raw = tokens.create_token(conn, data_team, username="c06", name="gioi-han")
    routes = routes_to(cluster)
    assert len(routes) == 2
    auth = {"Authorization": f"Bearer {raw}", "Accept": "application/json"}
    served: list[int] = []
    for i in range(API_BURST):
        port = sorted(routes)[i % 2]
        status, headers, _ = get(cluster["proxy"], "/api/v1/batches", cookie=f"cccd_route={routes[port]}", headers=auth)
        assert status == 200, (i, status)
        served.append(upstream_port(headers))
    assert set(served) == set(routes)  # both processes answered
    for port in sorted(routes):  # the burst is spent, whichever process is asked
        status, headers, body = get(cluster["proxy"], "/api/v1/batches", cookie=f"cccd_route={routes[port]}", headers=auth)
        assert status == 429 and upstream_port(headers) == port, (port, status, body)
        assert int(headers["retry-after"][0]) >= 1 and b"rate_limited" in body


def test_killing_one_process_leaves_the_other_serving_through_the_proxy(cluster):
    a, b = cluster["ports"]
    routes = routes_to(cluster)
    proxy = f"http://127.0.0.1:{cluster['proxy']}"
    cluster["procs"][0].send_signal(signal.SIGKILL)
    cluster["procs"][0].wait(timeout=10)
    assert not healthy(a)

    # A browser whose route pointed at A, and new browsers: all served by B now.
    _, headers, _ = get(cluster["proxy"], "/xep-hang", cookie=f"cccd_route={routes[a]}")
    assert upstream_port(headers) == b
    for _ in range(10):
        status, headers, body = get(cluster["proxy"], "/_stcore/health")
        assert (status, body, upstream_port(headers)) == (200, b"ok", b)

    with chromium() as chrome:
        page = offline_page(chrome, 1280, 800)
        context = page.context
        context.add_cookies([{"name": "cccd_route", "value": routes[a], "url": proxy}])
        page.goto(f"{proxy}/xep-hang?province=26")
        page.get_by_text("Xếp hạng").first.wait_for(timeout=TIMEOUT)
        page.locator("[data-testid=stDataFrame], [data-testid=stTable]").first.wait_for(timeout=TIMEOUT)
        assert page.outside == []
        context.close()
