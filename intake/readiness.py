"""Readiness updates (items, milestones, ministry/agency connections) on the report pipeline: read with
intake.read, checked whole (intake.readiness_validate: header mapping, problem catalogue and cell rules of
the report intake, this format's columns from intake.readiness_spec), then written in one transaction as
one audited batch (kind "readiness") with history by db.readiness_store — or nothing. The page's form and
the simulation go through the same `apply`; the template is intake.readiness_template.

The names other modules use (cli.py, app_pages/, ui/, simulate/) are importable from here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath

import polars as pl
from sqlalchemy import Connection, Engine

from db import readiness_store
from db.access import Actor, Permission, require
from db.readiness_store import ACCEPTED, BATCH_KIND, DRY_RUN, UNCHANGED, clear_all
from db.text import clean_text
from db.transaction import write_transaction
from intake import summary
from intake.problems import number
from intake.readiness_spec import ITEM_LABEL_VI, ITEM_UNIT_VI, MILESTONE_LABEL_VI, SHEET, STATUS_LABEL_VI, TYPED_SCHEMA
from intake.readiness_template import template_for, template_xlsx
from intake.readiness_validate import Parsed, Reference, SheetProblem, check_file, check_rows, typed_rules

REJECTED = "rejected"

__all__ = [  # what cli.py, app_pages/, ui/, simulate/ and the tests use
    "ACCEPTED",
    "BATCH_KIND",
    "DRY_RUN",
    "ITEM_LABEL_VI",
    "ITEM_UNIT_VI",
    "MILESTONE_LABEL_VI",
    "REJECTED",
    "SHEET",
    "STATUS_LABEL_VI",
    "TYPED_SCHEMA",
    "UNCHANGED",
    "Parsed",
    "Reference",
    "Result",
    "SheetProblem",
    "apply",
    "change_text",
    "check_file",
    "check_rows",
    "clear_all",
    "frames_hash",
    "headline",
    "import_file",
    "result_lines",
    "stored_rows",
    "submit",
    "template_for",
    "template_xlsx",
]
stored_rows = readiness_store.current_rows  # the current values of every sheet (to prefill the template)


@dataclass(frozen=True)
class Result:
    """What happened to one update (file, form or simulated report)."""

    status: str  # accepted | unchanged | rejected | dry_run
    source_name: str
    content_hash: str
    problems: list[SheetProblem] = field(default_factory=list)
    batch_id: int | None = None
    duplicate_of: dict | None = None
    changes: dict[str, dict[str, int]] = field(default_factory=dict)  # sheet kind -> new / replaced / unchanged

    @property
    def ok(self) -> bool:
        return self.status != REJECTED


def frames_hash(frames: dict[str, pl.DataFrame]) -> str:
    """Content hash of typed rows (form and simulated updates have no file bytes)."""
    digest = hashlib.sha256()
    for kind in sorted(frames):
        digest.update(kind.encode())
        digest.update(frames[kind].drop("_row", strict=False).sort(list(SHEET[kind].key)).write_csv().encode())
    return digest.hexdigest()


def apply(
    conn: Connection,
    parsed: Parsed,
    *,
    source_name: str,
    submitted_by: str,
    received_at: datetime,
    content_hash: str,
    dry_run: bool = False,
    note: str | None = None,
    actor: Actor | None = None,
) -> Result:
    """Inside the caller's transaction: write checked rows (see check_rows) as one batch through
    db.readiness_store — previous values to the history tables; same content hash already imported, or
    nothing changed: no batch."""
    outcome = readiness_store.write_update(
        conn,
        parsed.frames,
        source_name=source_name,
        submitted_by=submitted_by,
        received_at=received_at,
        content_hash=content_hash,
        dry_run=dry_run,
        note=note,
        actor=actor,
    )
    return Result(outcome.status, source_name, content_hash, batch_id=outcome.batch_id, duplicate_of=outcome.duplicate_of, changes=outcome.changes)


def import_file(engine: Engine, data: bytes, filename: str, *, actor: Actor | None, dry_run: bool = False, now: datetime | None = None) -> Result:
    """Check the whole file, then in one transaction write it as one batch — or nothing (rejected,
    unchanged, dry run). Database errors propagate after the rollback: nothing partial. AccessDenied
    (nothing written) when a row concerns a province, or the ministries' list, the actor may not change."""
    actor = require(actor, Permission.edit_readiness)  # before reading the file: refused without looking at it
    now = (now or datetime.now()).replace(microsecond=0)
    name = clean_text(PurePath(filename).name, limit=255) or "(không tên)"
    digest = hashlib.sha256(data).hexdigest()
    with engine.connect() as conn:
        parsed, found = check_file(conn, data, name, today=now.date())
    if found:
        return Result(REJECTED, name, digest, found)
    assert parsed is not None  # check_file parses what it finds no problem in
    with write_transaction(engine, actor, Permission.edit_readiness) as conn:
        return _checked_apply(conn, parsed, source_name=name, actor=actor, now=now, digest=digest, dry_run=dry_run)


def submit(
    engine: Engine, frames: dict[str, pl.DataFrame], *, source_name: str, actor: Actor | None, dry_run: bool = False, now: datetime | None = None
) -> Result:
    """The form's path: typed rows (with `_row` = the line on screen) checked like a file, then written as one batch."""
    actor = require(actor, Permission.edit_readiness)
    now = (now or datetime.now()).replace(microsecond=0)
    frames = {k: f.select([pl.col(c).cast(t) for c, t in TYPED_SCHEMA[k].items()]) for k, f in frames.items()}
    with write_transaction(engine, actor, Permission.edit_readiness) as conn:
        return _checked_apply(conn, Parsed(frames), source_name=source_name, actor=actor, now=now, digest=frames_hash(frames), dry_run=dry_run)


def _checked_apply(conn: Connection, parsed: Parsed, *, source_name: str, actor: Actor, now: datetime, digest: str, dry_run: bool) -> Result:
    """Inside db.transaction.write_transaction (the write lock held, the permission checked again): access
    to every row, then the row checks again (the register or stored milestones may have changed), then apply."""
    actor = readiness_store.require_scope(conn, actor, parsed.frames)
    ref = Reference.load(conn)
    found = [
        SheetProblem(parsed.sheet_names.get(kind, SHEET[kind].title), p)
        for kind, frame in parsed.frames.items()
        for p in check_rows(kind, frame, ref)
    ]
    found += [SheetProblem(SHEET[kind].title, p) for kind, frame in parsed.frames.items() for p in typed_rules(kind, frame, now.date())]
    if found:
        return Result(REJECTED, source_name, digest, found)
    return apply(conn, parsed, source_name=source_name, submitted_by=actor.label, received_at=now, content_hash=digest, dry_run=dry_run, actor=actor)


# --- in words (the report intake's sentences where they are the same: intake.summary) -------------------------


def headline(result: Result) -> str:
    """One Vietnamese sentence: accepted / unchanged / dry run / rejected."""
    name = f"„{result.source_name}“"
    if result.status == ACCEPTED:
        return f"Đã ghi {name}: lô #{result.batch_id} ({change_text(result)})."
    if result.status == UNCHANGED and result.duplicate_of:
        return summary.already_imported(name, result.duplicate_of)
    if result.status == UNCHANGED:
        return summary.nothing_new(name)
    if result.status == DRY_RUN:
        return f"{name} hợp lệ ({change_text(result)}). Chạy thử: chưa ghi gì."
    n = len(result.problems)
    return summary.rejected(name, number(n, "vi"), n, whole_file=False)


def change_text(result: Result) -> str:
    parts = []
    for kind, c in result.changes.items():
        parts.append(f"{SHEET[kind].title}: mới {c.get('new', 0)}, sửa {c.get('replace', 0)}, không đổi {c.get('same', 0)}")
    return "; ".join(parts)


def result_lines(result: Result) -> list[str]:
    return [headline(result), *[p.message() for p in result.problems]]
