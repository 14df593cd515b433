"""Deployment readiness and data-sharing connections, defined once: items as of a date, provinces ready,
the equipment capacity check, milestones and the connections board (docs/readiness.md).

Each readiness update says "as of done_date, `done` of `planned` were done". Updates are kept (the
current row plus readiness_item_history), so the state on any as-of date can be rebuilt: see
`effective_versions`. Nothing here knows Streamlit; frames are small (63 provinces × 4 items).

Over 400 lines on purpose: every readiness number and the page's reads (`item_history`, `tables_present`)
stand on `item_versions`, `effective_versions` and `_provinces`, and each is defined once, here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import Connection, func, inspect, select, union_all

from db.frames import read_frame
from db.schema import (
    admin_unit,
    agency_connection,
    agency_connection_history,
    calendar,
    import_batch,
    milestone,
    readiness_item,
    readiness_item_history,
    region,
    unit_day,
)
from queries import metrics as M
from queries.metrics import Denominator, Metric

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

ITEMS = ("equipment_sets", "transmission_lines", "staff_trained", "mobile_teams")
MILESTONES = ("collection_started", "collection_finished", "db_connected")
CONNECTION_STATUSES = ("connected", "testing", "not_connected")
AGENCY_KINDS = ("ministry", "agency")
# Traffic lights of one item on a date: done (done ≥ planned), in progress (not yet due), overdue
# (planned date passed, not done), missing (the province has not reported the item).
DONE, IN_PROGRESS, OVERDUE, MISSING = "done", "in_progress", "overdue", "missing"

# Applications one enrolment equipment set (computer, camera, fingerprint scanner, document scanner)
# can take in a day. ASSUMPTION: a HCMC mobile vehicle "aims for 300 applications/day" with police
# working 7:00–22:00 (VNS 03/2021, data/rollout_facts.md, throughput hints); no per-set figure was found.
CARDS_PER_SET_PER_DAY = 300
# Pace at or above this share of the installed capacity counts as "running at capacity".
AT_CAPACITY_RATIO = 0.9

_NO_DATE = date.min  # the effective date of an update without done_date (nothing done yet, or a reset)


_VERSION_SCHEMA = {
    "province_code": pl.String,
    "item": pl.String,
    "planned": pl.Int64,
    "done": pl.Int64,
    "planned_date": pl.Date,
    "done_date": pl.Date,
    "batch_id": pl.Int64,
}


def item_versions(conn: Connection, *, provinces: list[str] | None = None, items: tuple[str, ...] = ITEMS) -> pl.DataFrame:
    """Every stored update of every readiness item: the current rows and the replaced ones (history)."""
    cols = ("province_code", "item", "planned", "done", "planned_date", "done_date", "batch_id")
    parts = []
    for table in (readiness_item, readiness_item_history):
        stmt = select(*[table.c[c] for c in cols]).where(table.c.item.in_(list(items)))
        if provinces is not None:
            stmt = stmt.where(table.c.province_code.in_(provinces))
        parts.append(stmt)
    return read_frame(conn, union_all(*parts), _VERSION_SCHEMA)


def item_history(conn: Connection, *, province: str) -> pl.DataFrame:
    """Every stored update of the province's items, newest batch first, with the batch's sender, time and source:
    item_versions' columns plus submitted_by, received_at, source_name."""
    versions = item_versions(conn, provinces=[province])
    ids = versions["batch_id"].unique().to_list()
    stmt = select(import_batch.c.id.label("batch_id"), import_batch.c.submitted_by, import_batch.c.received_at, import_batch.c.source_name).where(
        import_batch.c.id.in_(ids)
    )
    batches = read_frame(conn, stmt, {"batch_id": pl.Int64, "submitted_by": pl.String, "received_at": pl.Datetime("us"), "source_name": pl.String})
    return versions.join(batches, on="batch_id", how="left").sort("batch_id", "item", descending=[True, False])


def tables_present(conn: Connection) -> bool:
    """False on a database migrated before the readiness tables (run `python cli.py init-db`): two catalog lookups."""
    return inspect(conn).has_table("readiness_item") and inspect(conn).has_table("agency_connection")


def effective_versions(versions: pl.DataFrame, *, keys: tuple[str, ...] = ("province_code", "item"), day: str = "done_date") -> pl.DataFrame:
    """The updates that still describe some period, with `valid_from` (`day`, or the earliest date
    when there is none) and `valid_to` (the next such update's valid_from; null = still valid).

    An update speaks for its day onwards, and a later-written update (higher batch id) overrides
    everything said about its own day and after: it cuts off earlier-written updates whose day is
    the same or later (a correction), while earlier-dated ones keep their period (progress).
    """
    keyed = list(keys)
    return (
        versions.with_columns(pl.col(day).fill_null(_NO_DATE).alias("valid_from"), pl.col("batch_id").fill_null(0).alias("_order"))
        .sort([*keyed, "_order"], descending=[False] * len(keyed) + [True])
        .with_columns(pl.col("valid_from").cum_min().shift(1).over(keyed).alias("later_min"))
        .filter(pl.col("later_min").is_null() | (pl.col("valid_from") < pl.col("later_min")))
        .sort([*keyed, "valid_from"])
        .with_columns(pl.col("valid_from").shift(-1).over(keyed).alias("valid_to"))
        .drop("later_min", "_order")
    )


def light(as_of: date) -> pl.Expr:
    """Traffic light of an item on `as_of`: done when done ≥ planned; overdue when not done and the
    planned date is before `as_of`; in progress otherwise (not due yet, or no planned date)."""
    return (
        pl.when(pl.col("done").is_null())
        .then(pl.lit(MISSING))
        .when(pl.col("done") >= pl.col("planned"))
        .then(pl.lit(DONE))
        .when(pl.col("planned_date").is_not_null() & (pl.col("planned_date") < as_of))
        .then(pl.lit(OVERDUE))
        .otherwise(pl.lit(IN_PROGRESS))
    )


def state_on(effective: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Each (province, item) as it stood on `as_of`: the update valid then. Before its first dated
    update an item shows its first plan with nothing done."""
    keyed = ["province_code", "item"]
    valid = effective.filter(pl.col("valid_from") <= as_of).sort([*keyed, "valid_from"]).group_by(keyed).last()
    first = (
        effective.sort([*keyed, "valid_from"])
        .group_by(keyed)
        .first()
        .with_columns(pl.lit(0, dtype=pl.Int64).alias("done"), pl.lit(None, dtype=pl.Date).alias("done_date"))
    )
    first = first.join(valid.select(keyed), on=keyed, how="anti")
    cols = [*keyed, "planned", "done", "planned_date", "done_date", "batch_id"]
    return pl.concat([valid.select(cols), first.select(cols)]).sort(keyed)


def items_as_of(conn: Connection, *, as_of: date, provinces: list[str] | None = None) -> pl.DataFrame:
    """Readiness items on `as_of`: province_code, item, planned, done, planned_date, done_date, light,
    ratio (done ÷ planned; null when nothing is planned). Unit: the item's own (sets, lines, people, teams)."""
    state = state_on(effective_versions(item_versions(conn, provinces=provinces)), as_of)
    return state.with_columns(
        light(as_of).alias("light"),
        pl.when(pl.col("planned") > 0).then(pl.col("done") / pl.col("planned")).otherwise(None).alias("ratio"),
    )


def _provinces(conn: Connection, regions: list[str] | None = None) -> pl.DataFrame:
    stmt = (
        select(admin_unit.c.code, admin_unit.c.name, admin_unit.c.region_code, region.c.name_vi.label("region_name"))
        .select_from(admin_unit.join(region, region.c.code == admin_unit.c.region_code))
        .where(admin_unit.c.level == "province")
        .order_by(admin_unit.c.code)
    )
    if regions:
        stmt = stmt.where(admin_unit.c.region_code.in_(regions))
    return read_frame(conn, stmt, {"code": pl.String, "name": pl.String, "region_code": pl.String, "region_name": pl.String})


def ready() -> pl.Expr:
    """A province is ready when every one of the four items is reported and done ≥ planned on the date."""
    return pl.all_horizontal([pl.col(f"{item}_light") == DONE for item in ITEMS])


def readiness_matrix(conn: Connection, *, as_of: date, regions: list[str] | None = None) -> pl.DataFrame:
    """Provinces × items on `as_of`, one row per province of the register (optionally of some regions):
    code, name, region_code, region_name, `{item}_planned`, `{item}_done`, `{item}_light` for each
    item, items_done (0–4), ready. A province that has not reported an item shows it as missing."""
    provinces = _provinces(conn, regions)
    items = items_as_of(conn, as_of=as_of, provinces=provinces["code"].to_list())
    frame = provinces
    for item in ITEMS:
        one = items.filter(pl.col("item") == item).select(
            pl.col("province_code").alias("code"),
            pl.col("planned").alias(f"{item}_planned"),
            pl.col("done").alias(f"{item}_done"),
            pl.col("planned_date").alias(f"{item}_planned_date"),
            pl.col("done_date").alias(f"{item}_done_date"),
            pl.col("light").alias(f"{item}_light"),
        )
        frame = frame.join(one, on="code", how="left").with_columns(pl.col(f"{item}_light").fill_null(MISSING))
    return frame.with_columns(
        pl.sum_horizontal([(pl.col(f"{item}_light") == DONE).cast(pl.Int32) for item in ITEMS]).alias("items_done"),
        pl.any_horizontal([pl.col(f"{item}_light") != MISSING for item in ITEMS]).alias("reported"),
        ready().alias("ready"),
    )


@dataclass(frozen=True)
class ReadyCount:
    ready: int
    total: int  # provinces in the register (63)


def provinces_ready(conn: Connection, *, as_of: date) -> ReadyCount:
    """Provinces ready on `as_of` (see `ready`) out of all provinces in the register."""
    matrix = readiness_matrix(conn, as_of=as_of)
    return ReadyCount(int(matrix["ready"].sum()), matrix.height)


# --- capacity -------------------------------------------------------------------------------------


def capacity_per_day(sets: str = "sets_installed", per_set: int = CARDS_PER_SET_PER_DAY) -> pl.Expr:
    """Equipment capacity = equipment sets installed × applications one set takes per day (applications/day)."""
    return pl.col(sets).fill_null(0) * per_set


def capacity_check(
    conn: Connection,
    *,
    as_of: date,
    denominator: Denominator | str = Denominator.target,
    cards_per_set_per_day: int = CARDS_PER_SET_PER_DAY,
    regions: list[str] | None = None,
) -> pl.DataFrame:
    """Equipment capacity against the pace needed, per province, on `as_of`.

    capacity_per_day = sets installed on `as_of` × `cards_per_set_per_day` (applications/day; null when the
    province has not reported its equipment);
    pace and required_daily_rate are those of queries.progress for applications received against
    `denominator` (default: the assigned target). `limited` = capacity < required daily rate: even
    at full use the installed equipment cannot enrol what the deadline needs, so readiness limits
    the pace. utilization = pace ÷ capacity (null without equipment); at_capacity = utilization ≥ 90%.
    shortfall_per_day = required − capacity when limited; sets_needed = extra sets to close it.
    """
    from queries.progress import progress

    prog = progress(conn, level="province", as_of=as_of, metric=Metric.applications_received, denominator=denominator)
    day = prog["as_of"][0] if prog.height else as_of
    provinces = _provinces(conn, regions)
    sets = items_as_of(conn, as_of=day, provinces=provinces["code"].to_list()).filter(pl.col("item") == "equipment_sets")
    frame = (
        provinces.join(
            sets.select(pl.col("province_code").alias("code"), pl.col("done").alias("sets_installed"), pl.col("planned").alias("sets_planned")),
            on="code",
            how="left",
        )
        .join(prog.select("code", "cumulative", "denominator", "pace", "required_daily_rate", "status"), on="code", how="left")
        # No equipment reported: capacity unknown (null), not zero — the province is "not reported", not "limited".
        .with_columns(pl.when(pl.col("sets_installed").is_not_null()).then(capacity_per_day(per_set=cards_per_set_per_day)).alias("capacity_per_day"))
        .with_columns(
            pl.when(pl.col("capacity_per_day") > 0).then(pl.col("pace") / pl.col("capacity_per_day")).otherwise(None).alias("utilization"),
            (
                pl.col("capacity_per_day").is_not_null()
                & pl.col("required_daily_rate").is_not_null()
                & (pl.col("capacity_per_day") < pl.col("required_daily_rate"))
            ).alias("limited"),
        )
        .with_columns(
            (pl.col("utilization").fill_null(0) >= AT_CAPACITY_RATIO).alias("at_capacity"),
            pl.when(pl.col("limited")).then(pl.col("required_daily_rate") - pl.col("capacity_per_day")).otherwise(0.0).alias("shortfall_per_day"),
        )
        .with_columns((pl.col("shortfall_per_day") / cards_per_set_per_day).ceil().cast(pl.Int64).alias("sets_needed"))
        .with_columns(pl.lit(day).alias("as_of"))
    )
    return frame.sort(["limited", "shortfall_per_day", "code"], descending=[True, True, False])


def pace_series(conn: Connection, *, provinces: list[str] | None = None, until: date | None = None) -> pl.DataFrame:
    """Daily pace of applications per province: day, code, pace = (cumulative − cumulative 7 days
    earlier) ÷ 7 — queries.metrics.pace on every day (applications/day)."""
    stmt = select(unit_day.c.unit_code.label("code"), unit_day.c.day, unit_day.c.cum_applications_received.label("cumulative")).where(
        unit_day.c.level == "province"
    )
    if provinces is not None:
        stmt = stmt.where(unit_day.c.unit_code.in_(provinces))
    if until is not None:
        stmt = stmt.where(unit_day.c.day <= until)
    frame = read_frame(conn, stmt, {"code": pl.String, "day": pl.Date, "cumulative": pl.Int64}).sort("code", "day")
    before = frame.select(
        "code", (pl.col("day") + pl.duration(days=M.PACE_WINDOW_DAYS)).alias("day"), pl.col("cumulative").alias("cumulative_7d_ago")
    )
    return (
        frame.join(before, on=["code", "day"], how="left")
        .with_columns(pl.col("cumulative_7d_ago").fill_null(0))
        .with_columns(M.pace().alias("pace"))
        .select("code", "day", "cumulative", "pace")
    )


def capacity_series(
    conn: Connection, *, provinces: list[str] | None = None, until: date | None = None, cards_per_set_per_day: int = CARDS_PER_SET_PER_DAY
) -> pl.DataFrame:
    """Per province and day: pace (as in pace_series) and the equipment capacity in force that day
    (sets valid that day × cards per set). The simulation test checks pace ≤ capacity on every day."""
    pace = pace_series(conn, provinces=provinces, until=until)
    effective = effective_versions(item_versions(conn, provinces=provinces, items=("equipment_sets",)))
    steps = effective.select(pl.col("province_code").alias("code"), pl.col("valid_from").alias("day"), pl.col("done").alias("sets_installed")).sort(
        "code", "day"
    )
    # Each day takes the newest step on or before it (a backward as-of join); days before any step have no sets.
    joined = pace.sort("code", "day").join_asof(steps, on="day", by="code", strategy="backward", check_sortedness=False)
    return joined.with_columns(capacity_per_day(per_set=cards_per_set_per_day).alias("capacity_per_day"))


# --- milestones -----------------------------------------------------------------------------------


def milestones_frame(conn: Connection, *, provinces: list[str] | None = None) -> pl.DataFrame:
    """Stored milestones: province_code, kind, day (null: not reached yet)."""
    stmt = select(milestone.c.province_code, milestone.c.kind, milestone.c.day).order_by(milestone.c.province_code, milestone.c.kind)
    if provinces is not None:
        stmt = stmt.where(milestone.c.province_code.in_(provinces))
    return read_frame(conn, stmt, {"province_code": pl.String, "kind": pl.String, "day": pl.Date})


def milestone_counts(conn: Connection, *, as_of: date) -> dict[str, int]:
    """Provinces that had reached each milestone by `as_of` (day ≤ as_of), by kind (count of provinces)."""
    frame = milestones_frame(conn).filter(pl.col("day") <= as_of)
    counts = dict(frame.group_by("kind").len().iter_rows())
    return {kind: int(counts.get(kind, 0)) for kind in MILESTONES}


def milestone_timeline(conn: Connection, *, until: date | None = None) -> pl.DataFrame:
    """Running count of provinces that had reached each milestone: kind, day, provinces (one row per
    kind and day on which the count changed, up to `until`)."""
    frame = milestones_frame(conn).drop_nulls("day")
    if until is not None:
        frame = frame.filter(pl.col("day") <= until)
    return (
        frame.group_by("kind", "day")
        .len("reached")
        .sort("kind", "day")
        .with_columns(pl.col("reached").cum_sum().over("kind").cast(pl.Int64).alias("provinces"))
        .select("kind", "day", "provinces")
    )


# --- connections ----------------------------------------------------------------------------------


def connections_board(conn: Connection, *, as_of: date) -> pl.DataFrame:
    """Ministries and agencies in list order: agency_code, name_vi, kind, status and connected_on (now),
    status_as_of and connected_on_as_of (on `as_of`).

    Every status update is kept (agency_connection_history), so the board can be rebuilt for a date: a
    connection counts from its connection date; testing or not connected from the day the update was
    received (no other date is recorded); the list's initial state (no batch) is not connected. Updates
    override each other as items do (`effective_versions`).
    """
    a, h = agency_connection, agency_connection_history
    stmt = select(a.c.agency_code, a.c.name_vi, a.c.kind, a.c.sort_order, a.c.status, a.c.connected_on).order_by(a.c.sort_order)
    frame = read_frame(
        conn,
        stmt,
        {"agency_code": pl.String, "name_vi": pl.String, "kind": pl.String, "sort_order": pl.Int64, "status": pl.String, "connected_on": pl.Date},
    )
    cols = ("agency_code", "status", "connected_on", "batch_id", "updated_at")
    schema: dict[str, PolarsDataType] = {
        "agency_code": pl.String,
        "status": pl.String,
        "connected_on": pl.Date,
        "batch_id": pl.Int64,
        "updated_at": pl.Datetime("us"),
    }
    versions = read_frame(conn, union_all(select(*[a.c[c] for c in cols]), select(*[h.c[c] for c in cols])), schema).with_columns(
        pl.when(pl.col("status") == "connected").then(pl.col("connected_on")).otherwise(pl.col("updated_at").dt.date()).alias("since")
    )
    valid = (
        effective_versions(versions, keys=("agency_code",), day="since")
        .filter(pl.col("valid_from") <= as_of)
        .sort("agency_code", "valid_from")
        .group_by("agency_code")
        .last()
        .select("agency_code", pl.col("status").alias("status_as_of"), pl.col("connected_on").alias("connected_on_as_of"))
    )
    return frame.join(valid, on="agency_code", how="left", maintain_order="left").with_columns(pl.col("status_as_of").fill_null("not_connected"))


@dataclass(frozen=True)
class Connections:
    agencies_connected: int  # ministries and agencies ("bộ, ngành") connected by the date
    agencies_total: int  # on the list (db/data/agencies.csv)
    ministries_connected: int  # of them, ministries and ministry-level agencies
    provinces_connected: int  # provinces whose db_connected milestone is on or before the date
    provinces_total: int


def connections_summary(conn: Connection, *, as_of: date) -> Connections:
    """How many ministries/agencies and provinces were connected to the population database on `as_of`."""
    board = connections_board(conn, as_of=as_of)
    connected = board.filter(pl.col("status_as_of") == "connected")
    total = conn.execute(select(func.count()).select_from(admin_unit).where(admin_unit.c.level == "province")).scalar_one()
    return Connections(
        agencies_connected=connected.height,
        agencies_total=board.height,
        ministries_connected=connected.filter(pl.col("kind") == "ministry").height,
        provinces_connected=milestone_counts(conn, as_of=as_of)["db_connected"],
        provinces_total=int(total),
    )


# --- one line each, for the overview and meeting mode -------------------------------------------------


@dataclass(frozen=True)
class ReadinessHeadline:
    as_of: date
    provinces_ready: int
    provinces_total: int
    agencies_connected: int
    agencies_total: int
    provinces_connected: int
    has_data: bool  # any readiness item or connection stored at all

    def ready_line(self) -> str:
        """'41/63 tỉnh sẵn sàng triển khai'."""
        return f"{self.provinces_ready}/{self.provinces_total} tỉnh sẵn sàng triển khai"

    def connected_line(self) -> str:
        """'14 bộ, ngành đã kết nối CSDL quốc gia về dân cư'."""
        return f"{self.agencies_connected} bộ, ngành đã kết nối CSDL quốc gia về dân cư"


def readiness_headline(conn: Connection, *, as_of: date) -> ReadinessHeadline:
    """The two lines the overview and meeting mode show: provinces ready and ministries/agencies connected."""
    count = provinces_ready(conn, as_of=as_of)
    links = connections_summary(conn, as_of=as_of)
    stored = conn.execute(select(func.count()).select_from(readiness_item)).scalar_one()
    touched = conn.execute(select(func.count()).select_from(agency_connection).where(agency_connection.c.batch_id.is_not(None))).scalar_one()
    return ReadinessHeadline(
        as_of, count.ready, count.total, links.agencies_connected, links.agencies_total, links.provinces_connected, bool(stored or touched)
    )


# --- export -----------------------------------------------------------------------------------------

EXPORT_HEADERS_VI = {
    "code": "Mã tỉnh",
    "name": "Tỉnh/thành phố",
    "region_name": "Vùng",
    **{
        f"{item}_{part}": f"{label}: {part_vi}"
        for item, label in (
            ("equipment_sets", "Bộ thiết bị thu nhận"),
            ("transmission_lines", "Đường truyền"),
            ("staff_trained", "Cán bộ đã tập huấn"),
            ("mobile_teams", "Tổ lưu động"),
        )
        for part, part_vi in (("planned", "kế hoạch"), ("done", "đã hoàn thành"), ("light", "tình trạng"))
    },
    "ready": "Sẵn sàng",
    "capacity_per_day": "Công suất thiết bị (hồ sơ/ngày)",
    "pace": "Tốc độ 7 ngày (hồ sơ/ngày)",
    "required_daily_rate": "Cần đạt (hồ sơ/ngày)",
    "limited": "Thiết bị hạn chế tiến độ",
    **{
        kind: label
        for kind, label in (
            ("collection_started", "Bắt đầu thu thập"),
            ("collection_finished", "Hoàn thành thu thập"),
            ("db_connected", "Kết nối CSDL"),
        )
    },
    "as_of": "Số liệu đến ngày",
}
EXPORT_COLUMNS = list(EXPORT_HEADERS_VI)


def readiness_export(conn: Connection, *, as_of: date) -> pl.DataFrame:
    """One row per province on `as_of`: items (planned, done, light), ready, equipment capacity against
    pace and required rate (capacity_check), and milestone days — the frame the CLI export writes."""
    matrix = readiness_matrix(conn, as_of=as_of)
    capacity = capacity_check(conn, as_of=as_of).select("code", "capacity_per_day", "pace", "required_daily_rate", "limited", "as_of")
    days = milestones_frame(conn).filter(pl.col("day") <= as_of).pivot(on="kind", index="province_code", values="day")
    for kind in MILESTONES:
        if kind not in days.columns:
            days = days.with_columns(pl.lit(None, dtype=pl.Date).alias(kind))
    frame = matrix.join(capacity, on="code", how="left").join(days.rename({"province_code": "code"}), on="code", how="left")
    return frame.select(EXPORT_COLUMNS).sort("code")


def connections_export(conn: Connection, *, as_of: date) -> pl.DataFrame:
    """The connections board on `as_of` (for the CLI export)."""
    return connections_board(conn, as_of=as_of).drop("sort_order").with_columns(pl.lit(as_of).alias("as_of"))


def first_and_last_day(conn: Connection) -> tuple[date | None, date | None]:
    """The reporting period (calendar), for a default as-of date."""
    return conn.execute(select(func.min(calendar.c.day), func.max(calendar.c.day))).one()
