"""Streamlit's page (its index.html) told where its server is, so a deep link connects at once (issue 15).

Streamlit's front end does not know the server's base path. On a page's own address (`/xep-hang`,
`/tinh-cua-toi`: how users arrive, from a bookmark or a link in a message) it first asks
`/xep-hang/_stcore/health` and `/xep-hang/_stcore/host-config`, gets two 404s, waits, and only then asks
`/_stcore/…` and opens its websocket: about 0.1–0.15 s lost on every new session on this machine, and two
more round trips on a provincial office's link. Streamlit reads the base from `window.__streamlit`
(`BACKEND_BASE_URL`, its documented hook for hosts that embed it); this middleware adds one constant
script to the page that sets it before Streamlit's bundle runs.

The base is the page's own address without its last segment: Streamlit's page paths are one segment
(`st.Page` refuses a `/` in `url_path`), the main page ends with `/`, and a proxy that serves the app
under a prefix (`/cccd/xep-hang`) keeps working, since the browser's own address carries the prefix.

Only a response that is exactly Streamlit's index.html is changed (Streamlit serves it for every page
path); every other answer — the sign-in form, errors, files — passes through byte for byte. The page
is served without Streamlit's validators (ETag, Last-Modified): its copy is no longer the file they
describe, and at 2.5 kB compressed the page is cheaper to send than to revalidate. The script's hash
is in the Content-Security-Policy (web/headers.py reads PAGE).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import streamlit
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

INDEX = Path(streamlit.__file__).parent / "static" / "index.html"

# Constant text (its hash is in the Content-Security-Policy): the page's address up to its last "/".
BASE_SCRIPT = 'window.__streamlit={BACKEND_BASE_URL:location.origin+location.pathname.replace(/[^/]*$/,"")}'

_MODULE_SCRIPT = '<script type="module"'


def rewrite(page: str) -> str:
    """Streamlit's index.html with BASE_SCRIPT before its module script (which runs deferred, after it)."""
    at = page.find(_MODULE_SCRIPT)
    if at < 0:  # a Streamlit whose page has no module script: leave it as it is
        return page
    return f"{page[:at]}<script>{BASE_SCRIPT}</script>\n    {page[at:]}"


ORIGINAL = INDEX.read_bytes() if INDEX.exists() else b""
PAGE = rewrite(ORIGINAL.decode("utf-8")) if ORIGINAL else ""
_PAGE_BYTES = PAGE.encode("utf-8")
_PAGE_GZIP = gzip.compress(_PAGE_BYTES, 6, mtime=0)
ACTIVE = bool(ORIGINAL) and _PAGE_BYTES != ORIGINAL
# The response is at most this big before it is known not to be the index (the sign-in form is smaller;
# anything bigger passes through as it streams).
_MAX_BUFFER = 64 * 1024


class IndexPage:
    """ASGI middleware: a GET answered with Streamlit's index.html gets PAGE instead (same encoding)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not ACTIVE:
            await self.app(scope, receive, send)
            return
        accepts_gzip = "gzip" in Headers(scope=scope).get("accept-encoding", "")
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0

        async def flush() -> None:
            nonlocal start
            if start is not None:
                await send(start)
                start = None
            for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            chunks.clear()

        async def watch(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                if message["status"] == 200 and headers.get("content-type", "").startswith("text/html"):
                    start = message  # held until the body shows whether it is the index
                    return
                await send(message)
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if message.get("more_body", False):
                if size > _MAX_BUFFER:
                    await flush()
                    start = None
                return
            body = b"".join(chunks)
            encoding = Headers(raw=start.get("headers", [])).get("content-encoding", "")
            if _is_index(body, encoding):
                # Compressed whenever the browser accepts it (Streamlit sends "/" plain).
                zipped = encoding == "gzip" or accepts_gzip
                body = _PAGE_GZIP if zipped else _PAGE_BYTES
                headers = MutableHeaders(raw=list(start["headers"]))
                headers["content-length"] = str(len(body))
                if zipped:
                    headers["content-encoding"] = "gzip"
                    headers["vary"] = "Accept-Encoding"
                for name in ("etag", "last-modified"):
                    if name in headers:
                        del headers[name]
                start = {**start, "headers": headers.raw}
            await send(start)
            start = None
            chunks.clear()
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, watch)


def _is_index(body: bytes, encoding: str) -> bool:
    if encoding == "gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError):
            return False
    elif encoding not in ("", "identity"):
        return False
    return body == ORIGINAL
