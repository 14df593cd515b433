"""The second floor for scripts/bench_sessions.py: a Streamlit app with a title and nothing else, served
with the dashboard's production settings — what Streamlit's own front end costs a new session on the
machine (its JavaScript fetched, compiled and run, the websocket opened, one element drawn).

    .venv/bin/python -m streamlit run scripts/title_only_app.py --server.port 8599   # from the project root

Goal 2 of issue 15 (warm ≤ 1.0 s) can only be met on a machine where this app is well under 1.0 s.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Chỉ tiêu đề", layout="wide")
st.title("Chỉ tiêu đề")
