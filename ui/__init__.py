"""The Streamlit-facing layer under the pages: the one cache layer over queries/ (data and the *_data
modules, figure_cache), shared controls, the map component and the script's own session check.
Formats, labels and pure figure builders are in present/."""
