"""Shared controls (as-of date, metric, denominator) drawn once by app.py and read by every page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from queries.metrics import HEADLINE_METRICS, Denominator, Metric
from ui.labels import DENOMINATOR_CHOICE, METRIC_LABEL

_KEY = "cccd_context"


@dataclass(frozen=True)
class Context:
    as_of: date
    metric: Metric
    denominator: Denominator
    version: int


def _from_url(name: str, allowed: list[str], default: str) -> str:
    value = st.query_params.get(name)
    return value if value in allowed else default


def _date_from_url(first: date, last: date) -> date:
    raw = st.query_params.get("as_of")
    try:
        value = date.fromisoformat(raw) if raw else last
    except ValueError:
        value = last
    return min(max(value, first), last)


def sidebar(first: date, last: date, version: int) -> Context:
    """Draw the shared controls; defaults come from the URL (?as_of=2021-04-27&metric=…), then the latest day."""
    metrics = [m.value for m in HEADLINE_METRICS]
    denominators = [d.value for d in Denominator]
    with st.sidebar:
        as_of = st.date_input(
            "Số liệu đến ngày", value=_date_from_url(first, last), min_value=first, max_value=last, format="DD/MM/YYYY", key="as_of"
        )
        metric = st.selectbox(
            "Chỉ số", metrics, index=metrics.index(_from_url("metric", metrics, metrics[0])), format_func=lambda m: METRIC_LABEL[Metric(m)], key="metric"
        )
        denominator = st.radio(
            "So với",
            denominators,
            index=denominators.index(_from_url("denominator", denominators, denominators[0])),
            format_func=lambda d: DENOMINATOR_CHOICE[Denominator(d)],
            key="denominator",
        )
    st.query_params["as_of"] = as_of.isoformat()
    st.query_params["metric"] = metric
    st.query_params["denominator"] = denominator
    ctx = Context(as_of=as_of, metric=Metric(metric), denominator=Denominator(denominator), version=version)
    st.session_state[_KEY] = ctx
    return ctx


def current() -> Context:
    """The context app.py set for this run."""
    return st.session_state[_KEY]
