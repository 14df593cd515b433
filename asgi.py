"""The server: Streamlit's app (app.py) on Starlette with the sign-in routes and gate and the HTTP API (`streamlit run asgi.py`).

At import, before it answers its health check, the server loads what its first visitor's view would
otherwise pay (issue 15, "cold" time; about 1.2 s of server CPU on the first view, 0.35 s after):
pandas (Streamlit's table styling), python-pptx and the handout writers (meeting mode's downloads),
pandera (the report checks behind the readiness lines), Babel's Vietnamese number data, Streamlit's
emoji pattern (st.set_page_config compiles it on first use), and Streamlit's bundles compressed
(web.static_cache). Start-up takes about two seconds longer on the 2-core test machine. Not ui/: its
cache decorators want Streamlit's runtime, which starts after this module is imported.
"""

from __future__ import annotations

import pandas  # noqa: F401
import plotly.graph_objects  # noqa: F401
import pptx  # noqa: F401
import pandera.polars  # noqa: F401
import streamlit as st
import streamlit.emojis  # noqa: F401
from babel.numbers import format_decimal
from starlette.middleware import Middleware

import exports.deck  # noqa: F401
import exports.slides  # noqa: F401
import exports.spreadsheet  # noqa: F401
import intake.load  # noqa: F401
import intake.readiness  # noqa: F401
import queries.progress  # noqa: F401
import queries.rankings  # noqa: F401
from web import api, auth_routes, static_cache
from web.headers import SecurityHeaders
from web.index_page import IndexPage
from web.static_cache import StaticBundles

format_decimal(1234.5, locale="vi")  # loads Babel's locale data
static_cache.STORE.load_all()

app = st.App(
    "app.py",
    routes=[*auth_routes.routes(), *api.routes()],
    middleware=[
        Middleware(SecurityHeaders),
        Middleware(StaticBundles),
        Middleware(auth_routes.SignInGate),
        Middleware(IndexPage),
    ],
)
