"""The server: Streamlit's app (app.py) on Starlette with the sign-in routes and gate and the HTTP API (`streamlit run asgi.py`)."""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from web import api, auth_routes
from web.headers import SecurityHeaders
from web.static_cache import StaticBundles
from web.warm_up import preload

preload()  # what the first visitor's view would otherwise pay (web/warm_up.py)

app = st.App(
    "app.py",
    routes=[*auth_routes.routes(), *api.routes()],
    middleware=[Middleware(SecurityHeaders), Middleware(StaticBundles), Middleware(auth_routes.SignInGate)],
)
