"""Streamlit's front-end bundles from memory, gzip-compressed once (issue 15: the meeting morning).

A new visitor's browser fetches about 10 MB of Streamlit's JavaScript (4.7 MB of it Plotly) before the
page can draw. Streamlit's own Starlette server reads each file from disk and sends it uncompressed on
every request (it deliberately never gzips its bundles, because Starlette would compress them again on
every hit); that was about two thirds of the server's CPU per new session (docs/benchmarks.md). The
bundles are content-hashed and immutable, so this middleware compresses each one the first time it is
asked for, keeps the bytes, and answers later requests with one send: a fraction of the CPU and about a
quarter of the bytes. What a reverse proxy with a cache would do, without needing one (run.sh serves
without a proxy).

The app's own `static/` folder (served at `/app/static/`: the map's 1.4 MB plotly.js geo bundle, the
sign-in style sheet, meeting mode's keys) goes the same way, but is revalidated by its ETag on every use
(`no-cache`; a 304 costs nothing), since its names carry no content hash.

Only files that exist in those folders when the server starts are served (an index built once; nothing
in the request becomes a file-system path; a file changed in static/ is served anew after a restart).
Everything else passes through to Streamlit unchanged. Streamlit's JavaScript gets the Vietnamese of
`web.ui_strings` as it is loaded (its widgets' own English: "Upload", "Download as CSV"…).
Memory: the compressed files plus fonts and images as they are — about 10 MB per process for
Streamlit's whole folder, all loaded at server start by `Store.load_all` (asgi.py; 0.6 s of one
core) so that no visitor waits for a compression.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import streamlit
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from web.ui_strings import translate

# (URL prefix, folder, Cache-Control). Streamlit's bundles: the same contract as its own static handler
# (hashed names, cached for a year). The app's folder: revalidated by ETag.
STREAMLIT_STATIC = Path(streamlit.__file__).parent / "static" / "static"
FOLDERS = [
    ("/static/", STREAMLIT_STATIC, b"public, immutable, max-age=31536000"),
    ("/app/static/", Path(__file__).resolve().parent.parent / "static", b"no-cache"),
]
# Compression level: 6 costs about 0.1 s once for the 4.7 MB Plotly bundle, and its output is within
# 2% of level 9's.
GZIP_LEVEL = 6


COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


@dataclass(frozen=True)
class Asset:
    body: bytes  # gzip-compressed when `gzipped`, else the file's bytes (fonts, images: already compressed)
    gzipped: bool
    path: Path  # read again only for the rare client that does not accept gzip
    content_type: bytes
    etag: bytes
    cache_control: bytes
    plain: bytes | None = None  # the uncompressed body when it differs from the file (web.ui_strings)


def asset_index(folders=FOLDERS) -> dict[str, tuple[Path, bytes]]:
    """URL path (`/static/js/x.js`) → (file, Cache-Control), for every file under the folders."""
    index: dict[str, tuple[Path, bytes]] = {}
    for prefix, base, cache_control in folders:
        for folder, _, files in os.walk(base):
            for name in files:
                path = Path(folder) / name
                index[prefix + path.relative_to(base).as_posix()] = (path, cache_control)
    return index


def _load(path: Path, cache_control: bytes) -> Asset:
    raw = path.read_bytes()
    translated = translate(path.name, raw) if path.suffix == ".js" and path.is_relative_to(STREAMLIT_STATIC) else raw
    plain, raw = (translated if translated != raw else None), translated
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    compressible = content_type.startswith(COMPRESSIBLE)
    if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
        content_type += "; charset=utf-8"
    etag = b'"' + hashlib.sha256(raw).hexdigest()[:32].encode() + b'"'
    body = gzip.compress(raw, GZIP_LEVEL, mtime=0) if compressible else raw
    return Asset(body, compressible, path, content_type.encode(), etag, cache_control, plain)


class Store:
    """The index and the loaded assets, one per process (every app instance and the warm-up share it)."""

    def __init__(self, folders=FOLDERS):
        self.index = asset_index(folders)
        self.prefixes = tuple(prefix for prefix, _, _ in folders)
        self.cache: dict[str, Asset] = {}
        self.lock = threading.Lock()

    def asset(self, url_path: str) -> Asset:
        asset = self.cache.get(url_path)
        if asset is None:
            with self.lock:  # one compression per file, however many visitors ask at once
                asset = self.cache.get(url_path)
                if asset is None:
                    asset = self.cache[url_path] = _load(*self.index[url_path])
        return asset

    def load_all(self) -> None:
        """Load and compress every file now (0.6 s of one core for Streamlit's 26 MB folder; 10 MB kept)."""
        for url_path in self.index:
            self.asset(url_path)


STORE = Store()


class StaticBundles:
    """ASGI middleware: GET/HEAD of a known file answered from memory (gzip-compressed when accepted)."""

    def __init__(self, app: ASGIApp, store: Store = STORE):
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        store = self.store
        if not path.startswith(store.prefixes) or path not in store.index or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        asset = store.cache.get(path)
        if asset is None:
            asset = await run_in_threadpool(store.asset, path)
        headers = Headers(scope=scope)
        common = [(b"cache-control", asset.cache_control), (b"etag", asset.etag), (b"vary", b"Accept-Encoding")]
        if asset.etag in (headers.get("if-none-match") or "").encode():
            await send({"type": "http.response.start", "status": 304, "headers": common})
            await send({"type": "http.response.body", "body": b""})
            return
        send_gzip = asset.gzipped and "gzip" in headers.get("accept-encoding", "")
        if send_gzip or not asset.gzipped:
            body = asset.body
        else:
            body = asset.plain if asset.plain is not None else await run_in_threadpool(asset.path.read_bytes)
        response_headers = [*common, (b"content-type", asset.content_type), (b"content-length", str(len(body)).encode())]
        if send_gzip:
            response_headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": response_headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
