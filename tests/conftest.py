"""Fixtures: real SQLite files and a real PostgreSQL database, a hand-made mini country, a small simulation."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db import migrate, store
from db.engine import make_engine
from db.schema import admin_unit, region, target

PG_URL = os.environ.get("CCCD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("CCCD_REQUIRE_PG") == "1"


def _postgres_url() -> str:
    """A fresh database on the test server for this test run (dropped at the end)."""
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    name = f"cccd_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        if REQUIRE_PG:
            raise RuntimeError(f"PostgreSQL required (CCCD_REQUIRE_PG=1) but unreachable at {PG_URL}: {exc}") from exc
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    finally:
        admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def migrated_engine(backend: str, folder):
    """A migrated, empty database on `backend` (a file in `folder`, or a fresh PostgreSQL database)."""
    url = f"sqlite:///{folder / 'cccd.sqlite'}" if backend == "sqlite" else _postgres_url()
    engine = make_engine(url)
    migrate.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        if backend == "postgresql":
            _drop_postgres(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request, tmp_path):
    with migrated_engine(request.param, tmp_path) as engine:
        yield engine


# --- the mini country: 3 provinces, 3 districts, 5 communes; every expectation is hand-computed ----

MINI_UNITS = [
    # code, level, name, parent, province, district, region, population, eligible, commune_count
    ("01", "province", "Tỉnh A", None, "01", None, "DBSH", 4000, 2000, 2),
    ("02", "province", "Tỉnh B", None, "02", None, "DBSH", 2000, 1000, 1),
    ("03", "province", "Tỉnh C", None, "03", None, "TN", 2000, 1000, 2),
    ("001", "district", "Huyện A1", "01", "01", "001", "DBSH", 4000, 2000, 2),
    ("002", "district", "Huyện B1", "02", "02", "002", "DBSH", 2000, 1000, 1),
    ("003", "district", "Huyện C1", "03", "03", "003", "TN", 2000, 1000, 2),
    ("00001", "commune", "Xã A1a", "001", "01", "001", "DBSH", 2000, 1000, 1),
    ("00002", "commune", "Xã A1b", "001", "01", "001", "DBSH", 2000, 1000, 1),
    ("00003", "commune", "Xã B1a", "002", "02", "002", "DBSH", 2000, 1000, 1),
    ("00004", "commune", "Xã C1a", "003", "03", "003", "TN", 1000, 500, 1),
    ("00005", "commune", "Xã C1b", "003", "03", "003", "TN", 1000, 500, 1),
]
# Card quotas: A is over its target (achieved, >100%), B on track, C at risk (see test_queries).
MINI_TARGETS = {
    "01": 400,
    "02": 600,
    "03": 1400,
    "001": 400,
    "002": 600,
    "003": 1400,
    "00001": 200,
    "00002": 200,
    "00003": 600,
    "00004": 700,
    "00005": 700,
}
MINI_START = date(2021, 6, 1)
MINI_END = date(2021, 6, 15)


def mini_daily_applications(code: str, day: date) -> int | None:
    """Applications received per commune-day; None = no report that day."""
    i = (day - MINI_START).days
    if code == "00001":
        return 10
    if code == "00002":
        return 20
    if code == "00003":  # 50/day for 8 days, then 20/day, and no report on the last day
        return None if day == MINI_END else (50 if i < 8 else 20)
    if code == "00004":
        return 30
    if code == "00005":
        return 15
    raise KeyError(code)


def load_mini_country(conn) -> None:
    store.bulk_insert(
        conn,
        region,
        pl.DataFrame(
            {
                "code": ["DBSH", "TN"],
                "name_vi": ["Đồng bằng sông Hồng", "Tây Nguyên"],
                "name_en": ["Red River Delta", "Central Highlands"],
                "sort_order": [1, 4],
            }
        ),
    )
    cols = [
        "code",
        "level",
        "name",
        "parent_code",
        "province_code",
        "district_code",
        "region_code",
        "population",
        "eligible_population",
        "commune_count",
    ]
    units = pl.DataFrame(MINI_UNITS, schema=cols, orient="row").with_columns(
        pl.col("name").alias("full_name"), pl.col("level").alias("division_type"), pl.lit(None, dtype=pl.String).alias("iso_code")
    )
    for level in ("province", "district", "commune"):
        store.bulk_insert(conn, admin_unit, units.filter(pl.col("level") == level))
    rows = [
        {
            "unit_code": c,
            "metric": m,
            "value": v if m != "records_verified" else dict((u[0], u[7]) for u in MINI_UNITS)[c],
            "deadline": date(2021, 7, 1),
        }
        for c, v in MINI_TARGETS.items()
        for m in ("applications_received", "cards_delivered", "records_verified")
    ]
    store.bulk_insert(conn, target, pl.DataFrame(rows))


def mini_reports(late_last_day_province: str = "03") -> tuple[pl.DataFrame, list[store.BatchMeta]]:
    """One batch per province-day received at 16:00, except one province's last report at 18:30 (late)."""
    communes = [u for u in MINI_UNITS if u[1] == "commune"]
    batches: list[store.BatchMeta] = []
    index: dict[tuple[str, date], int] = {}
    rows = []
    day = MINI_START
    while day <= MINI_END:
        for code, _, _, _, province, *_ in communes:
            value = mini_daily_applications(code, day)
            if value is None:
                continue
            key = (province, day)
            if key not in index:
                hour = datetime.combine(day, datetime.min.time()) + (
                    timedelta(hours=18, minutes=30) if (province == late_last_day_province and day == MINI_END) else timedelta(hours=16)
                )
                index[key] = len(batches)
                batches.append(
                    store.BatchMeta(kind="cli", source_name=f"{province}-{day}.csv", submitted_by="test", received_at=hour, province_code=province)
                )
            rows.append(
                {
                    "batch_index": index[key],
                    "unit_code": code,
                    "report_date": day,
                    "applications_received": value,
                    "cards_produced": None,
                    "cards_delivered": 0,
                    "records_collected": 0,
                    "records_verified": 1,
                }
            )
        day += timedelta(days=1)
    return pl.DataFrame(rows), batches


@pytest.fixture
def mini_engine(empty_engine):
    with empty_engine.begin() as conn:
        load_mini_country(conn)
        facts, batches = mini_reports()
        store.write_reports(conn, facts, batches)
    return empty_engine


DEMO_PROVINCES = ["26", "48", "96"]


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory) -> str:
    """URL of a small simulated data set (3 provinces, full period) in a SQLite file, built once."""
    from simulate.demo import build_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}"
    engine = make_engine(url)
    build_demo(engine, seed=11, provinces=DEMO_PROVINCES)
    engine.dispose()
    return url


# --- browser tests: a Streamlit server on the small demo data set, and Debian's Chromium (per module) ---


@pytest.fixture(scope="module")
def server(demo_sqlite, request):
    from tests.browser_support import streamlit_server

    with streamlit_server(demo_sqlite, log_name=f"server-{request.module.__name__.rsplit('.', 1)[-1]}.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from tests.browser_support import chromium

    with chromium() as b:
        yield b


# --- people: who acts in a write (db.access) -------------------------------------------------------------


def person(name: str = "Công an tỉnh A", role: str = "admin", province: str | None = None, user_id: int | None = None):
    """An acting person for the writers (no account row: user_id None unless given). The role decides
    what the writers allow; the name is what batches and the audit log record."""
    from db.access import Actor, Role

    return Actor(user_id=user_id, username=name.lower().replace(" ", "-")[:64], display_name=name, role=Role(role), province_code=province)


def cli_account(engine, username: str, name: str, role: str = "data_team", province: str | None = None) -> str:
    """A real account for `cli.py --as USERNAME`; returns the username."""
    from db import users
    from db.access import operator

    with engine.begin() as conn:
        users.add_user(
            conn, operator("test"), username=username, display_name=name, role=role, province_code=province, password="mot-cum-tu-de-nho-2021"
        )
    return username


def open_page(monkeypatch, url: str, page: str, **params):
    """AppTest of the app on the database at `url`, with `params` in the address, switched to `page`
    (e.g. "app_pages/province.py") and run."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=180)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page)
    return at.run()


def sign_in_apptest(monkeypatch, actor) -> None:
    """AppTest cannot send cookies: make the script's session check (ui.access) find `actor`. The real
    cookie path is tested by signing in, in Chromium (tests/test_access_browser.py)."""
    import ui.access

    monkeypatch.setattr(ui.access, "_from_cookie", lambda raw: actor)
