"""Sign-in form (local accounts), sign-out, and the gate that sends a browser without a session to the form."""

from __future__ import annotations

import asyncio
import hmac
import html
import logging
import secrets
import time
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import settings
from db import users
from db.engine import process_engine
from queries.dataset import dataset_info_of, public_read_of
from present.labels import SIMULATED_LABEL
from web import session_cookie as sc
from web.session_cookie import SIGN_IN_PATH, SIGN_OUT_PATH, safe_next, sso_configured

log = logging.getLogger("cccd.access")

# Paths that never need a session: Streamlit's own endpoints and files, the sign-in routes, single
# sign-on's routes and the API (which has its own tokens). Everything else is a page of the app.
_OPEN_PREFIXES = (
    "/_stcore/",
    "/static/",
    "/app/static/",
    "/media/",
    "/component/",
    "/auth/",
    "/oauth2callback",
    SIGN_IN_PATH,
    SIGN_OUT_PATH,
    "/favicon",
    "/api/",
)


def engine() -> Engine:
    """The process's one engine (and pool), the same the pages use (db.engine.process_engine)."""
    return process_engine(settings.database_url())


_flags_cache: dict[str, tuple[float, tuple[bool, bool]]] = {}


def _dataset_flags() -> tuple[bool, bool]:
    """(reading needs no sign-in, the data set is simulated), rechecked every 30 s."""
    url = settings.database_url()
    hit = _flags_cache.get(url)
    if hit and time.monotonic() - hit[0] < 30:
        return hit[1]
    try:
        with engine().connect() as conn:
            value = (public_read_of(conn), dataset_info_of(conn).simulated)
    except Exception:  # noqa: BLE001 - no database: the page itself says so; nobody reads without a session
        value = (bool(settings.access().public_read), False)
    _flags_cache[url] = (time.monotonic(), value)
    return value


def public_read() -> bool:
    """Whether reading needs no sign-in (settings, else the data set's flag)."""
    return _dataset_flags()[0]


def client_of(scope_or_request) -> str | None:
    client = scope_or_request.client if isinstance(scope_or_request, Request) else scope_or_request.get("client")
    return client[0] if client else None


def _page(body: str, *, status: int = 200) -> HTMLResponse:
    page = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đăng nhập — Tiến độ CCCD gắn chip</title><link rel="stylesheet" href="/app/static/auth.css"></head>
<body><main>{body}</main></body></html>"""
    response = HTMLResponse(page, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'; form-action 'self'"
    return response


def _sso_start(next_path: str = "/") -> str:
    """Where the SSO link goes: the app at the address of `redirect_uri` in [auth]. Streamlit keeps a
    login's state in a cookie of the host the login starts on and accepts its sign-in cookie only on
    redirect_uri's origin, so a login begun under another name for this server (localhost for
    127.0.0.1, the IP address for the DNS name) would come back to the sign-in form. The page asked
    for goes along (`next`): SignInGate keeps it for the provider's way back."""
    try:
        from streamlit.auth_util import get_origin_from_redirect_uri

        origin = get_origin_from_redirect_uri() or ""
    except Exception:  # noqa: BLE001 - no usable redirect_uri: stay on this address
        origin = ""
    target = safe_next(next_path)
    return f"{origin}/?sso=1" + (f"&next={quote(target, safe='')}" if target != "/" else "")


def _form(next_path: str, *, message: str | None = None, notice: str | None = None, username: str = "", simulated: bool = False) -> tuple[str, str]:
    token = secrets.token_urlsafe(24)
    sso = ""
    if sso_configured():
        sso = (
            f'<p class="sso"><a class="button secondary" href="{html.escape(_sso_start(next_path))}">Đăng nhập một lần (SSO) bằng tài khoản của Bộ</a></p>'
            '<p class="or">hoặc bằng tài khoản của hệ thống</p>'
        )
    alert = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    info = f'<p class="notice" role="status">{html.escape(notice)}</p>' if notice else ""
    body = f"""<h1>Tiến độ CCCD gắn chip</h1>
<p class="lead">Đăng nhập để xem và cập nhật số liệu của Ban chỉ đạo.</p>
{f'<p class="simulated">{html.escape(SIMULATED_LABEL)} — không phải số liệu thật của Bộ Công an.</p>' if simulated else ""}
{info}{alert}{sso}
<form method="post" action="{SIGN_IN_PATH}">
<input type="hidden" name="csrf" value="{token}"><input type="hidden" name="next" value="{html.escape(next_path)}">
<label for="username">Tên đăng nhập</label>
<input id="username" name="username" autocomplete="username" required maxlength="64" value="{html.escape(username)}" autofocus>
<label for="password">Mật khẩu</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<button type="submit">Đăng nhập</button>
</form>
<p class="help">Quên mật khẩu hoặc chưa có tài khoản: liên hệ quản trị hệ thống của đơn vị.</p>"""
    return body, token


def _form_response(next_path: str, *, status: int = 200, https: bool = False, **kwargs) -> HTMLResponse:
    body, token = _form(next_path, **kwargs)
    response = _page(body, status=status)
    cfg = settings.access()
    response.set_cookie(
        sc.CSRF_COOKIE_NAME, token, httponly=True, samesite="strict", secure=cfg.cookie_secure or https, path=SIGN_IN_PATH, max_age=3600
    )
    return response


async def sign_in_page(request: Request) -> Response:
    notice = "Bạn đã đăng xuất." if request.query_params.get("da-dang-xuat") else None
    simulated = (await run_in_threadpool(_dataset_flags))[1]
    return _form_response(safe_next(request.query_params.get("next")), notice=notice, https=request.url.scheme == "https", simulated=simulated)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def sign_in_submit(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=8, max_part_size=4096)
    next_path = safe_next(str(form.get("next") or "/"))
    username = str(form.get("username") or "")[:64]
    password = str(form.get("password") or "")[:256]
    csrf_cookie = request.cookies.get(sc.CSRF_COOKIE_NAME, "")
    csrf_form = str(form.get("csrf") or "")
    if not csrf_cookie or not hmac.compare_digest(csrf_cookie, csrf_form) or not _same_origin(request):
        return _form_response(
            next_path,
            status=400,
            username=username,
            https=request.url.scheme == "https",
            message="Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng nhập lại và đăng nhập.",
        )
    client = client_of(request)
    old = sc.unsign(request.cookies.get(sc.COOKIE_NAME))

    def work() -> tuple[users.SignIn, str | None]:
        with engine().begin() as conn:
            result = users.sign_in(conn, username, password, client=client)
            if result.actor is None:
                return result, None
            if old:  # rotate: the browser's previous session (if any) ends with this sign-in
                users.end_sessions_by_token(conn, old)
            return result, users.start_session(conn, result.actor, client=client)

    result, token = await run_in_threadpool(work)
    if token is None:
        if result.delay:
            await asyncio.sleep(result.delay)
        return _form_response(next_path, status=401, username=username, message=users.SIGN_IN_FAILED_VI, https=request.url.scheme == "https")
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        sc.COOKIE_NAME, sc.sign(token), **sc.cookie_options(int(settings.access().session_days * 86400), https=request.url.scheme == "https")
    )
    response.delete_cookie(sc.CSRF_COOKIE_NAME, path=SIGN_IN_PATH)
    return response


async def sign_out(request: Request) -> Response:
    """GET /dang-xuat?t=…: the tag ties the link to this browser's session (no other site can sign
    a user out); the session ends server-side and the cookie is cleared."""
    raw = request.cookies.get(sc.COOKIE_NAME)
    token = sc.unsign(raw)
    tag = request.query_params.get("t", "")
    if token and raw and hmac.compare_digest(sc.sign_out_tag(raw), tag):
        client = client_of(request)

        def work() -> None:
            with engine().begin() as conn:
                users.end_session(conn, token, client=client)

        await run_in_threadpool(work)
        response = RedirectResponse(f"{SIGN_IN_PATH}?da-dang-xuat=1", status_code=303)
        response.delete_cookie(sc.COOKIE_NAME, path="/")
        return response
    return RedirectResponse("/", status_code=303)


def routes() -> list[Route]:
    return [
        Route(SIGN_IN_PATH, sign_in_page, methods=["GET"]),
        Route(SIGN_IN_PATH, sign_in_submit, methods=["POST"]),
        Route(SIGN_OUT_PATH, sign_out, methods=["GET"]),
    ]


def session_valid(cookie_value: str | None) -> bool:
    token = sc.unsign(cookie_value)
    if token is None:
        return False
    with engine().begin() as conn:
        return users.session_actor(conn, token) is not None


# The page a single sign-on was begun for, kept for the provider's way back (10 minutes, this server only).
SSO_NEXT_COOKIE = "cccd_sso_next"


def _with_cookie(send: Send, name: str, value: str) -> Send:
    """`send`, with a short-lived cookie `name`=`value` set on the response."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            cookie = f"{name}={quote(value, safe='')}; Path=/; Max-Age=600; HttpOnly; SameSite=Lax"
            message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode("latin-1"))]}
        await send(message)

    return wrapped


def _sso_landing(send: Send, kept: str | None) -> Send:
    """`send` for Streamlit's OAuth callback: its redirect to "/" goes to the page the sign-on was begun
    for instead (only a path on this server: safe_next), and the kept page is forgotten."""
    if not kept:
        return send

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] in (302, 303, 307):
            # Streamlit's callback only ever redirects to the app's start page, signed in or not.
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"location"]
            location = quote(safe_next(unquote(kept)), safe="/?=&%").encode("latin-1")
            clear = f"{SSO_NEXT_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax".encode("latin-1")
            message = {**message, "headers": [*headers, (b"location", location), (b"set-cookie", clear)]}
        await send(message)

    return wrapped


class SignInGate:
    """ASGI middleware: a page request (an HTML document) from a browser without a live session goes
    to the sign-in form, unless reading is public. Only a courtesy: the script checks the session
    itself on every run (ui.access), so nothing is served on the strength of this gate alone."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/oauth2callback":
            await self.app(scope, receive, _sso_landing(send, Request(scope).cookies.get(SSO_NEXT_COOKIE)))
            return
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["path"].startswith(_OPEN_PREFIXES):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if "text/html" not in request.headers.get("accept", ""):
            await self.app(scope, receive, send)
            return
        if sso_configured() and request.query_params.get("sso") == "1" and request.query_params.get("next"):
            # A single sign-on begins (the script calls st.login): keep the page asked for, since
            # Streamlit's callback always lands on "/" (see _SsoLanding).
            await self.app(scope, receive, _with_cookie(send, SSO_NEXT_COOKIE, safe_next(request.query_params["next"])))
            return
        if sso_configured() and (request.cookies.get(sc.SSO_COOKIE_NAME) or request.query_params.get("sso") == "1"):
            await self.app(scope, receive, send)  # st.user / st.login decide in the script
            return
        allowed = await run_in_threadpool(lambda: public_read() or session_valid(request.cookies.get(sc.COOKIE_NAME)))
        if allowed:
            await self.app(scope, receive, send)
            return
        target = scope["path"] + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
        response = RedirectResponse(f"{SIGN_IN_PATH}?next={quote(safe_next(target), safe='')}", status_code=303)
        response.headers["Cache-Control"] = "no-store"
        await response(scope, receive, send)
