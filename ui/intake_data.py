"""The upload page's link to intake/: import, batches, rollback, template, and tables of results for people."""

from __future__ import annotations

import dataclasses

import polars as pl
import streamlit as st
from sqlalchemy.exc import DBAPIError, OperationalError

from db import rollback as batch_rollback
from db.access import Actor
from db.engine import DatabaseUnavailable, unavailable
from intake import batches, load, summary
from intake.problems import PROBLEMS_SHOWN, Problem
from intake.spec import FIELD
from intake.template import template_xlsx
from queries.export import neutralise_formulas
from present import format as fmt
from ui import controls
from ui.data import engine

BATCH_LIST_LIMIT = 20


def _database_error(exc: Exception) -> DatabaseUnavailable:
    return unavailable(engine(), exc)


def import_upload(data: bytes, filename: str, *, actor: Actor | None, cumulative: bool, dry_run: bool) -> load.ImportResult:
    """Validate and (unless a dry run) store an uploaded file as one batch of kind "upload". Never cached.
    Raises db.access.AccessDenied (nothing written) when the actor may not send this file."""
    try:
        return load.import_report(engine(), data, filename, actor=actor, cumulative=cumulative, dry_run=dry_run, kind="upload")
    except (OperationalError, DBAPIError) as exc:
        raise _database_error(exc) from exc


def rollback_batch(batch_id: int, *, actor: Actor | None) -> batch_rollback.RollbackResult:
    """Undo one batch (raises db.rollback.RollbackError or AccessDenied with a Vietnamese message when it cannot be done)."""
    try:
        return batch_rollback.rollback(engine(), batch_id, actor=actor)
    except (OperationalError, DBAPIError) as exc:
        raise _database_error(exc) from exc


def safe_headline(result: load.ImportResult) -> str:
    """summary.headline with what came from people (the file name, an earlier sender) made literal Markdown."""
    earlier = result.duplicate_of and {
        **result.duplicate_of,
        "submitted_by": fmt.md_text(result.duplicate_of.get("submitted_by", "")),
        "source_name": fmt.md_text(result.duplicate_of.get("source_name", "")),
    }
    return summary.headline(dataclasses.replace(result, filename=fmt.md_text(result.filename), duplicate_of=earlier))


def rollback_message(done: batch_rollback.RollbackResult) -> str:
    return (
        f"Đã hủy lô #{done.batch_id}: gỡ {fmt.number(done.facts_removed)} dòng số liệu, "
        f"khôi phục {fmt.number(done.facts_restored)} giá trị trước đó."
    )


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def batch_list(version: str, limit: int = BATCH_LIST_LIMIT) -> pl.DataFrame:
    """Newest import and rollback batches; `version` (the newest batch id) keys the cache."""
    try:
        with engine().connect() as conn:
            return batches.list_batches(conn, limit=limit)
    except (OperationalError, DBAPIError) as exc:
        raise _database_error(exc) from exc


@st.cache_data(max_entries=1, show_spinner=False)
def template_bytes() -> bytes:
    return template_xlsx()


def can_roll_back(batch: dict) -> bool:
    return batch["status"] == batch_rollback.ACTIVE and batch["kind"] != batch_rollback.ROLLBACK_KIND


def batch_line(batch: dict) -> str:
    """Markdown: '**#12** · tải lên · đang dùng · 17/06/2021 09:00 · Nguyễn Văn A · bao-cao.csv · 10.607 dòng · 16/06/2021'.
    Names and file names come from users: Markdown characters in them are escaped."""
    if batch["date_from"] is None:
        days = fmt.DASH
    elif batch["date_from"] == batch["date_to"]:
        days = fmt.day(batch["date_from"])
    else:
        days = f"{fmt.day(batch['date_from'])} – {fmt.day(batch['date_to'])}"
    fields = [
        summary.KIND_LABEL["vi"].get(batch["kind"], batch["kind"]),
        summary.STATUS_LABEL["vi"].get(batch["status"], batch["status"]),
        fmt.timestamp(batch["received_at"]),
        batch["submitted_by"],
        batch["source_name"],
        f"{fmt.number(batch['row_count'])} dòng",
        days,
    ]
    line = f"**#{batch['id']}** · " + " · ".join(_escape(str(f)) for f in fields)
    if batch["status"] != batch_rollback.ACTIVE and batch["note"]:
        line += f"  \n{_escape(batch['note'])}"
    return line


def _escape(text: str) -> str:
    return fmt.md_text(text)


def kept_for_page(result: load.ImportResult) -> tuple[load.ImportResult, bytes | None]:
    """What the upload page keeps in its session: the result with its first PROBLEMS_SHOWN problems (the
    count of all stays), and every problem kept as the CSV download's bytes (None when all are shown)."""
    if len(result.problems) <= PROBLEMS_SHOWN:
        return result, None
    return (dataclasses.replace(result, problems=result.problems[:PROBLEMS_SHOWN], problem_total=result.problem_count), problems_csv(result.problems))


def more_problems(result: load.ImportResult, shown: int) -> str | None:
    """Under the table of the first problems: how many more, and that the CSV list holds them (None if all shown)."""
    return summary.more_problems_line(result, shown, "vi", where="tải danh sách lỗi (CSV) bên dưới")


# Up to this many problems are drawn as a plain table whose long messages wrap, so that every word of the
# fix can be read on screen; more go into a scrolling grid (one line per problem) and the CSV.
PROBLEMS_READABLE = 30


def show_problems(frame: pl.DataFrame, *, key: str, max_height: int = 600) -> None:
    """The problem table of a check: wrapped and whole when short, a scrolling grid when long. st.table
    reads its cells as Markdown, so every text (a problem quotes what the file holds) is made literal."""
    if frame.height <= PROBLEMS_READABLE:
        st.table(frame.with_columns(pl.col(pl.String).map_elements(fmt.md_text, return_dtype=pl.String)))
    else:
        controls.grid(frame, width="stretch", height=min(38 * (frame.height + 1), max_height), key=key)


def problems_table(problems: list[Problem]) -> pl.DataFrame:
    """Dòng | Cột | Lỗi: one row per problem, as the officer sees the file."""
    return pl.DataFrame(
        {
            "Dòng": [p.row for p in problems],
            "Cột": [p.column_text("vi") or "—" for p in problems],
            "Lỗi": [p.detail_vi for p in problems],
        },
        schema={"Dòng": pl.Int64, "Cột": pl.String, "Lỗi": pl.String},
    )


def problems_csv(problems: list[Problem]) -> bytes:
    """The problem list as CSV (UTF-8 with BOM for Excel); text that looks like a formula is neutralised."""
    frame = problems_table(problems).with_columns(pl.col("Dòng").cast(pl.String).fill_null(""))
    return ("\ufeff" + neutralise_formulas(frame).write_csv()).encode("utf-8")


def totals_table(result: load.ImportResult) -> pl.DataFrame:
    """Chỉ tiêu | Tổng số theo ngày: the file's daily totals, Vietnamese number format."""
    return pl.DataFrame(
        {
            "Chỉ tiêu": [FIELD[c].label_vi for c in result.totals],
            "Tổng số theo ngày": [fmt.number(v) if v is not None else "không báo cáo" for v in result.totals.values()],
        }
    )
