"""The session cookie (a signed random token, HttpOnly, SameSite=Lax) and the sign-in paths: shared by the routes and the script."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer

import settings

SIGN_IN_PATH = "/dang-nhap"
SIGN_OUT_PATH = "/dang-xuat"
COOKIE_NAME = "cccd_session"
CSRF_COOKIE_NAME = "cccd_csrf"
# Streamlit's own single sign-on cookie (st.login); its contents are verified by Streamlit (st.user).
SSO_COOKIE_NAME = "_streamlit_user"


@lru_cache(maxsize=4)
def _serializer(secret: str, salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=salt)


def sign(token: str) -> str:
    return _serializer(settings.secret_key(), "session").dumps(token)


def unsign(value: str | None) -> str | None:
    """The token inside a cookie value, or None when it was not signed with our key (tampered)."""
    if not value:
        return None
    try:
        token = _serializer(settings.secret_key(), "session").loads(value)
    except BadSignature:
        return None
    return token if isinstance(token, str) and 20 <= len(token) <= 100 else None


def sign_out_tag(cookie_value: str) -> str:
    """Ties a sign-out link to the session it ends, so another site cannot sign a user out."""
    return hmac.new(settings.secret_key().encode(), b"sign-out:" + cookie_value.encode(), hashlib.sha256).hexdigest()[:32]


def cookie_options(max_age: int | None, *, https: bool = False) -> dict:
    cfg = settings.access()
    # Secure when CCCD_COOKIE_SECURE says so, or when this request came over HTTPS (behind the proxy,
    # uvicorn reads X-Forwarded-Proto from it).
    return {"httponly": True, "samesite": "lax", "secure": cfg.cookie_secure or https, "path": "/", "max_age": max_age}


def safe_next(target: str | None) -> str:
    """Only a path on this server (never another site): '/', '/xep-hang?province=27'…"""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path.startswith((SIGN_IN_PATH, SIGN_OUT_PATH)):
        return "/"
    return target


def sso_configured() -> bool:
    """True when [auth] is set in secrets.toml: single sign-on through st.login is on."""
    from streamlit.auth_util import get_secrets_auth_section

    try:
        return bool(get_secrets_auth_section())
    except Exception:  # noqa: BLE001 - an unreadable secrets file means no single sign-on
        return False
