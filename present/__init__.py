"""Presentation without Streamlit: Vietnamese number and date formats, labels and colours, Plotly figure
builders (charts and maps) and the rankings table's columns — used by the pages (through ui/) and the
handouts (exports/) alike."""
