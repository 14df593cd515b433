"""Import one report file: validate it whole, then write it in one transaction through db.store (or change nothing)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import cast

import polars as pl
from sqlalchemy import Connection, Engine, and_, func, select

import settings
from db import audit, store
from db.access import AccessDenied, Actor, Permission, Role, as_it_stands, require
from db.frames import read_frame
from db.text import clean_text
from db.schema import admin_unit, daily_fact, import_batch
from db.transaction import serialize_writes
from intake import grain
from intake.problems import Problem
from intake.read import FileRejected, read_table
from intake.spec import COUNT_FIELDS, CUMULATIVE, VALUE_TYPE_LABEL_VI
from intake.validate import Checked, ParsedReport, Reference, check_report, looks_cumulative, restate_later, to_daily

IMPORT_KINDS = ("upload", "cli", "api")  # the upload page, cli.py import, the report API
ACCEPTED, UNCHANGED, REJECTED, DRY_RUN = "accepted", "unchanged", "rejected", "dry_run"
_CHUNK = 2000


@dataclass(frozen=True)
class ImportResult:
    """What happened to one file. Counts are daily values (cumulative files after conversion)."""

    status: str  # accepted | unchanged | rejected | dry_run
    filename: str
    content_hash: str
    problems: list[Problem] = field(default_factory=list)
    value_type: str | None = None
    batch_id: int | None = None
    duplicate_of: dict | None = None  # the earlier batch holding the same file: id, received_at, submitted_by
    rows: int = 0
    units: int = 0
    provinces: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    days: int = 0
    totals: dict[str, int | None] = field(default_factory=dict)
    rows_new: int = 0
    rows_replaced: int = 0
    rows_unchanged: int = 0
    # Later days restated so that each keeps the cumulative it reported (unit_code, day; intake.validate.restate_later).
    restated: list[tuple[str, date]] = field(default_factory=list)
    # Daily counts at or above all the unit reported before (row, unit_code, count, value, stored before):
    # likely running totals sent as daily counts (intake.validate.looks_cumulative); a warning only.
    suspect_cumulative: list[tuple[int, str, str, int, int]] = field(default_factory=list)
    # A rejected file's problems are the first problems.PROBLEMS_KEPT found; these say how many there are
    # in all (None: len(problems)) and whether every check ran (False: the count is "at least").
    problem_total: int | None = None
    problems_complete: bool = True

    @property
    def ok(self) -> bool:
        return self.status != REJECTED

    @property
    def problem_count(self) -> int:
        return len(self.problems) if self.problem_total is None else self.problem_total


def content_hash(data: bytes) -> str:
    """SHA-256 of the file as sent: the same bytes are the same report."""
    return hashlib.sha256(data).hexdigest()


def reference(conn: Connection) -> Reference:
    """The register the checks need (codes, nesting, names, populations)."""
    cols = [admin_unit.c[c] for c in ("code", "level", "name", "province_code", "district_code", "population")]
    frame = read_frame(
        conn,
        select(*cols),
        {"code": pl.String, "level": pl.String, "name": pl.String, "province_code": pl.String, "district_code": pl.String, "population": pl.Int64},
    )
    return Reference.from_units(frame)


def _earlier_import(conn: Connection, digest: str) -> dict | None:
    row = conn.execute(
        select(import_batch.c.id, import_batch.c.received_at, import_batch.c.submitted_by, import_batch.c.source_name)
        .where(import_batch.c.content_hash == digest, import_batch.c.status == "active", import_batch.c.kind.in_(IMPORT_KINDS))
        .order_by(import_batch.c.id)
        .limit(1)
    ).first()
    return dict(row._mapping) if row else None


def _count_schema() -> dict:
    return {"unit_code": pl.String, **{c: pl.Int64 for c in COUNT_FIELDS}}


def stored_before(conn: Connection, facts: pl.DataFrame) -> pl.DataFrame:
    """Per unit of `facts`: the sum of each stored count before that unit's first day in `facts`."""
    firsts = facts.group_by("unit_code").agg(pl.col("report_date").min().alias("first"))
    frames = []
    for (first,), group in firsts.group_by("first"):
        codes = group["unit_code"].sort().to_list()
        for i in range(0, len(codes), _CHUNK):
            stmt = (
                select(daily_fact.c.unit_code, *[func.sum(daily_fact.c[c]).label(c) for c in COUNT_FIELDS])
                .where(daily_fact.c.unit_code.in_(codes[i : i + _CHUNK]), daily_fact.c.report_date < first)
                .group_by(daily_fact.c.unit_code)
            )
            frames.append(read_frame(conn, stmt, _count_schema()))
    return pl.concat(frames) if frames else pl.DataFrame(schema=_count_schema())


def stored_span(conn: Connection, facts: pl.DataFrame) -> pl.DataFrame:
    """Per unit of `facts`: the stored daily counts from its first to its last day in `facts` (unit_code,
    report_date, counts) — what lies in the gaps of a cumulative file. A district-level row's unit also
    gets its communes' stored counts, summed per day (its cumulative covers them; intake.grain)."""
    schema = {"unit_code": pl.String, "report_date": pl.Date, **{c: pl.Int64 for c in COUNT_FIELDS}}
    spans = facts.group_by("unit_code").agg(pl.col("report_date").min().alias("first"), pl.col("report_date").max().alias("last"))
    spans = spans.filter(pl.col("first") < pl.col("last"))  # one day in the file: no gap
    if spans.height == 0:
        return pl.DataFrame(schema=schema)
    codes = spans["unit_code"].sort().to_list()
    members = pl.DataFrame({"code": codes, "unit_code": codes})  # stored code -> the file's unit it counts for
    districts = facts.filter(pl.col("unit_level") == "district")["unit_code"].unique().sort().to_list()
    districts = [d for d in districts if d in set(codes)]
    for i in range(0, len(districts), _CHUNK):
        stmt = select(admin_unit.c.code, admin_unit.c.district_code.label("unit_code")).where(
            admin_unit.c.district_code.in_(districts[i : i + _CHUNK]), admin_unit.c.level == "commune"
        )
        members = pl.concat([members, read_frame(conn, stmt, {"code": pl.String, "unit_code": pl.String})])
    lo, hi = spans["first"].min(), spans["last"].max()
    stored_codes = members["code"].sort().to_list()
    frames = []
    for i in range(0, len(stored_codes), _CHUNK):
        stmt = select(daily_fact.c.unit_code.label("code"), daily_fact.c.report_date, *[daily_fact.c[c] for c in COUNT_FIELDS]).where(
            daily_fact.c.unit_code.in_(stored_codes[i : i + _CHUNK]), daily_fact.c.report_date.between(lo, hi)
        )
        frames.append(read_frame(conn, stmt, {"code": pl.String, "report_date": pl.Date, **{c: pl.Int64 for c in COUNT_FIELDS}}))
    stored = pl.concat(frames).join(members, on="code").join(spans, on="unit_code")
    return (
        stored.filter(pl.col("report_date").is_between(pl.col("first"), pl.col("last")))
        .group_by("unit_code", "report_date")
        .agg(pl.col(c).sum() for c in COUNT_FIELDS)
        .select(list(schema))
        .sort("unit_code", "report_date")
    )


def later_cumulative_days(conn: Connection, facts: pl.DataFrame) -> pl.DataFrame:
    """Per unit of a cumulative file: the first day after its last day in the file on which anything of
    the unit is stored (intake.grain.scope), when that is the unit's own report from a cumulative batch and
    nothing else of it: unit_code, report_date, late, the stored daily counts, and `cum_<count>` — the
    stored cumulative up to that day (a district-level row's communes included). intake.validate.
    restate_later turns these into the day's new daily counts."""
    counts = {c: pl.Int64 for c in COUNT_FIELDS}
    schema = {"unit_code": pl.String, "report_date": pl.Date, "late": pl.Boolean, **counts, **{f"cum_{c}": pl.Int64 for c in COUNT_FIELDS}}
    members = grain.scope(conn, facts).join(facts.group_by("unit_code").agg(pl.col("report_date").max().alias("last")), on="unit_code")
    firsts = []
    for (last,), group in members.group_by("last"):
        codes = group["code"].unique().sort().to_list()
        for i in range(0, len(codes), _CHUNK):
            stmt = (
                select(daily_fact.c.unit_code.label("code"), func.min(daily_fact.c.report_date).label("day"))
                .where(daily_fact.c.unit_code.in_(codes[i : i + _CHUNK]), daily_fact.c.report_date > last)
                .group_by(daily_fact.c.unit_code)
            )
            firsts.append(read_frame(conn, stmt, {"code": pl.String, "day": pl.Date}).join(group.select("code", "unit_code"), on="code"))
    later = pl.concat(firsts).group_by("unit_code").agg(pl.col("day").min()) if firsts else pl.DataFrame()
    if later.height == 0:
        return pl.DataFrame(schema=schema)
    on_day = members.join(later, on="unit_code")
    rows, sums = [], []
    for (day,), group in on_day.group_by("day"):
        codes = group["code"].unique().sort().to_list()
        for i in range(0, len(codes), _CHUNK):
            chunk = codes[i : i + _CHUNK]
            stmt = (
                select(daily_fact.c.unit_code.label("code"), daily_fact.c.late, import_batch.c.value_type, *[daily_fact.c[c] for c in COUNT_FIELDS])
                .join(import_batch, import_batch.c.id == daily_fact.c.batch_id)
                .where(daily_fact.c.unit_code.in_(chunk), daily_fact.c.report_date == day)
            )
            found = read_frame(conn, stmt, {"code": pl.String, "late": pl.Boolean, "value_type": pl.String, **counts})
            rows.append(found.join(group.select("code", "unit_code"), on="code").with_columns(pl.lit(day).alias("report_date")))
            stmt = (
                select(daily_fact.c.unit_code.label("code"), *[func.sum(daily_fact.c[c]).label(c) for c in COUNT_FIELDS])
                .where(daily_fact.c.unit_code.in_(chunk), daily_fact.c.report_date <= day)
                .group_by(daily_fact.c.unit_code)
            )
            counted = group.filter(pl.col("counted")).select("code", "unit_code")
            sums.append(read_frame(conn, stmt, {"code": pl.String, **counts}).join(counted, on="code"))
    stored = pl.concat(rows)
    # Only the unit's own row on that day, from a cumulative report.
    alone = stored.group_by("unit_code").agg(pl.len().alias("n"), (pl.col("code") == pl.col("unit_code")).all().alias("own"))
    own = stored.join(alone.filter((pl.col("n") == 1) & pl.col("own")).select("unit_code"), on="unit_code").filter(pl.col("value_type") == CUMULATIVE)
    cum = pl.concat(sums).group_by("unit_code").agg(pl.col(c).sum().alias(f"cum_{c}") for c in COUNT_FIELDS)
    return own.join(cum, on="unit_code", how="left").select(list(schema)).cast(pl.Schema(schema)).sort("unit_code")


def stored_facts(conn: Connection, facts: pl.DataFrame) -> pl.DataFrame:
    """The stored facts for the unit-days of `facts` (to tell new, replaced and unchanged rows apart)."""
    codes = facts["unit_code"].unique().sort().to_list()
    lo, hi = facts["report_date"].min(), facts["report_date"].max()
    schema = {"unit_code": pl.String, "report_date": pl.Date, **{c: pl.Int64 for c in COUNT_FIELDS}}
    frames = []
    for i in range(0, len(codes), _CHUNK):
        stmt = select(daily_fact.c.unit_code, daily_fact.c.report_date, *[daily_fact.c[c] for c in COUNT_FIELDS]).where(
            and_(daily_fact.c.unit_code.in_(codes[i : i + _CHUNK]), daily_fact.c.report_date.between(lo, hi))
        )
        frames.append(read_frame(conn, stmt, schema))
    return pl.concat(frames)


def _classify(facts: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    """Adds `change`: new (no stored fact), same (every count equal, empty = empty) or replace."""
    old = stored.rename({c: f"old_{c}" for c in COUNT_FIELDS}).with_columns(pl.lit(True).alias("stored"))
    joined = facts.join(old, on=["unit_code", "report_date"], how="left")
    same = pl.all_horizontal(pl.col(c).eq_missing(pl.col(f"old_{c}")) for c in COUNT_FIELDS)
    return joined.with_columns(
        pl.when(pl.col("stored").is_null()).then(pl.lit("new")).when(same).then(pl.lit("same")).otherwise(pl.lit("replace")).alias("change")
    ).drop("stored", *[f"old_{c}" for c in COUNT_FIELDS])


def _summary(
    status: str, name: str, digest: str, report: ParsedReport, value_type: str, changes: pl.DataFrame | None = None, **extra
) -> ImportResult:
    facts = report.facts
    counts = {"new": 0, "replace": 0, "same": facts.height}  # no comparison made: the very same file is stored
    if changes is not None:
        counts = {"new": 0, "replace": 0, "same": 0} | dict(changes.group_by("change").len().iter_rows())
    return ImportResult(
        status=status,
        filename=name,
        content_hash=digest,
        value_type=value_type,
        rows=facts.height,
        units=facts["unit_code"].n_unique(),
        provinces=facts["province_code"].unique().sort().to_list(),
        date_from=cast(date | None, facts["report_date"].min()),
        date_to=cast(date | None, facts["report_date"].max()),
        days=facts["report_date"].n_unique(),
        totals={c: (None if facts[c].null_count() == facts.height else int(facts[c].sum())) for c in COUNT_FIELDS},
        rows_new=counts["new"],
        rows_replaced=counts["replace"],
        rows_unchanged=counts["same"],
        **extra,
    )


def check_file(conn: Connection, data: bytes, filename: str, *, cumulative: bool, today: date) -> Checked:
    """Read and check a file against the register (no stored facts needed)."""
    try:
        raw = read_table(data, filename, max_bytes=settings.load().max_upload_bytes)
    except FileRejected as exc:
        return Checked(None, [exc.problem])
    return check_report(raw, reference(conn), today=today, cumulative=cumulative)


def _naming_rows(conn: Connection, refused: AccessDenied, actor: Actor | None, facts: pl.DataFrame, shown: int = 10) -> AccessDenied:
    """A provincial officer's file with rows of other provinces: the refusal names them — which province,
    which rows — so the officer can delete them (the writer's own message names only the codes)."""
    try:
        now = as_it_stands(conn, actor)
    except AccessDenied:
        return refused
    if now is None or now.role is not Role.province or not now.province_code:
        return refused
    others = facts.filter(pl.col("province_code") != now.province_code)
    if others.height == 0:
        return refused
    codes = [now.province_code, *others["province_code"].unique().sort().to_list()]
    names = dict(conn.execute(select(admin_unit.c.code, admin_unit.c.name).where(admin_unit.c.code.in_(codes))).all())
    parts = []
    for (code,), rows in others.sort("_row").group_by("province_code", maintain_order=True):
        listed = ", ".join(str(r) for r in rows["_row"].head(shown).to_list()) + (" …" if rows.height > shown else "")
        parts.append(f"{names.get(code, code)} (mã {code}): dòng {listed}")
    own = f"{names.get(now.province_code, now.province_code)}, mã {now.province_code}"
    return AccessDenied(
        f"Tài khoản {now.username} chỉ được nhập báo cáo của tỉnh mình ({own}); tệp có {others.height} dòng của tỉnh khác — "
        f"{'; '.join(parts)}. Xóa các dòng đó rồi gửi lại, hoặc nhờ Tổ dữ liệu C06 nhập. Không có gì được ghi.",
        f"Account {now.username} may send reports of its own province only ({now.province_code}); the file has {others.height} row(s) "
        f"of other provinces — {'; '.join(p.replace('mã', 'code').replace('dòng', 'rows') for p in parts)}. Nothing was written.",
        actor=refused.actor,
        permission=refused.permission,
        provinces=refused.provinces,
    )


def import_report(
    engine: Engine,
    data: bytes,
    filename: str,
    *,
    actor: Actor | None,
    cumulative: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
    kind: str = "cli",
) -> ImportResult:
    """Validate the whole file; then, in one transaction, write it as one batch or change nothing.

    - rejected: every problem listed, nothing written;
    - unchanged: the same file (content hash) is already imported and not rolled back, or every row
      equals what is stored — nothing written, no batch;
    - dry_run: all checks passed (including against stored cumulative totals), nothing written;
    - accepted: new and corrected unit-days written as one batch (kind, file name, hash, submitter);
      replaced values are kept in fact_history by db.store; unchanged rows are not rewritten (so an
      on-time report does not turn late by being sent again).
    Database errors propagate (the transaction is rolled back: nothing partial).
    Access: checking or storing needs the submit permission for every province in the file (a
    provincial account: its own only); otherwise AccessDenied is raised and nothing is written.
    """
    actor = require(actor, Permission.submit_report)
    submitter = actor.label
    if kind not in IMPORT_KINDS:
        raise ValueError(f"kind must be one of {IMPORT_KINDS}")
    now = (now or datetime.now()).replace(microsecond=0)
    name = clean_text(PurePath(filename).name, limit=255) or "(không tên)"
    digest = content_hash(data)
    with engine.connect() as conn:
        checked = check_file(conn, data, name, cumulative=cumulative, today=now.date())
    if checked.problems:
        return ImportResult(REJECTED, name, digest, checked.problems, problem_total=checked.total, problems_complete=checked.complete)
    parsed = checked.report
    assert parsed is not None  # a file without problems is parsed
    value_type = parsed.value_type

    with engine.begin() as conn:
        serialize_writes(conn)
        grain_problems = grain.stored_problems(conn, parsed.facts, parsed.columns, value_type=value_type)  # after the lock: no race
        if grain_problems:
            return ImportResult(REJECTED, name, digest, grain_problems, value_type=value_type)
        if value_type == CUMULATIVE:
            daily = to_daily(
                parsed, grain.with_district_bases(conn, parsed.facts, stored_before(conn, parsed.facts)), stored_span(conn, parsed.facts)
            )
        else:
            daily = to_daily(parsed, pl.DataFrame())
            suspects = looks_cumulative(parsed, grain.with_district_bases(conn, parsed.facts, stored_before(conn, parsed.facts)))
        if daily.problems:
            return ImportResult(
                REJECTED, name, digest, daily.problems, value_type=value_type, problem_total=daily.total, problems_complete=daily.complete
            )
        report = daily.report
        assert report is not None  # daily values without problems
        restated = pl.DataFrame(schema={"unit_code": pl.String, "report_date": pl.Date})
        if value_type == CUMULATIVE:
            suspects = []
            restated, refused = restate_later(parsed, later_cumulative_days(conn, parsed.facts))
            if refused is not None:
                return ImportResult(
                    REJECTED, name, digest, refused.problems, value_type=value_type, problem_total=refused.total, problems_complete=refused.complete
                )
        try:
            actor = require(actor, Permission.submit_report, report.facts["province_code"].unique().to_list(), conn=conn)
        except AccessDenied as refused:
            raise _naming_rows(conn, refused, actor, report.facts) from None
        earlier = _earlier_import(conn, digest)
        if earlier is not None:
            return _summary(UNCHANGED, name, digest, report, value_type, duplicate_of=earlier)
        changes = _classify(report.facts, stored_facts(conn, report.facts))
        changed = changes.filter(pl.col("change") != "same")
        restated_days = [(r["unit_code"], r["report_date"]) for r in restated.select("unit_code", "report_date").iter_rows(named=True)]
        if changed.height == 0 and not restated_days:
            return _summary(UNCHANGED, name, digest, report, value_type, changes)
        if dry_run:
            return _summary(DRY_RUN, name, digest, report, value_type, changes, restated=restated_days, suspect_cumulative=suspects)
        provinces = report.facts["province_code"].unique().to_list()
        meta = store.BatchMeta(
            kind=kind,
            source_name=name,
            submitted_by=submitter[:120],
            received_at=now,
            province_code=provinces[0] if len(provinces) == 1 else None,
            content_hash=digest,
            note=f"Số liệu {VALUE_TYPE_LABEL_VI[CUMULATIVE]}, đã quy đổi thành số theo ngày." if value_type == CUMULATIVE else None,
            user_id=actor.user_id,
            value_type=value_type,
        )
        rows = changed.select(pl.lit(0).alias("batch_index"), "unit_code", "report_date", *COUNT_FIELDS, pl.lit(None, dtype=pl.Boolean).alias("late"))
        if restated_days:  # later days keep their cumulative, and whether they came in on time (restate_later)
            rows = pl.concat(
                [rows, restated.select(pl.lit(0).alias("batch_index"), "unit_code", "report_date", *COUNT_FIELDS, "late")], how="vertical_relaxed"
            )
        written = store.write_reports(conn, rows, [meta], cutoff_hour=settings.load().report_cutoff_hour)
        audit.record(
            conn,
            actor,
            "report_import",
            province_code=meta.province_code,
            target=f"batch #{written.batch_ids[0]}",
            detail={"file": name, "rows": rows.height, "kind": kind, "value_type": value_type, "restated": len(restated_days)},
            at=now,
        )
    return _summary(
        ACCEPTED, name, digest, report, value_type, changes, batch_id=written.batch_ids[0], restated=restated_days, suspect_cumulative=suspects
    )
