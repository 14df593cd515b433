"""Work the server does once at start instead of on its first visitor's view (issue 15: "cold" time).

The first page view after a start paid about 1.2 s of server CPU that no later view pays: importing
pandas (Streamlit's table styling), python-pptx and the handout writers (meeting mode's downloads),
pandera (the report checks behind the readiness lines), Babel's Vietnamese number data, and
compressing Streamlit's bundles (web.static_cache). `preload()` imports and loads them while the server
starts — it answers its health check about two seconds later (on this project's 2-core test machine),
and its first visitor is served like every other.
"""

from __future__ import annotations

import importlib

# Imported by the pages on their first run (directly or through ui/, exports/ and intake/). Not ui/ itself:
# its cache decorators want Streamlit's runtime, which starts after this module is imported.
MODULES = (
    "pandas", "pyarrow", "plotly.graph_objects", "plotly.io", "pptx", "openpyxl", "pandera.polars",
    "queries.progress", "queries.rankings", "queries.scorecard", "queries.trend",
    "intake.load", "intake.readiness", "exports.deck", "exports.slides", "exports.spreadsheet",
    "streamlit.emojis",  # st.set_page_config compiles its emoji pattern on first use
)


def preload() -> None:
    from babel.numbers import format_decimal

    from web import static_cache

    for name in MODULES:
        importlib.import_module(name)
    format_decimal(1234.5, locale="vi")  # loads Babel's locale data
    static_cache.STORE.load_all()
