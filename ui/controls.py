"""Shared controls (as-of date, metric, denominator, my province) drawn once by app.py and read by every
page; the print style sheet; tables that print whole (`grid`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import polars as pl
import streamlit as st
from pandas.io.formats.style import Styler

from queries.metrics import HEADLINE_METRICS, Denominator, Metric
from present import format as fmt
from present.labels import DENOMINATOR_CHOICE, METRIC_LABEL
from present.tables import print_table_html

_KEY = "cccd_context"
_METRICS = [m.value for m in HEADLINE_METRICS]
_DENOMINATORS = [d.value for d in Denominator]


@dataclass(frozen=True)
class Context:
    as_of: date
    metric: Metric
    denominator: Denominator
    version: str
    province: str | None = None  # "my province": highlighted everywhere, kept in ?province=
    province_name: str | None = None
    settled: bool = True  # most communes have reported the as-of day (queries.dataset.settled_day_of)


def _from_url(name: str, allowed: list[str], default: str) -> str:
    value = st.query_params.get(name)
    return value if value in allowed else default


def _date_from_url(first: date, last: date, default: date) -> date:
    raw = st.query_params.get("as_of")
    try:
        value = date.fromisoformat(raw) if raw else default
    except ValueError:
        value = default
    return min(max(value, first), last)


def arrived(reported: int | None, expected: int | None) -> str:
    """'1/10.603 xã (0,01%)': communes that reported a day out of those expected."""
    if not expected:
        return ""
    share = min((reported or 0) / expected, 1.0)
    return f"{fmt.number(reported or 0)}/{fmt.number(expected)} xã ({fmt.percent(share, 2 if 0 < share < 0.01 else 1)})"


def _arrival_note(as_of: date, settled: date, last: date, last_counts: tuple[int | None, int | None]) -> None:
    """Under the date: the newest day while its reports are still coming in (the pages open on the
    settled day), or a warning when the chosen day is one of those."""
    share = f" — ngày {fmt.day(last)}: {arrived(*last_counts)} đã gửi" if last_counts[1] else ""
    if as_of > settled:
        st.warning(
            f"Ngày {fmt.day(as_of)} chưa đủ báo cáo (chưa đến một nửa số xã): số của các tỉnh chưa gửi thấp hơn thực tế. "
            f"Ngày gần nhất đã đủ: {fmt.day(settled)}.",
            icon=":material/hourglass_top:",
        )
    elif settled < last:
        st.caption(f"Báo cáo mới đang về{share}; mặc định mở ngày {fmt.day(settled)}, ngày gần nhất đa số xã đã gửi.")


def _back_home(code: str) -> None:
    # A callback runs before the script, so the keyed selector may still be set.
    st.session_state["my_province"] = code


def sidebar(
    first: date,
    last: date,
    version: str,
    provinces: dict[str, str],
    *,
    home_province: str | None = None,
    settled: date | None = None,
    last_counts: tuple[int | None, int | None] = (None, None),
    shown: bool = True,
) -> Context:
    """Draw the shared controls; defaults come from the URL (?as_of=2021-04-27&metric=…&province=48),
    then this session's last choice, then the settled day (the newest day most communes have reported;
    `last` when not given).
    `provinces` maps code → name; `home_province` (a provincial account's own) is "my province" when
    the URL names none. With `shown=False` (meeting mode, which hides the sidebar, and the work pages —
    upload, audit, accounts — which use none of these values) nothing is drawn: a new visitor's browser
    builds no date picker, selectors or radio it would not use (issue 15: 0.2–0.45 s of meeting mode's wait on
    a 2-core machine, docs/benchmarks.md), and the values of `_chosen` are kept for the next page."""
    settled = min(settled or last, last)
    as_of, metric, denominator, province = _chosen(first, last, provinces, home_province, settled)
    if not shown:
        return _publish(as_of, metric, denominator, version, provinces, province, settled)
    with st.sidebar:
        as_of = st.date_input("Số liệu đến ngày", value=as_of, min_value=first, max_value=last, format="DD/MM/YYYY", key="as_of")
        _arrival_note(as_of, settled, last, last_counts)
        metric = st.selectbox(
            "Chỉ số",
            _METRICS,
            index=_METRICS.index(metric),
            format_func=lambda m: METRIC_LABEL[Metric(m)],
            key="metric",
        )
        denominator = st.radio(
            "So với",
            _DENOMINATORS,
            index=_DENOMINATORS.index(denominator),
            format_func=lambda d: DENOMINATOR_CHOICE[Denominator(d)],
            key="denominator",
        )
        codes = [None, *fmt.by_name(provinces)]
        province = st.selectbox(
            "Tỉnh của tôi",
            codes,
            index=codes.index(province),
            format_func=lambda c: "— chưa chọn —" if c is None else provinces[c],
            help="Tô sáng tỉnh này trên mọi trang; lưu trong địa chỉ trang để đánh dấu (bookmark).",
            key="my_province",
        )
        if home_province in provinces and province != home_province:
            # A click on the map (or a link) made another province "mine": one click back to the account's own.
            st.button(
                f"Về {provinces[home_province]} (tỉnh của tài khoản)",
                icon=":material/undo:",
                type="tertiary",
                key="my_province_home",
                on_click=_back_home,
                args=(home_province,),
            )
    return _publish(as_of, metric, denominator, version, provinces, province, settled)


def _chosen(first: date, last: date, provinces: dict[str, str], home_province: str | None, settled: date) -> tuple[date, str, str, str | None]:
    """The shared values before any widget: each from the URL, else what this session chose last (a page
    without the controls, or a menu link, carries no query), else the settled day, the first metric and
    denominator, and the account's own province. Values the sidebar would never offer are not taken."""
    before: Context | None = st.session_state.get(_KEY)
    as_of = _date_from_url(first, last, before.as_of if before else settled)
    metric = _from_url("metric", _METRICS, before.metric.value if before else _METRICS[0])
    denominator = _from_url("denominator", _DENOMINATORS, before.denominator.value if before else _DENOMINATORS[0])
    wanted = st.query_params.get("province") or (before.province if before else home_province)
    return as_of, metric, denominator, wanted if wanted in provinces else None


def _publish(as_of: date, metric: str, denominator: str, version: str, provinces: dict[str, str], province: str | None, settled: date) -> Context:
    """The chosen values into the URL (bookmarks, links between pages) and into this session for the pages."""
    st.query_params["as_of"] = as_of.isoformat()
    st.query_params["metric"] = metric
    st.query_params["denominator"] = denominator
    if province:
        st.query_params["province"] = province
    elif "province" in st.query_params:
        del st.query_params["province"]
    ctx = Context(
        as_of=as_of,
        metric=Metric(metric),
        denominator=Denominator(denominator),
        version=version,
        province=province,
        province_name=provinces.get(province) if province else None,
        settled=as_of <= settled,
    )
    st.session_state[_KEY] = ctx
    return ctx


# What the ⋮ menu's "In trang" (or Ctrl+P) puts on paper: the page's own content across the sheet's width —
# not the sidebar, the header, buttons, links to other pages or download buttons — with a card row, a metric
# or a chart never cut between two sheets. Each page's caption carries its as-of date and the simulated label.
# An element holding class print-only (an HTML table standing in for the canvas grid just above it: `grid`)
# is on the paper only, in the grid's place; its header row repeats on every sheet, its colours print.
# (A display st.dataframe gets no st-key class, so the grid is found as the element before.)
PRINT_CSS = """<style>
@media screen { [data-testid="stElementContainer"]:has(.print-only) { display: none; } }
@media print {
  [data-testid="stElementContainer"]:has(+ [data-testid="stElementContainer"] .print-only) { display: none !important; }
  table.print-table { width: 100%; border-collapse: collapse; font-size: 7.5pt; line-height: 1.25; }
  table.print-table thead { display: table-header-group; }
  table.print-table th { text-align: left; border-bottom: 1.5pt solid #334155; padding: 2pt 3pt; }
  table.print-table td { border-bottom: 0.5pt solid #cbd5e1; padding: 1.5pt 3pt; vertical-align: top; }
  table.print-table .num { text-align: right; white-space: nowrap; }
  table.print-table td.long { overflow-wrap: anywhere; }
  table.print-table tr { break-inside: avoid; }
  table.print-table td, table.print-table th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .print-note { font-size: 7.5pt; margin: 2pt 0 0; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
  header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stSkipToContent"], [data-testid="stButton"], [data-testid="stDownloadButton"], [data-testid="stPageLink"],
  [data-testid="stElementToolbar"] { display: none !important; }
  [data-testid="stMain"] { margin-left: 0 !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  [data-testid="stHorizontalBlock"], [data-testid="stMetric"], [data-testid="app-chart"], .js-plotly-plot,
  [data-testid="stAlert"] { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
}
</style>"""


def print_layout() -> None:
    """The print style sheet above, once per run (app.py)."""
    st.html(PRINT_CSS)


def grid(
    data: Styler | pd.DataFrame | pl.DataFrame,
    *,
    column_config: Mapping[str, Any] | None = None,
    column_order: Sequence[str] | None = None,
    printed: str | None = None,
    **options: Any,
) -> None:
    """A table that prints whole: st.dataframe (no index) on screen and, on paper, the same rows and
    columns as an HTML table in its place (present.tables.print_table_html; `printed` when the caller
    has it built already, e.g. shared per process). Every display table of the pages goes through here."""
    st.dataframe(data, column_config=column_config, column_order=column_order, hide_index=True, **options)
    paper = printed if printed is not None else print_table_html(data, column_config, column_order=column_order)
    st.html(f'<div class="print-only">{paper}</div>')


def confirmed(state_key: str, message: str, yes_label: str, *, key: str) -> bool:
    """The second step of an action that cannot be undone from the page: `message` in a bordered
    warning with `yes_label` (True once clicked) and "Thôi" (forgets `state_key`, the pending choice,
    and reruns). Buttons keyed `{key}_yes` and `{key}_no`."""
    with st.container(border=True):
        st.warning(message)
        yes, no = st.columns(2)
        if yes.button(yes_label, type="primary", key=f"{key}_yes"):
            return True
        if no.button("Thôi", key=f"{key}_no"):
            st.session_state.pop(state_key, None)
            st.rerun()
    return False


def current() -> Context:
    """The context app.py set for this run."""
    return st.session_state[_KEY]


def without_reports(version: str) -> Context:
    """The context of a database with no reports yet (only the upload page runs): defaults, no sidebar."""
    ctx = Context(as_of=date.today(), metric=HEADLINE_METRICS[0], denominator=Denominator.eligible, version=version)
    st.session_state[_KEY] = ctx
    return ctx
