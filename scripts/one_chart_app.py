"""The floor for scripts/bench_sessions.py: a one-chart Streamlit app — a title and one st.plotly_chart of
a small bar chart — served with the dashboard's production settings.

    .venv/bin/python -m streamlit run scripts/one_chart_app.py --server.port 8599   # from the project root

Run from the project root, `streamlit run` reads the same .streamlit/config.toml as the dashboard (no
file watcher, headless, usage statistics off, static serving on). No database, no sign-in, no sidebar:
whatever a page of the dashboard costs above this app's new session is the dashboard's own work.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="Một biểu đồ", layout="wide")
st.title("Một biểu đồ")
figure = go.Figure(go.Bar(x=["Hà Nội", "Bắc Ninh", "Đà Nẵng", "Khánh Hòa", "TP. Hồ Chí Minh"], y=[72.4, 81.0, 77.9, 64.3, 58.6]))
figure.update_layout(height=360, margin={"l": 40, "r": 20, "t": 20, "b": 40}, yaxis_title="Tỷ lệ (%)")
st.plotly_chart(figure, config={"displayModeBar": False})
