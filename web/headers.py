"""Security headers on every HTTP answer: no framing by other sites, and a Content-Security-Policy that
lets the page load only from this server (the app is offline: nothing else is ever needed)."""

from __future__ import annotations

import base64
import hashlib
import re
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web import index_page


def _inline_script_hashes() -> list[str]:
    """The page's inline scripts: Streamlit's own (`window.prerenderReady = false`, read from the
    installed Streamlit, so an upgrade keeps working) and the base address web.index_page adds; each
    allowed exactly by its hash."""
    page = index_page.PAGE
    bodies = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", page, flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in bodies]


# Streamlit's front end sets styles inline (emotion) and draws images from data: and blob: URLs; its
# websocket is on this origin ('self' covers ws:/wss: of the same host in CSP level 3 browsers).
# Custom components (v2, the map) hand their JavaScript to the page as blob: URLs, which only a script
# already running on this page can make.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        " ".join(["script-src 'self' blob:", *_inline_script_hashes()]),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """ASGI middleware: adds HEADERS to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *[(n, v) for n, v in HEADERS if n not in present]]
            await send(message)

        await self.app(scope, receive, send_with_headers)
