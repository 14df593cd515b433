"""Simulated deployment readiness, milestones and ministry connections, derived from the simulated reports.

Deterministic for a seed. Consistent with the September 2020 conference (59/63 provinces collecting
resident data by 20/08/2020; 14 ministries/agencies and 45 provinces connected by 30/09/2020) and
with each province's simulated applications: equipment is sized from the province's own pace, so no
province's pace ever exceeds its installed capacity; in a few lagging provinces the second
installation stage comes late (end of April–May 2021) and until then the pace runs at the capacity.
Written week by week through intake.readiness, the same checked and audited path as an upload
(see docs/simulation.md, "Readiness").
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import cast

import numpy as np
import polars as pl
from sqlalchemy import Connection, func, select

from db.frames import read_frame
from db.schema import admin_unit, agency_connection, unit_day
from intake import readiness as intake
from queries.metrics import Denominator, Metric
from queries.progress import progress
from queries.readiness import CARDS_PER_SET_PER_DAY, pace_series
from simulate import anchors as A

SUBMITTER = "Mô phỏng – Cục C06 tổng hợp"
FIRST_REPORT = date(2020, 9, 7)  # the first weekly readiness report (a Monday), with everything known by then
COLLECTING_BY = date(2020, 8, 20)  # 59/63 provinces collecting resident data by then (conference, September 2020)
CONNECTED_BY = date(2020, 9, 30)  # 14 ministries/agencies and 45 provinces connected by then (same conference)
AGENCIES_CONNECTED_BY_SEPT = 14
PROVINCES_CONNECTED_BY_SEPT = 45
LAGGING_SHARE = 5 / 63  # provinces whose second equipment stage comes late
PLANNED_READY = date(2020, 12, 15)  # plan: equipment installed and staff trained before issuance starts 01/01/2021
# Ministries/agencies most likely to connect first (civil status, insurance, health, education, labour,
# finance, banking…): the 14 early ones are drawn from these.
EARLY_CANDIDATES = (
    "BTP",
    "BHXH",
    "BYT",
    "BLDTBXH",
    "BGDDT",
    "BTC",
    "NHNN",
    "BKHDT",
    "BTTTT",
    "BQP",
    "BNV",
    "VPCP",
    "BTNMT",
    "BGTVT",
    "BCT",
    "BNNPTNT",
    "BXD",
    "UBDT",
)


def _day(start: date, end: date, rng: np.random.Generator) -> date:
    return start + timedelta(days=int(rng.integers(0, (end - start).days + 1)))


def _scope(conn: Connection, provinces: list[str] | None) -> pl.DataFrame:
    """Simulated provinces (those with rollups) with their district count."""
    with_data = set(
        conn.execute(
            select(unit_day.c.unit_code).where(unit_day.c.level == "province", unit_day.c.cum_applications_received > 0).distinct()
        ).scalars()
    )
    districts: dict[str, int] = dict(
        conn.execute(
            select(admin_unit.c.province_code, func.count()).where(admin_unit.c.level == "district").group_by(admin_unit.c.province_code)
        ).all()
    )
    codes = sorted(c for c in with_data if provinces is None or c in provinces)
    return pl.DataFrame({"code": codes, "districts": [int(districts.get(c, 1)) for c in codes]})


def _collection_finished(conn: Connection, codes: list[str], late: set[str]) -> dict[str, date]:
    """The day each province's resident-data collection reached a share (85–97%) of its total at the end
    of 2020 (of March 2021 for the four late collectors): read off the simulated records_collected."""
    stmt = select(unit_day.c.unit_code.label("code"), unit_day.c.day, unit_day.c.cum_records_collected.label("cum")).where(
        unit_day.c.level == "province", unit_day.c.unit_code.in_(codes)
    )
    frame = read_frame(conn, stmt, {"code": pl.String, "day": pl.Date, "cum": pl.Int64}).sort("code", "day")
    share = np.linspace(0.85, 0.97, num=max(len(codes), 1))
    out: dict[str, date] = {}
    for i, code in enumerate(codes):
        series = frame.filter(pl.col("code") == code)
        end = date(2021, 3, 31) if code in late else date(2020, 12, 31)
        total = cast(int | None, series.filter(pl.col("day") <= end)["cum"].max()) or 0
        reached = cast(date | None, series.filter(pl.col("cum") >= share[i] * total)["day"].min())
        day = reached or end
        out[code] = max(day, date(2021, 1, 4)) if code in late else min(day, date(2020, 12, 31))
    return out


def _lagging(conn: Connection, codes: list[str]) -> list[str]:
    """The provinces furthest behind their target on 27/04/2021 (not among the ten early leaders): their
    equipment is made to lag, the readiness story of why they were behind."""
    frame = progress(conn, level="province", as_of=date(2021, 4, 27), metric=Metric.applications_received, denominator=Denominator.target)
    candidates = frame.filter(pl.col("code").is_in(codes) & ~pl.col("code").is_in(list(A.EARLY_LEADERS))).sort("coverage", "code")
    k = max(1, round(len(codes) * LAGGING_SHARE))
    return candidates["code"].head(k).to_list()


def simulated_updates(conn: Connection, *, seed: int, provinces: list[str] | None = None) -> list[tuple[date, dict[str, list[dict]]]]:
    """Every simulated change as (day it happened, sheet kind, typed row), grouped into dated reports:
    the first report on 07/09/2020 with all that was known by then, then one per week (Monday) with
    the week before. Read-only: reads the simulated reports' rollups."""
    rng = np.random.default_rng(seed + 1368)
    scope = _scope(conn, provinces)
    codes = scope["code"].to_list()
    if not codes:
        return []
    districts = dict(zip(scope["code"], scope["districts"], strict=True))
    late = {c for c in A.LATE_COLLECTORS if c in codes}
    events: list[tuple[date, str, dict]] = []  # (day it happened, sheet kind, row)

    # Milestones: collection started (59/63 by 20/08/2020), finished (read off the curve), connected.
    for code in codes:
        start = _day(date(2020, 8, 21), date(2020, 8, 31), rng) if code in late else _day(date(2020, 5, 4), COLLECTING_BY, rng)
        events.append((start, "milestones", {"province_code": code, "kind": "collection_started", "day": start}))
    for code, day in _collection_finished(conn, codes, late).items():
        events.append((day, "milestones", {"province_code": code, "kind": "collection_finished", "day": day}))
    early = set(rng.choice(codes, size=round(PROVINCES_CONNECTED_BY_SEPT * len(codes) / 63), replace=False).tolist())
    for code in codes:
        day = _day(date(2020, 7, 20), CONNECTED_BY, rng) if code in early else _day(date(2020, 10, 5), date(2021, 2, 20), rng)
        events.append((day, "milestones", {"province_code": code, "kind": "db_connected", "day": day}))

    # Items: a plan for everything first (nothing done), then installation, lines, training and teams.
    pace = pace_series(conn, provinces=codes)
    lagging = set(_lagging(conn, codes))
    plan: list[dict] = []
    for code in codes:
        series = pace.filter(pl.col("code") == code)
        peak = float(cast(float | None, series["pace"].max()) or 0.0)
        sets = max(2, math.ceil(peak * rng.uniform(1.12, 1.35) / CARDS_PER_SET_PER_DAY))
        lines, teams = districts[code] + 1, districts[code]
        staff = 2 * sets  # two shifts per set (police worked 7:00–22:00)
        plan += [
            {"province_code": code, "item": "equipment_sets", "planned": sets, "planned_date": PLANNED_READY},
            {"province_code": code, "item": "transmission_lines", "planned": lines, "planned_date": date(2020, 11, 30)},
            {"province_code": code, "item": "staff_trained", "planned": staff, "planned_date": PLANNED_READY},
            {"province_code": code, "item": "mobile_teams", "planned": teams, "planned_date": date(2020, 12, 31)},
        ]
        first = _day(date(2020, 11, 16), date(2020, 12, 4), rng)
        if code in lagging:
            # Installed in three stages, the last two late: at each stage the sets just cover the pace
            # until the next one (it runs at capacity), and in January–March they are fewer than the
            # rate the target needs — the readiness that limits the pace.
            middle = _day(date(2021, 3, 8), date(2021, 3, 22), rng)
            second = _day(date(2021, 4, 28), date(2021, 5, 12), rng)
            upto_middle = float(cast(float | None, series.filter(pl.col("day") < middle)["pace"].max()) or 0.0)
            upto_second = float(cast(float | None, series.filter(pl.col("day") < second)["pace"].max()) or 0.0)
            stage = max(1, math.ceil(upto_middle * 1.05 / CARDS_PER_SET_PER_DAY))
            stage_two = min(sets - 1, max(stage + 1, math.ceil(upto_second * 1.02 / CARDS_PER_SET_PER_DAY)))
            events.append((middle, "items", {"province_code": code, "item": "equipment_sets", "done": stage_two, "done_date": middle}))
            staff_second = second + timedelta(days=int(rng.integers(2, 8)))
        else:
            second = _day(date(2020, 12, 11), date(2020, 12, 29), rng)
            stage = max(1, round(sets * rng.uniform(0.5, 0.8)))
            staff_second = _day(date(2020, 12, 8), date(2020, 12, 28), rng)
        trained = first + timedelta(days=3)
        events += [
            (first, "items", {"province_code": code, "item": "equipment_sets", "done": stage, "done_date": first}),
            (second, "items", {"province_code": code, "item": "equipment_sets", "done": sets, "done_date": second}),
            (trained, "items", {"province_code": code, "item": "staff_trained", "done": 2 * stage, "done_date": trained}),
            (staff_second, "items", {"province_code": code, "item": "staff_trained", "done": staff, "done_date": staff_second}),
        ]
        mountains = rng.random() < 0.18  # lines to remote districts come late
        lines_day = _day(date(2020, 10, 15), date(2020, 12, 10), rng)
        if mountains and lines > 3:
            partial = lines - int(rng.integers(1, 4))
            events.append((lines_day, "items", {"province_code": code, "item": "transmission_lines", "done": partial, "done_date": lines_day}))
            lines_day = _day(date(2021, 1, 10), date(2021, 3, 15), rng)
        events.append((lines_day, "items", {"province_code": code, "item": "transmission_lines", "done": lines, "done_date": lines_day}))
        teams_day = _day(date(2021, 2, 1), date(2021, 3, 20), rng) if rng.random() < 0.2 else _day(date(2020, 12, 1), date(2021, 1, 20), rng)
        events.append((teams_day, "items", {"province_code": code, "item": "mobile_teams", "done": teams, "done_date": teams_day}))

    events += _agency_events(conn, rng)
    return _weekly(plan, events)


def _agency_events(conn: Connection, rng: np.random.Generator) -> list[tuple[date, str, dict]]:
    """14 connected by 30/09/2020; of the rest, most test for a few weeks and connect by mid-2021, a few
    are still testing at the end of 2021 and a few not connected."""
    listed = list(conn.execute(select(agency_connection.c.agency_code).order_by(agency_connection.c.sort_order)).scalars())
    pool = [a for a in EARLY_CANDIDATES if a in listed]
    early = rng.choice(pool, size=min(AGENCIES_CONNECTED_BY_SEPT, len(pool)), replace=False).tolist()
    rest = [a for a in listed if a not in early]
    rng.shuffle(rest)
    later, testing = rest[: max(0, len(rest) - 7)], rest[max(0, len(rest) - 7) : max(0, len(rest) - 3)]
    events = []
    for code in early:
        day = _day(date(2020, 7, 15), CONNECTED_BY, rng)
        events.append((day, "agencies", {"agency_code": code, "status": "connected", "connected_on": day}))
    for code in later:
        day = _day(date(2020, 11, 2), date(2021, 6, 25), rng)
        trial = day - timedelta(days=int(rng.integers(14, 45)))
        events.append((trial, "agencies", {"agency_code": code, "status": "testing", "connected_on": None}))
        events.append((day, "agencies", {"agency_code": code, "status": "connected", "connected_on": day}))
    for code in testing:
        trial = _day(date(2021, 3, 1), date(2021, 9, 30), rng)
        events.append((trial, "agencies", {"agency_code": code, "status": "testing", "connected_on": None}))
    return events


def _weekly(plan: list[dict], events: list[tuple[date, str, dict]]) -> list[tuple[date, dict[str, list[dict]]]]:
    """Reports: the first (07/09/2020) holds the plan and everything before it; then each Monday the
    previous week's changes. An item row carries its plan; the latest change of a key in a week wins."""
    planned = {(r["province_code"], r["item"]): r for r in plan}
    reports: dict[date, dict[str, dict[tuple, dict]]] = defaultdict(lambda: defaultdict(dict))
    first = reports[FIRST_REPORT]
    for r in plan:
        first["items"][(r["province_code"], r["item"])] = {**r, "done": 0, "done_date": None}
    for day, kind, row in sorted(events, key=lambda e: (e[0], e[1])):
        report = FIRST_REPORT if day < FIRST_REPORT else day + timedelta(days=7 - day.weekday())
        if kind == "items":
            key = (row["province_code"], row["item"])
            row = {**planned[key], **row}
        else:
            key = tuple(row[c] for c in intake.SHEET[kind].key)
        reports[report][kind][key] = row
    return [(day, {kind: list(rows.values()) for kind, rows in reports[day].items()}) for day in sorted(reports)]


def write_simulated_readiness(conn: Connection, *, seed: int, provinces: list[str] | None = None) -> int:
    """Write the simulated readiness reports through intake.readiness (checked, one batch each), inside
    the caller's transaction, after the simulated reports. Returns the number of batches."""
    ref = intake.Reference.load(conn)
    batches = 0
    for day, sheets in simulated_updates(conn, seed=seed, provinces=provinces):
        frames = {}
        for kind, rows in sheets.items():
            schema = intake.TYPED_SCHEMA[kind]
            frames[kind] = pl.DataFrame([{"_row": i, **r} for i, r in enumerate(rows, start=2)], schema=schema)
        found = [p for kind, frame in frames.items() for p in intake.check_rows(kind, frame, ref)]
        if found:  # the simulation must pass the same checks as an upload
            raise ValueError(f"simulated readiness report {day}: {found[0].message()}")
        received = datetime.combine(day, time(10, 0))
        name = f"mo-phong/san-sang/{day.isoformat()}.xlsx"
        result = intake.apply(
            conn, intake.Parsed(frames), source_name=name, submitted_by=SUBMITTER, received_at=received, content_hash=intake.frames_hash(frames)
        )
        batches += result.status == intake.ACCEPTED
        ref = intake.Reference.load(conn)
    return batches
