"""Every number on screen, defined once: SQL Core queries returning polars frames (no Streamlit here)."""
