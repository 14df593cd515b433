"""Meeting mode: the slides of exports/slides.py full screen for a projector — one message per slide,
large type, keyboard and clicker, optional automatic advance; the handouts on the last slide."""

from __future__ import annotations

import html
import time

import streamlit as st

from exports.deck import PPTX_MIME, deck_file_name
from exports.slides import Slide, table_html
from exports.spreadsheet import XLSX_MIME, handout_file_name
from ui import controls, data, meeting_data
from present import format as fmt
from ui.chart import chart, static_url
from present.labels import SIMULATED_LABEL, STATUS_COLOR

AUTO_CHOICES = [0, 15, 30, 60]  # seconds per slide; 0 = advance by hand only
SHARED_PARAMS = ("as_of", "metric", "denominator", "province")
CHART_CONFIG = {"displayModeBar": False, "scrollZoom": False}

# Chrome off, type large (nothing under 24 px at 1280×720), high contrast, and a slide that always
# fits one screen: the figure takes the height the header, message and footer leave.
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="collapsedControl"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], [data-testid="stBottom"] { display: none !important; }
[data-testid="stAppViewContainer"], [data-testid="stMain"] { background: #ffffff; }
/* A 1920×1080 projector shows the 1280×720 composition 1.5× larger, and a 1024×768 (XGA) one 0.8×
   (the same share of the wall): text by zoom, charts at 1.5 by a transform (Plotly measures its box in
   layout pixels, which zoom would confuse). The chart (ui.chart, no height of its own) fills the box
   .st-key-mt_figure is given. */
:root { --mt-zoom: 1; }
@media (min-width: 1700px) and (min-height: 950px) { :root { --mt-zoom: 1.5; } }
@media (min-width: 1000px) and (max-width: 1200px) { :root { --mt-zoom: 0.8; } }
[data-testid="stMainBlockContainer"] { padding: 12px 28px calc(84px * var(--mt-zoom)) 28px !important; max-width: 100% !important; }
.stApp [data-testid="stHtml"], .st-key-mt_footer, .st-key-mt_downloads { zoom: var(--mt-zoom); }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 8px; }
.stApp, .stApp p, .stApp button, .stApp label { font-size: 24px; color: #111827; }
.mt-head { display: flex; justify-content: space-between; align-items: baseline; gap: 24px; }
.stApp .mt-title { font-size: 38px; font-weight: 700; line-height: 1.15; margin: 0; color: #111827; }
.stApp .mt-meta { font-size: 24px; white-space: nowrap; color: #111827; }
.mt-head > div { flex-shrink: 0; }
.mt-sim { white-space: nowrap; font-size: 24px; font-weight: 700; color: #ffffff; background: #b91c1c; padding: 0 10px; border-radius: 4px; }
.stApp .mt-message { font-size: 30px; font-weight: 700; line-height: 1.25; color: #7f1d1d; margin: 0; }
.mt-numbers { display: grid; grid-template-columns: repeat(var(--cols), minmax(0, 1fr)); gap: 16px 28px; }
.mt-number { border-left: 8px solid #111827; padding: 4px 0 4px 14px; }
.mt-value { font-size: 56px; font-weight: 800; line-height: 1.1; }
.mt-label { font-size: 24px; line-height: 1.25; color: #1f2937; }
.mt-side .mt-numbers { gap: 10px; }
.mt-side .mt-value { font-size: 40px; }
.mt-side .mt-number { padding: 2px 0 2px 14px; }
.mt-bullets { font-size: 28px; line-height: 1.35; margin: 0; padding-left: 1.2em; }
.mt-bullets li { margin-bottom: 10px; }
.mt-tables { display: flex; gap: 40px; align-items: flex-start; }
.slide-table { border-collapse: collapse; font-size: 26px; flex: 1 1 0; }
.slide-table caption { text-align: left; font-weight: 700; font-size: 28px; padding-bottom: 6px; }
.slide-table th { text-align: left; background: #e5e7eb; padding: 6px 14px; font-size: 24px; }
.slide-table td { padding: 6px 14px; border-bottom: 1px solid #d1d5db; }
.slide-table .num { text-align: right; white-space: nowrap; }
.slide-table tr.mine td { background: #fef3c7; font-weight: 700; }
.mt-note { font-size: 24px; margin-top: 12px; }
.st-key-mt_figure { --mt-height: max(260px, calc(100vh - var(--mt-reserved, 250px) * var(--mt-zoom)));
  flex: 0 0 auto !important; width: calc(100% / var(--mt-zoom)) !important; height: calc(var(--mt-height) / var(--mt-zoom)); }
.st-key-mt_figure .js-plotly-plot { transform: scale(var(--mt-zoom)); transform-origin: top left; }
.st-key-mt_figure .st-key-mt_chart { height: 100%; }
/* At 0.8 the chart is not scaled: it is drawn at the size that shows (its text a little larger than the
   zoomed text's), less 8 px, since the gaps and padding, not zoomed, take more than --mt-reserved × zoom. */
@media (min-width: 1000px) and (max-width: 1200px) {
  .st-key-mt_figure { width: 100% !important; height: calc(var(--mt-height) - 8px); }
  .st-key-mt_figure .js-plotly-plot { transform: none; }
}
.st-key-mt_footer { position: fixed; left: 28px; bottom: 10px; z-index: 100; background: #ffffff; }
.st-key-mt_footer button { min-height: 48px; padding: 4px 18px; }
.stApp [data-testid="stIconMaterial"] { font-size: 28px !important; }
.st-key-mt_footer button, .st-key-mt_footer button p, .st-key-mt_footer [data-testid="stMarkdownContainer"] p { font-size: 24px !important; }
.mt-position { font-size: 28px; font-weight: 700; text-align: center; white-space: nowrap; }
.st-key-mt_downloads button p { font-size: 26px !important; }
</style>
"""

# Arrow keys, Page Up / Page Down (what presentation clickers send) and space click the previous /
# next buttons; F toggles full screen. Added once per browser tab (the page reruns often).
# Loaded from the app's own static files (web/headers.py's policy allows no inline script).
KEYS = f'<script src="{static_url("meeting_keys.js")}"></script>'

ctx = controls.current()
info = data.dataset_info(ctx.version)
st.html(CSS)
st.html(KEYS, unsafe_allow_javascript=True)

params = dict(as_of=ctx.as_of, metric=ctx.metric.value, denominator=ctx.denominator.value, province=ctx.province)
slides = meeting_data.slide_list(ctx.version, **params)
count = len(slides)


def _url_int(name: str, default: int) -> int:
    try:
        return int(st.query_params.get(name, default))
    except ValueError:
        return default


# The slide and the interval live in the session and in the URL (?slide=3&auto=30), with the date,
# metric, denominator and province the shared controls keep there.
if "mt_slide" not in st.session_state:
    st.session_state["mt_slide"] = min(max(_url_int("slide", 1), 1), count)
    st.session_state["mt_shown_at"] = time.monotonic()
if "mt_auto" not in st.session_state:
    wanted = _url_int("auto", 0)
    st.session_state["mt_auto"] = wanted if wanted in AUTO_CHOICES else 0
st.session_state["mt_slide"] = min(max(st.session_state["mt_slide"], 1), count)
auto = st.session_state["mt_auto"] or 0


def _go(step: int) -> None:
    st.session_state["mt_slide"] = (st.session_state["mt_slide"] - 1 + step) % count + 1
    st.session_state["mt_shown_at"] = time.monotonic()


def _auto_changed() -> None:
    st.session_state["mt_shown_at"] = time.monotonic()
    st.session_state["mt_auto_changed"] = True


def _header(slide: Slide) -> None:
    meta = f'<span class="mt-meta">Số liệu đến {html.escape(fmt.day(slide.as_of))}</span>'
    if slide.simulated:
        meta += f' <span class="mt-sim">{html.escape(SIMULATED_LABEL)}</span>'
    st.html(
        f'<div class="mt-head"><h1 class="mt-title">{html.escape(slide.title)}</h1><div>{meta}</div></div>'
        f'<p class="mt-message">{html.escape(slide.message)}</p>'
    )


def _numbers_html(slide: Slide, columns: int) -> str:
    cells = []
    for number in slide.numbers:
        colour = "#6b7280" if number.status == "no_data" else STATUS_COLOR.get(number.status, "#111827") if number.status else "#111827"
        cells.append(
            f'<div class="mt-number" style="border-color:{colour}"><div class="mt-value" style="color:{colour}">{html.escape(number.value)}</div>'
            f'<div class="mt-label">{html.escape(number.label)}</div></div>'
        )
    return f'<div class="mt-numbers" style="--cols:{columns}">{"".join(cells)}</div>'


def _figure(slide: Slide, reserved: int) -> None:
    figure = meeting_data.slide_figure(ctx.version, **params, key=slide.key)
    if figure is None:
        return
    with st.container(key="mt_figure"):
        st.html(f"<style>.st-key-mt_figure {{ --mt-reserved: {reserved}px; }}</style>")
        chart(figure, config=CHART_CONFIG, key=f"mt_chart_{slide.key}")


def _body(slide: Slide) -> None:
    if slide.figure is not None and slide.figure_side:
        left, right = st.columns([3, 2], vertical_alignment="top")
        with left:
            _figure(slide, reserved=205)
        with right:
            st.html(f'<div class="mt-side">{_numbers_html(slide, 1)}</div>')
        return
    if slide.numbers:
        st.html(_numbers_html(slide, 3))
    if slide.tables:
        st.html('<div class="mt-tables">' + "".join(table_html(t) for t in slide.tables) + "</div>")
    if slide.bullets and slide.figure is None:
        items = "".join(f"<li>{html.escape(b)}</li>" for b in slide.bullets)
        st.html(f'<ul class="mt-bullets">{items}</ul>' if not slide.tables else f'<p class="mt-note">{html.escape(slide.bullets[0])}</p>')
    if slide.figure is not None:
        _figure(slide, reserved=215 + (40 if len(slide.message) > 90 else 0))


def _downloads() -> None:
    with st.container(key="mt_downloads", horizontal=True):
        st.download_button(
            "Tải bài trình chiếu (PowerPoint)",
            data=lambda: meeting_data.deck_bytes(ctx.version, **params),
            file_name=deck_file_name(ctx.as_of, ctx.province),
            mime=PPTX_MIME,
            icon=":material/slideshow:",
            key="mt_deck",
            on_click="ignore",
        )
        st.download_button(
            "Tải bảng số liệu (Excel)",
            data=lambda: meeting_data.handout_bytes(ctx.version, **params),
            file_name=handout_file_name(ctx.as_of, ctx.province),
            mime=XLSX_MIME,
            icon=":material/table_view:",
            key="mt_xlsx",
            on_click="ignore",
        )


def _exit() -> None:
    keep = {k: v for k, v in st.query_params.to_dict().items() if k in SHARED_PARAMS}
    st.switch_page("app_pages/overview.py", query_params=keep)


@st.fragment(run_every=auto or None)
def meeting() -> None:
    if st.session_state.pop("mt_auto_changed", False):
        st.rerun(scope="app")  # the interval of the automatic advance is fixed per full run
    if auto and time.monotonic() - st.session_state["mt_shown_at"] >= auto - 0.5:
        _go(+1)
    index = st.session_state["mt_slide"]
    st.query_params["slide"] = str(index)
    if auto:
        st.query_params["auto"] = str(auto)
    elif "auto" in st.query_params:
        del st.query_params["auto"]
    slide = slides[index - 1]
    _header(slide)
    _body(slide)
    if slide.key == "notes":
        _downloads()
    with st.container(key="mt_footer", horizontal=True, vertical_alignment="center", gap="medium"):
        st.button("Trước", icon=":material/arrow_back:", key="mt_prev", on_click=_go, args=(-1,))
        st.html(f'<div class="mt-position">{index}/{count}</div>', width="content")
        st.button("Sau", icon=":material/arrow_forward:", icon_position="right", key="mt_next", on_click=_go, args=(+1,))
        st.segmented_control(
            "Tự chuyển trang",
            AUTO_CHOICES,
            format_func=lambda s: "Tự chuyển: tắt" if s == 0 else f"{s} giây",
            key="mt_auto",
            on_change=_auto_changed,
            label_visibility="collapsed",
            required=True,
        )
        if st.button("Thoát", icon=":material/close:", key="mt_exit"):
            _exit()


meeting()
