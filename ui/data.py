"""The one cache layer between pages and queries/: engine per process, small frames per parameters."""

from __future__ import annotations

import functools
import hashlib
from datetime import date

import polars as pl
import streamlit as st
from sqlalchemy import Engine, func, inspect, select

import settings
from db.engine import process_engine, reachable
from db.schema import import_batch
from queries import dataset, export, progress, rankings, scorecard, trend


def engine() -> Engine:
    """The process's one engine (and pool) for the configured URL, shared by every session of this
    process and by the sign-in routes and the API (db.engine.process_engine)."""
    return process_engine(settings.database_url())


def _run(fn, args, kwargs, *, commit: bool):
    eng = engine()
    with reachable(eng), eng.begin() if commit else eng.connect() as conn:
        return fn(conn, *args, **kwargs)


def run_query(fn, *args, **kwargs):
    """Run `fn(conn, ...)` on the shared engine; driver errors become DatabaseUnavailable (the app
    shows a Vietnamese message). Every cache module of ui/ reaches the database through this."""
    return _run(fn, args, kwargs, commit=False)


def run_write(fn, *args, **kwargs):
    """Like run_query, in one transaction that commits (a session check keeps its session alive)."""
    return _run(fn, args, kwargs, commit=True)


def schema_ready() -> bool:
    """True when the schema is there and current (init-db or demo has run since the access tables came)."""
    return run_query(lambda conn: inspect(conn).has_table("unit_day") and inspect(conn).has_table("app_user"))


@functools.cache
def _database_key(url: str) -> str:
    return hashlib.blake2b(url.encode(), digest_size=6).hexdigest()


def database_key() -> str:
    """Which database this process reads: a digest of its URL (no password in any cache key)."""
    return _database_key(settings.database_url())


def data_version() -> str:
    """ "<database>:<newest batch id>": part of every cache key, so an import or a rollback (a batch too)
    shows at once, and two databases in one process (the tests) never answer from each other's cache.
    Batch ids are never reused (SQLite AUTOINCREMENT since migration 0006), so a version never repeats."""
    newest = run_query(lambda conn: conn.execute(select(func.coalesce(func.max(import_batch.c.id), 0))).scalar_one())
    return f"{database_key()}:{newest}"


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def dataset_info(version: str) -> dataset.DatasetInfo:
    return run_query(dataset.dataset_info_of)


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def progress_frame(
    version: str, *, level: str, as_of: date, metric: str, denominator: str, province: str | None = None, district: str | None = None
) -> pl.DataFrame:
    return run_query(progress.progress, level=level, as_of=as_of, metric=metric, denominator=denominator, province=province, district=district)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def trend_frame(version: str, *, metric: str, denominator: str, as_of: date, unit: str | None = None) -> pl.DataFrame:
    return run_query(trend.trend, metric=metric, denominator=denominator, unit=unit, until=as_of)


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def regions_frame(version: str) -> pl.DataFrame:
    return run_query(rankings.regions)


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def province_names(version: str) -> dict[str, str]:
    return run_query(rankings.province_names)


@st.cache_data(ttl=600, max_entries=128, show_spinner=False)
def scorecard_of(version: str, *, province: str, as_of: date, metric: str, denominator: str) -> scorecard.Scorecard:
    return run_query(scorecard.scorecard, province=province, as_of=as_of, metric=metric, denominator=denominator)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def rank_history_frame(version: str, *, as_of: date, metric: str, denominator: str, weeks: int) -> pl.DataFrame:
    return run_query(scorecard.rank_history, as_of=as_of, metric=metric, denominator=denominator, weeks=weeks)


@st.cache_data(ttl=600, max_entries=128, show_spinner=False)
def rankings_frame(version: str, *, as_of: date, metric: str, denominator: str, regions: tuple[str, ...]) -> pl.DataFrame:
    return run_query(rankings.province_rankings, as_of=as_of, metric=metric, denominator=denominator, regions=list(regions) or None)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def rankings_csv(version: str, *, as_of: date, metric: str, denominator: str, regions: tuple[str, ...]) -> bytes:
    """The table on screen as CSV (UTF-8 with BOM so Excel reads the diacritics)."""
    frame = rankings_frame(version, as_of=as_of, metric=metric, denominator=denominator, regions=regions)
    return ("\ufeff" + export.frame_csv(frame)).encode("utf-8")
