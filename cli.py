"""Command line: init-db (empty production database), demo (simulated data set), export progress as CSV, report intake.

Over 400 lines on purpose: one argument parser for every command, so `cli.py --help` and the README's
list come from one place; each command only parses and calls db/, intake/, queries/ or exports/ (the
account and token commands, and what every command shares, are in cli_access.py, cli_tokens.py and
cli_common.py).
"""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path

import typer

from cli_common import AS_USER, database_errors as _database_errors, engine as _engine, os_user as _os_user
from cli_common import access_errors as _access_errors, actor as _actor
from db.engine import safe_url

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Bảng điều hành tiến độ CCCD gắn chip — công cụ dòng lệnh.")


@app.callback()
def _main(
    as_user: str | None = typer.Option(
        None, "--as", metavar="USERNAME", help="Act as this account (its role and province apply); default: the OS user as operator."
    ),
) -> None:
    """The server operator's tool: every change is recorded under the OS user, or the account given with --as."""
    AS_USER["username"] = as_user


export_app = typer.Typer(no_args_is_help=True, help="Export numbers as CSV (UTF-8) to stdout.")
app.add_typer(export_app, name="export")


class LevelOption(StrEnum):
    national = "national"
    region = "region"
    province = "province"
    district = "district"
    commune = "commune"


class MetricOption(StrEnum):
    applications_received = "applications_received"
    cards_delivered = "cards_delivered"
    records_verified = "records_verified"


class DenominatorOption(StrEnum):
    eligible = "eligible"
    target = "target"


class LangOption(StrEnum):
    vi = "vi"
    en = "en"


@app.command("init-db")
def init_db() -> None:
    """Create the schema (migrations), the unit register and province quotas — no reports."""
    from db import migrate, reference
    from db.schema import admin_unit, target
    from sqlalchemy import func, select

    engine = _engine(create=True)
    with _database_errors():
        migrate.upgrade(engine)
        with engine.begin() as conn:
            reference.load_reference(conn)
            units = conn.execute(select(admin_unit.c.level, func.count()).group_by(admin_unit.c.level)).all()
            targets = conn.execute(select(func.count()).select_from(target)).scalar_one()
    counts = ", ".join(f"{n} {level}" for level, n in sorted(units))
    typer.echo(f"database ready at {safe_url(str(engine.url.render_as_string(hide_password=False)))}: {counts}; {targets} targets")


@app.command()
def demo(
    seed: int = typer.Option(2021, help="Random seed: the same seed gives the same data set."),
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing when reports are already stored."),
) -> None:
    """Build the simulated national rollout (all communes, 01/09/2020–31/12/2021) into the database."""
    from sqlalchemy import inspect, select

    from db.schema import daily_fact
    from simulate.demo import build_demo

    engine = _engine(create=True)
    if if_missing:
        with engine.connect() as conn:
            present = inspect(conn).has_table("daily_fact") and conn.execute(select(daily_fact.c.unit_code).limit(1)).first()
        if present:
            from db import migrate

            with _database_errors():
                migrate.upgrade(engine)  # a data set built by an older version gets the newer tables
            typer.echo("reports already present; schema up to date, nothing else to do (drop --if-missing to rebuild)")
            _demo_accounts(engine)
            return
    typer.echo("building the simulated data set (several minutes on a slow machine)…", err=True)
    with _database_errors():
        build = build_demo(engine, seed=seed)
    typer.echo(
        f"simulated data set built (seed {build.seed}): {build.rows:,} daily reports in {build.batches:,} batches; "
        f"simulate {build.seconds_simulate:.1f} s, write {build.seconds_write:.1f} s"
    )
    _demo_accounts(engine)


DEMO_ACCOUNTS_FILE = Path(__file__).resolve().parent / "data" / "demo-accounts.txt"


def _demo_accounts(engine) -> None:
    """One account per role for the simulated data set: passwords printed once and kept in a file only
    the owner can read (data/demo-accounts.txt); accounts that exist already are left alone."""
    import os

    from db.access import operator
    from simulate.accounts import ensure_demo_accounts

    with _database_errors(), engine.begin() as conn:
        created = ensure_demo_accounts(conn, operator(_os_user()))
    if not created:
        return
    lines = [f"{username:10} {role:10} {password}" for username, role, password in created]
    DEMO_ACCOUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(DEMO_ACCOUNTS_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "a") as fh:
        fh.write("# demo accounts (simulated data set) — sign in at /dang-nhap\n" + "\n".join(lines) + "\n")
    typer.echo("demo accounts (shown once; also in data/demo-accounts.txt, readable by you only):")
    for line in lines:
        typer.echo("  " + line)


@export_app.command("progress")
def export_progress(
    as_of: str = typer.Option(..., "--as-of", help="YYYY-MM-DD"),
    level: LevelOption = typer.Option(LevelOption.province, "--level"),
    metric: MetricOption = typer.Option(MetricOption.applications_received, "--metric"),
    denominator: DenominatorOption = typer.Option(DenominatorOption.eligible, "--denominator"),
    province: str | None = typer.Option(None, "--province", help="GSO province code, e.g. 01"),
) -> None:
    """One row per unit: code, name, cumulative, denominator, coverage, pace, required rate, forecast, status, rank.
    Communes without --province: every commune of the country, written province by province."""
    from queries.export import progress_csv_parts

    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        typer.echo(f"error: --as-of must be YYYY-MM-DD, got {as_of!r}", err=True)
        raise typer.Exit(2) from None
    engine = _engine()
    with _database_errors(), engine.connect() as conn:
        for part in progress_csv_parts(conn, level=level.value, as_of=day, metric=metric.value, denominator=denominator.value, province=province):
            sys.stdout.write(part)
            sys.stdout.flush()


# --- report intake ---------------------------------------------------------------------------------


@app.command("import")
def import_file(
    path: Path = typer.Argument(..., help="Report file: CSV (UTF-8) or XLSX, one row per unit per day."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; write nothing."),
    cumulative: bool = typer.Option(False, "--cumulative", help="Counts are cumulative (lũy kế), not daily."),
    lang: LangOption = typer.Option(LangOption.vi, "--lang", help="Language of the messages."),
    problems_csv: Path | None = typer.Option(
        None, "--problems-csv", metavar="FILE", help="Write every problem kept (up to 100,000) to this CSV file; the screen shows the first 1,000."
    ),
) -> None:
    """Validate a provincial report file whole, then store it in one transaction (exit 1 and nothing written if rejected)."""
    import settings
    from intake.load import import_report
    from intake.summary import problems_frame, result_lines
    from queries.export import neutralise_formulas

    vi = lang == LangOption.vi
    if not path.is_file():
        typer.echo(f"lỗi: không có tệp {path}" if vi else f"error: no such file: {path}", err=True)
        raise typer.Exit(2)
    limit, size = settings.load().max_upload_bytes, path.stat().st_size
    if size > limit:  # refused before it is read into memory, with the import's own message
        from intake.problems import make

        typer.echo(make("file_too_large", name=path.name, size_mb=size / 2**20, limit_mb=limit // 2**20).message(lang.value))
        raise typer.Exit(1)
    data = path.read_bytes()
    engine = _engine()
    with _database_errors(), _access_errors(engine):
        result = import_report(engine, data, path.name, actor=_actor(engine), cumulative=cumulative, dry_run=dry_run, kind="cli")
    if problems_csv is not None and result.problems:
        frame = neutralise_formulas(problems_frame(result.problems, lang.value))
        problems_csv.write_bytes(("\ufeff" + frame.write_csv()).encode("utf-8"))
        hint = f"danh sách đầy đủ: {problems_csv}" if vi else f"full list: {problems_csv}"
    else:
        hint = "xem --problems-csv FILE" if vi else "see --problems-csv FILE"
    for line in result_lines(result, lang.value, more_hint=hint):
        typer.echo(line)
    raise typer.Exit(0 if result.ok else 1)


@app.command("batches")
def batches(
    limit: int = typer.Option(30, "--limit", min=1, help="How many batches, newest first."),
    all_kinds: bool = typer.Option(False, "--all", help="Include the simulated data set's batches."),
    lang: LangOption = typer.Option(LangOption.vi, "--lang"),
) -> None:
    """List import batches (newest first): id, kind, status, received, submitter, file, rows, dates, note."""
    from intake.batches import list_batches
    from intake.load import IMPORT_KINDS
    from intake.problems import day_text, number
    from intake.summary import KIND_LABEL, STATUS_LABEL

    engine = _engine()
    with _database_errors(), engine.connect() as conn:
        frame = list_batches(conn, limit=limit, kinds=None if all_kinds else (*IMPORT_KINDS, "rollback"))
    vi = lang == LangOption.vi
    if frame.height == 0:
        typer.echo("Chưa có lô nào." if vi else "No batches yet.")
        return
    header = (
        ("Lô", "Loại", "Trạng thái", "Nhận lúc", "Người gửi", "Tệp", "Số dòng", "Ngày", "Ghi chú")
        if vi
        else ("Batch", "Kind", "Status", "Received", "Submitted by", "File", "Rows", "Dates", "Note")
    )
    rows = []
    for b in frame.iter_rows(named=True):
        dates = (
            ""
            if b["date_from"] is None
            else day_text(b["date_from"], lang.value) + ("" if b["date_to"] == b["date_from"] else " – " + day_text(b["date_to"], lang.value))
        )
        rows.append(
            (
                f"#{b['id']}",
                KIND_LABEL[lang.value].get(b["kind"], b["kind"]),
                STATUS_LABEL[lang.value].get(b["status"], b["status"]),
                b["received_at"].strftime("%d/%m/%Y %H:%M" if vi else "%Y-%m-%d %H:%M"),
                b["submitted_by"],
                b["source_name"],
                number(b["row_count"], lang.value),
                dates,
                b["note"] or "",
            )
        )
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        typer.echo("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


@app.command("rollback")
def rollback_batch(
    batch_id: int = typer.Argument(..., help="Batch number (see `batches`)."),
    lang: LangOption = typer.Option(LangOption.vi, "--lang"),
) -> None:
    """Undo one import batch: its figures out, the values it replaced back, rollups recomputed — one transaction."""
    from db.rollback import RollbackError, rollback

    engine = _engine()
    try:
        with _database_errors(), _access_errors(engine):
            done = rollback(engine, batch_id, actor=_actor(engine))
    except RollbackError as exc:
        typer.echo(exc.message(lang.value))
        raise typer.Exit(1) from None
    provinces = ", ".join(done.provinces) or "—"
    if lang == LangOption.vi:
        typer.echo(
            f"Đã hủy lô #{done.batch_id} (lô hủy #{done.rollback_batch_id}): gỡ {done.facts_removed} dòng số liệu, "
            f"khôi phục {done.facts_restored} giá trị trước đó; đã tính lại tỉnh {provinces}."
        )
    else:
        typer.echo(
            f"Rolled back batch #{done.batch_id} (rollback batch #{done.rollback_batch_id}): removed {done.facts_removed} facts, "
            f"restored {done.facts_restored} earlier values; recomputed provinces {provinces}."
        )


@app.command("template")
def template(output: Path = typer.Option(..., "-o", "--output", help="Where to write the XLSX template.")) -> None:
    """Write the XLSX report template (Vietnamese header, cell validation, instructions sheet)."""
    from intake.template import template_xlsx

    output.write_bytes(template_xlsx())
    typer.echo(f"Đã ghi mẫu báo cáo: {output}")


# --- meeting handouts and chart events ---------------------------------------------------------------


def _as_of_option(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"error: --as-of must be YYYY-MM-DD, got {value!r}", err=True)
        raise typer.Exit(2) from None


def _known_province(conn, code: str | None) -> str | None:
    from queries.rankings import province_names

    if code is None:
        return None
    code = code.strip().zfill(2)
    if code not in province_names(conn):
        typer.echo(f"error: unknown province code {code!r} (GSO codes such as 01, 27, 79)", err=True)
        raise typer.Exit(2)
    return code


@app.command("brief")
def brief(
    as_of: str = typer.Option(..., "--as-of", help="YYYY-MM-DD"),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the PowerPoint deck (.pptx)."),
    province: str | None = typer.Option(None, "--province", help="GSO province code: the director's deck for that province."),
    metric: MetricOption = typer.Option(MetricOption.applications_received, "--metric"),
    denominator: DenominatorOption = typer.Option(DenominatorOption.eligible, "--denominator"),
) -> None:
    """Build the meeting's handout deck (PPTX, the meeting-mode slides; charts rendered offline by kaleido)."""
    import time

    from exports.deck import ChartRenderError, build_deck
    from exports.slides import load_inputs

    day = _as_of_option(as_of)
    engine = _engine()
    started = time.perf_counter()
    with _database_errors(), engine.connect() as conn:
        inputs = load_inputs(conn, as_of=day, metric=metric.value, denominator=denominator.value, province=_known_province(conn, province))
    try:
        data = build_deck(inputs)
    except ChartRenderError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    output.write_bytes(data)
    typer.echo(f"Đã ghi bài trình chiếu: {output} ({len(data) / 1024:.0f} KB, {time.perf_counter() - started:.1f} s)")


@app.command("handout")
def handout(
    as_of: str = typer.Option(..., "--as-of", help="YYYY-MM-DD"),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the workbook (.xlsx)."),
    province: str | None = typer.Option(None, "--province", help="GSO province code: only that province's districts."),
    metric: MetricOption = typer.Option(MetricOption.applications_received, "--metric"),
    denominator: DenominatorOption = typer.Option(DenominatorOption.eligible, "--denominator"),
) -> None:
    """Write the spreadsheet handout: province rankings, regions, districts and notes, one sheet each."""
    from exports.spreadsheet import build_handout

    day = _as_of_option(as_of)
    engine = _engine()
    with _database_errors(), engine.connect() as conn:
        data = build_handout(conn, as_of=day, metric=metric.value, denominator=denominator.value, province=_known_province(conn, province))
    output.write_bytes(data)
    typer.echo(f"Đã ghi bảng số liệu: {output} ({len(data) / 1024:.0f} KB)")


events_app = typer.Typer(no_args_is_help=True, help="Events shown on trend charts (Tết, COVID-19 disruptions, deadlines).")
app.add_typer(events_app, name="events")


def _event_input(day_from: str, day_to: str | None, label: str, kind: str, provinces: str | None):
    from db.events import KINDS, EventInput

    if kind not in KINDS:
        typer.echo(f"error: --kind must be one of {', '.join(KINDS)}", err=True)
        raise typer.Exit(2)
    return EventInput(
        day_from=_as_of_option(day_from),
        day_to=_as_of_option(day_to) if day_to else None,
        label=label,
        kind=kind,
        provinces=tuple(c for c in (provinces or "").split(",") if c.strip()),
    )


@events_app.command("list")
def events_list(deleted: bool = typer.Option(False, "--deleted", help="Include deleted events.")) -> None:
    """List events: id, dates, kind, label, provinces, who and when."""
    from queries.annotations import events

    engine = _engine()
    with _database_errors(), engine.connect() as conn:
        frame = events(conn, include_deleted=deleted)
    for e in frame.iter_rows(named=True):
        days = e["day_from"].strftime("%d/%m/%Y") + (" – " + e["day_to"].strftime("%d/%m/%Y") if e["day_to"] else "")
        who = f"{e['created_by']} {e['created_at']:%d/%m/%Y %H:%M}"
        if e["updated_at"]:
            who += f"; sửa: {e['updated_by']} {e['updated_at']:%d/%m/%Y %H:%M}"
        if deleted and e["deleted_at"]:
            who += f"; xóa: {e['deleted_by']} {e['deleted_at']:%d/%m/%Y %H:%M}"
        typer.echo(f"#{e['id']}\t{days}\t{e['kind']}\t{e['label_vi']}\t{e['provinces'] or 'toàn quốc'}\t{who}")


def _event_errors(fn):
    from db.events import EventError

    try:
        return fn()
    except EventError as exc:
        typer.echo(f"lỗi: {exc}", err=True)
        raise typer.Exit(1) from None


@events_app.command("add")
def events_add(
    day_from: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD."),
    label: str = typer.Option(..., "--label", help="Short Vietnamese label shown on the chart."),
    kind: str = typer.Option("other", "--kind", help="holiday | disruption | deadline | other"),
    day_to: str | None = typer.Option(None, "--to", help="Last day (YYYY-MM-DD) of a range; none for a single day."),
    provinces: str | None = typer.Option(None, "--provinces", help="Comma-separated GSO codes; none = national."),
) -> None:
    """Add an event to the trend charts."""
    from db.events import add_event

    event = _event_input(day_from, day_to, label, kind, provinces)
    engine = _engine()
    actor = _actor(engine)
    with _database_errors(), _access_errors(engine), engine.begin() as conn:
        new_id = _event_errors(lambda: add_event(conn, event, actor=actor))
    typer.echo(f"Đã thêm sự kiện #{new_id}.")


@events_app.command("edit")
def events_edit(
    event_id: int = typer.Argument(..., help="Event number (see `events list`)."),
    day_from: str = typer.Option(..., "--from"),
    label: str = typer.Option(..., "--label"),
    kind: str = typer.Option("other", "--kind"),
    day_to: str | None = typer.Option(None, "--to"),
    provinces: str | None = typer.Option(None, "--provinces"),
) -> None:
    """Replace an event's dates, label, kind and provinces."""
    from db.events import update_event

    event = _event_input(day_from, day_to, label, kind, provinces)
    engine = _engine()
    actor = _actor(engine)
    with _database_errors(), _access_errors(engine), engine.begin() as conn:
        _event_errors(lambda: update_event(conn, event_id, event, actor=actor))
    typer.echo(f"Đã sửa sự kiện #{event_id}.")


@events_app.command("delete")
def events_delete(
    event_id: int = typer.Argument(..., help="Event number (see `events list`)."),
) -> None:
    """Remove an event from the charts (kept in the table with who deleted it and when)."""
    from db.events import delete_event

    engine = _engine()
    actor = _actor(engine)
    with _database_errors(), _access_errors(engine), engine.begin() as conn:
        _event_errors(lambda: delete_event(conn, event_id, actor=actor))
    typer.echo(f"Đã xóa sự kiện #{event_id}.")


# --- deployment readiness and data-sharing connections -----------------------------------------------

readiness_app = typer.Typer(no_args_is_help=True, help="Deployment readiness, milestones and ministry connections: import, template.")
app.add_typer(readiness_app, name="readiness")


@readiness_app.command("import")
def readiness_import(
    path: Path = typer.Argument(..., help="CSV (UTF-8, one table) or XLSX (sheets Hạng mục / Mốc / Kết nối) from the template."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; write nothing."),
) -> None:
    """Check a readiness update whole, then store it as one audited batch (exit 1 and nothing written if rejected)."""
    from intake.readiness import import_file, result_lines

    if not path.is_file():
        typer.echo(f"lỗi: không có tệp {path}", err=True)
        raise typer.Exit(2)
    engine = _engine()
    with _database_errors(), _access_errors(engine):
        result = import_file(engine, path.read_bytes(), path.name, actor=_actor(engine), dry_run=dry_run)
    for line in result_lines(result):
        typer.echo(line)
    raise typer.Exit(0 if result.ok else 1)


@readiness_app.command("template")
def readiness_template(
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the XLSX template."),
    prefill: bool = typer.Option(False, "--prefill", help="Fill the sheets with the stored values, to edit and send back."),
) -> None:
    """Write the readiness update template (three sheets, dropdowns, instructions with province and ministry codes)."""
    from intake.readiness import template_for

    engine = _engine()
    with _database_errors(), engine.connect() as conn:
        data = template_for(conn, prefill=prefill)
    output.write_bytes(data)
    typer.echo(f"Đã ghi mẫu cập nhật sẵn sàng triển khai: {output}")


@readiness_app.command("simulate")
def readiness_simulate(seed: int = typer.Option(2021, help="Random seed (the demo's seed gives the demo's readiness).")) -> None:
    """Replace the readiness data of a simulated data set with the simulation read off its reports (refused on real data)."""
    from sqlalchemy import select

    from db import migrate, reference
    from db.schema import dataset_info
    from db.readiness_store import clear_all
    from simulate.readiness import write_simulated_readiness

    engine = _engine()
    with _database_errors():
        migrate.upgrade(engine)
        with engine.begin() as conn:
            simulated = conn.execute(select(dataset_info.c.value).where(dataset_info.c.key == "simulated")).scalar_one_or_none()
            if simulated != "1":
                typer.echo("lỗi: cơ sở dữ liệu không phải dữ liệu mô phỏng — không ghi dữ liệu sẵn sàng mô phỏng vào số liệu thật.", err=True)
                raise typer.Exit(1)
            reference.load_agencies(conn)
            clear_all(conn)
            batches = write_simulated_readiness(conn, seed=seed)
    typer.echo(f"Đã ghi dữ liệu sẵn sàng triển khai mô phỏng (hạt giống {seed}): {batches} lô.")


@export_app.command("readiness")
def export_readiness(
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default: the last reported day)."),
    agencies: bool = typer.Option(False, "--agencies", help="The ministries/agencies connections board instead of provinces."),
) -> None:
    """One row per province: items planned/done/light, ready, equipment capacity vs pace and required rate, milestone days."""
    from queries.export import neutralise_formulas
    from queries.readiness import connections_export, first_and_last_day, readiness_export

    day = _as_of_option(as_of) if as_of else None
    engine = _engine()
    with _database_errors(), engine.connect() as conn:
        day = day or first_and_last_day(conn)[1] or date.today()
        frame = connections_export(conn, as_of=day) if agencies else readiness_export(conn, as_of=day)
    sys.stdout.write(neutralise_formulas(frame.with_columns(_rates_rounded(frame))).write_csv())


def _rates_rounded(frame):
    """Rates to 0.1 in the CSV (as in `export progress`)."""
    import polars as pl

    return [pl.col(c).round(1) for c in ("pace", "required_daily_rate") if c in frame.columns]


# --- accounts and the audit log (cli_access.py) --------------------------------------------------------
from cli_access import audit as _audit_command, users_app  # noqa: E402 - grouped with their commands

app.add_typer(users_app, name="users")
app.command("audit")(_audit_command)
from cli_tokens import tokens_app  # noqa: E402 - API tokens (docs/api.md)

app.add_typer(tokens_app, name="tokens")


if __name__ == "__main__":
    app()
