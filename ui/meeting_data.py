"""Cached accessors for meeting mode, the events page and the handouts. Numbers still come through
queries/ (ui/data.py is the cache over them); this adds the slides, the chart events and the
handout files built from the same frames."""

from __future__ import annotations

import dataclasses
from datetime import date

import polars as pl
import streamlit as st
from sqlalchemy import inspect

from db import events
from db.access import Actor
from exports import deck, slides, spreadsheet
from queries import annotations as chart_events
from ui import data, map_data
from ui.chart import FigureJson, figure_json


_guard = data.run_query  # the shared query runner of ui/data.py


def events_ready() -> bool:
    """False on a database migrated before the events table existed (run `python cli.py init-db`)."""
    return _guard(lambda conn: inspect(conn).has_table("annotation"))


def events_stamp() -> tuple:
    """Part of every cache key that includes events: changes on each add, edit or delete (one tiny query)."""
    if not events_ready():
        return ("none",)
    return (data.database_key(), *_guard(chart_events.events_stamp))


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def events_frame(stamp: tuple, *, province: str | None = None, include_deleted: bool = False) -> pl.DataFrame:
    if stamp == ("none",):
        return slides.empty_events()
    return _guard(chart_events.events, province=province, include_deleted=include_deleted)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _inputs(version: str, stamp: tuple, *, as_of: date, metric: str, denominator: str, province: str | None) -> slides.SlideInputs:
    # The boundary file is attached afterwards (shared resource), so it is not copied into this cache.
    return _guard(
        slides.load_inputs,
        as_of=as_of,
        metric=metric,
        denominator=denominator,
        province=province,
        geojson={},
        archipelagos=map_data.archipelago_labels(),
    )


def slide_inputs(version: str, *, as_of: date, metric: str, denominator: str, province: str | None) -> slides.SlideInputs:
    """The queries/ frames of the meeting's slides (see exports.slides.load_inputs)."""
    inputs = _inputs(version, events_stamp(), as_of=as_of, metric=metric, denominator=denominator, province=province)
    return dataclasses.replace(inputs, geojson=None if province else map_data.provinces_geojson())


@st.cache_resource(max_entries=16, show_spinner=False)
def _slides(version: str, stamp: tuple, as_of: date, metric: str, denominator: str, province: str | None) -> list[slides.Slide]:
    return slides.build_slides(slide_inputs(version, as_of=as_of, metric=metric, denominator=denominator, province=province))


def slide_list(version: str, *, as_of: date, metric: str, denominator: str, province: str | None) -> list[slides.Slide]:
    """The slides, shared by every session showing the same meeting: copy a figure before changing it."""
    return _slides(version, events_stamp(), as_of, metric, denominator, province)


@st.cache_resource(max_entries=64, show_spinner=False)
def _figure(version: str, stamp: tuple, as_of: date, metric: str, denominator: str, province: str | None, key: str) -> FigureJson | None:
    slide = next(s for s in _slides(version, stamp, as_of, metric, denominator, province) if s.key == key)
    return None if slide.figure is None else figure_json(slide.figure, stretch=True, themed=False)


def slide_figure(version: str, *, as_of: date, metric: str, denominator: str, province: str | None, key: str) -> FigureJson | None:
    """The figure of the slide `key` as JSON for ui.chart, at the height the slide leaves it and in the
    slide's own projector style (the deck's), made once per process and shared."""
    return _figure(version, events_stamp(), as_of, metric, denominator, province, key)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def _deck(version: str, stamp: tuple, as_of: date, metric: str, denominator: str, province: str | None) -> bytes:
    inputs = slide_inputs(version, as_of=as_of, metric=metric, denominator=denominator, province=province)
    return deck.build_deck(inputs)


def deck_bytes(version: str, *, as_of: date, metric: str, denominator: str, province: str | None) -> bytes:
    """The handout deck (PPTX), built once per data version, date, metric, denominator and province."""
    return _deck(version, events_stamp(), as_of, metric, denominator, province)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def handout_bytes(version: str, *, as_of: date, metric: str, denominator: str, province: str | None) -> bytes:
    """The spreadsheet handout (XLSX): rankings, regions, districts and notes."""
    return _guard(spreadsheet.build_handout, as_of=as_of, metric=metric, denominator=denominator, province=province)


def _write(fn, *args, **kwargs):
    """Run a write `fn(conn, ...)` in one transaction on the shared engine."""
    return data.run_write(fn, *args, **kwargs)


def add_event(event: events.EventInput, *, actor: Actor | None) -> int:
    return _write(events.add_event, event, actor=actor)


def update_event(event_id: int, event: events.EventInput, *, actor: Actor | None) -> None:
    _write(events.update_event, event_id, event, actor=actor)


def delete_event(event_id: int, *, actor: Actor | None) -> None:
    _write(events.delete_event, event_id, actor=actor)
