"""Who is using this session: the session cookie (or single sign-on) checked by the script itself, the
sign-in prompt, and the sidebar's account box. Pages ask `actor()` and `allowed()`; writers check again."""

from __future__ import annotations

import html
import logging
import threading
import time
from dataclasses import dataclass, replace
from urllib.parse import quote, urlencode, urlsplit

import streamlit as st

from db import audit, users
from db.access import ROLE_LABEL_VI, AccessDenied, Actor, Permission, Role
from db.access import allowed as _allowed
from queries.dataset import public_read_of
from ui import data
from present import format as fmt
from web import session_cookie as sc
from web.session_cookie import SIGN_IN_PATH, SIGN_OUT_PATH, safe_next, sso_configured

log = logging.getLogger(__name__)

_KEY = "cccd_access"
# How long a verified session is trusted within one Streamlit session before the database is asked
# again (a sign-out elsewhere, a disabled account or a new role reaches an open tab within this time).
RECHECK_SECONDS = 60.0


@dataclass(frozen=True)
class Access:
    actor: Actor | None
    public: bool  # reading without signing in is allowed
    cookie: str | None  # the raw session cookie (for the sign-out link)
    checked_at: float


def client_address() -> str | None:
    """The browser's address as the server sees it (None on localhost, in tests, or when unknown)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - not every runtime knows the address
        return None
    return address if isinstance(address, str) else None


def _from_cookie(raw: str | None) -> Actor | None:
    token = sc.unsign(raw)
    if token is None:
        return None

    def look(conn):
        return users.session_actor(conn, token)

    return data.run_write(look)


def _from_sso() -> Actor | None | bool:
    """The account behind Streamlit's verified single sign-on identity; False when SSO is off or
    nobody signed in that way."""
    if not sso_configured() or not st.user.is_logged_in:
        return False
    identity = st.user.get("email") or st.user.get("sub") or ""
    first = _first_sight(str(identity))
    found = data.run_write(lambda conn: users.sso_actor(conn, str(identity), client=client_address(), record_sign_in=first))
    if found is None:
        _no_access(str(identity))
    return found


# Sign-ins through the provider already written to the audit log by this server process, oldest first.
_SSO_LOGINS_SEEN: dict[tuple[str, str, str], None] = {}
_SSO_LOGINS_LOCK = threading.Lock()
_SSO_LOGINS_KEPT = 10_000


def _first_sight(identity: str) -> bool:
    """Whether this is the first time the app sees this sign-in at the provider (then it is written to
    the audit log). Every page load and every tab is a new Streamlit session reading the same SSO
    cookie, so "first in this session" would log a sign-in per page view; the ID token's issue time
    and nonce (kept in st.user) name one sign-in. Without them: once per session."""
    key = (identity, str(st.user.get("iat") or ""), str(st.user.get("nonce") or ""))
    if st.session_state.get("cccd_sso_seen") == key:
        return False
    st.session_state["cccd_sso_seen"] = key
    if not key[1]:
        return True
    with _SSO_LOGINS_LOCK:
        if key in _SSO_LOGINS_SEEN:
            return False
        _SSO_LOGINS_SEEN[key] = None
        while len(_SSO_LOGINS_SEEN) > _SSO_LOGINS_KEPT:
            del _SSO_LOGINS_SEEN[next(iter(_SSO_LOGINS_SEEN))]
    return True


def _no_access(identity: str) -> None:
    st.title("Chưa được cấp quyền")
    st.error(
        f"Tài khoản đăng nhập một lần «{md(identity)}» chưa được cấp quyền xem hệ thống này (hoặc đã bị khóa). "
        "Đề nghị quản trị hệ thống của Tổ dữ liệu C06 thêm tài khoản và vai trò cho bạn "
        "(`python cli.py users add … --sso-identity …`).",
        icon=":material/block:",
    )
    st.button("Đăng xuất", on_click=st.logout, key="access_sso_out")
    st.stop()


def resolve() -> Access:
    """Check who is signed in (cached in the session for RECHECK_SECONDS; the cookie is fixed for a
    session's life, so a changed cookie means a new session)."""
    raw = st.context.cookies.get(sc.COOKIE_NAME)
    raw = raw if isinstance(raw, str) else None
    cached: Access | None = st.session_state.get(_KEY)
    now = time.monotonic()
    if cached is not None and cached.cookie == raw and now - cached.checked_at < RECHECK_SECONDS:
        return cached
    actor = _from_cookie(raw)
    if actor is None:
        sso = _from_sso()
        actor = sso if isinstance(sso, Actor) else None
    if actor is not None:
        actor = replace(actor, client=client_address())  # every write's audit record names the address
    public = data.run_query(public_read_of)
    result = Access(actor=actor, public=public, cookie=raw if actor and actor.via == "web" else None, checked_at=now)
    st.session_state[_KEY] = result
    return result


def refused(exc: Exception) -> str:
    """The message to show for a write that was refused (`exc`: AccessDenied, or another error with a
    Vietnamese `message_vi`). A refusal by role, province or a disabled account is also written to the
    audit log, on its own transaction (the refused write's has rolled back); if that fails, the server
    log says so and the person still gets the message."""
    if isinstance(exc, AccessDenied):
        try:
            data.run_write(audit.record_refusal, exc, client=client_address())
        except Exception:  # noqa: BLE001 - the refusal is shown all the same
            log.exception("refusal not written to the audit log")
    return getattr(exc, "message_vi", str(exc))


def current_path() -> str:
    """This page's path and query, for the sign-in form's way back: the query as it is now (the
    sidebar's date, metric, denominator and province), not as the page was first opened."""
    try:
        parts = urlsplit(st.context.url or "/")
        query = urlencode(st.query_params.to_dict()) or parts.query
        return safe_next(parts.path + (f"?{query}" if query else ""))
    except Exception:  # noqa: BLE001
        return "/"


def sign_in_url() -> str:
    return f"{SIGN_IN_PATH}?next={quote(current_path(), safe='')}"


def gate() -> Access:
    """app.py calls this first: returns who is here, or shows the sign-in prompt and stops the run."""
    state = resolve()
    if state.actor is None and sso_configured() and st.query_params.get("sso") == "1":
        st.login()
        st.stop()
    if state.actor is None and not state.public:
        st.title("Tiến độ CCCD gắn chip")
        st.info("Cần đăng nhập để xem số liệu của Ban chỉ đạo.", icon=":material/lock:")
        _link(sign_in_url(), "Đăng nhập")
        st.stop()
    return state


def actor() -> Actor | None:
    state: Access | None = st.session_state.get(_KEY)
    return state.actor if state else None


def allowed(permission: Permission, provinces=()) -> bool:
    return _allowed(actor(), permission, provinces)


def sidebar_box(state: Access, province_names: dict[str, str]) -> None:
    """Who is signed in (name, role, province) and the sign-out link; or the sign-in link."""
    with st.sidebar:
        if state.actor is None:
            st.caption("Đang xem không đăng nhập (chỉ xem).")
            _link(sign_in_url(), "Đăng nhập để nhập, sửa số liệu")
            return
        who = state.actor
        role = ROLE_LABEL_VI[who.role] + (
            f" — {province_names.get(who.province_code, who.province_code)}" if who.role is Role.province and who.province_code else ""
        )
        st.caption(f"Đăng nhập: **{md(who.display_name)}** ({md(who.username)})  \n{md(role)}")
        if who.via == "sso":
            st.button("Đăng xuất", on_click=st.logout, key="access_sign_out", type="tertiary")
        elif state.cookie:
            href = f"{SIGN_OUT_PATH}?t={sc.sign_out_tag(state.cookie)}"
            _link(href, "Đăng xuất")


LINK_COLOR = "rgb(36, 79, 180)"  # Streamlit's own colour for a Markdown link (light theme), as Chromium computes it


def _link(href: str, text: str) -> None:
    """A link the browser follows in this tab, to the server's own routes (sign-in, sign-out), which are no
    Streamlit page. `st.html`, not `st.markdown(unsafe_allow_html=True)`: Markdown with raw HTML makes every
    new visitor's browser load and evaluate a 184 KB parser (rehype-raw) that nothing else on the pages needs."""
    st.html(f'<a href="{html.escape(href)}" target="_self" style="color: {LINK_COLOR}">{html.escape(text)}</a>')


def province_label(who: Actor | None) -> str | None:
    """'tỉnh Bắc Ninh (27)' for a provincial account, None for a national one."""
    if who is None or who.role is not Role.province or not who.province_code:
        return None
    names = data.province_names(data.data_version())
    return f"{names.get(who.province_code, 'tỉnh')} ({who.province_code})"


def md(text: str) -> str:
    """Markdown-safe text (names come from people): present.format.md_text."""
    return fmt.md_text(text)
