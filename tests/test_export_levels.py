"""`cli.py export progress` at every level (issue 16, item 6): communes without --province are every commune
of the country, written province by province (never the whole country in memory). Mini country on SQLite
and PostgreSQL with hand-computed expectations (tests/conftest.py), and the simulated register's 10,603
communes on SQLite."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli import app
from db.engine import make_engine
from db.schema import admin_unit
from queries import export
from tests.test_intake import csv_file, run

runner = CliRunner()
AS_OF = "2021-06-15"


def export_rows(monkeypatch, url: str, *args: str) -> pl.DataFrame:
    monkeypatch.setenv("DATABASE_URL", url)
    result = runner.invoke(app, ["export", "progress", "--as-of", AS_OF, *args])
    assert result.exit_code == 0, result.output
    return pl.read_csv(io.StringIO(result.stdout), schema_overrides={"code": pl.String})


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        # Applications by 15/06: A 450 (00001 150 + 00002 300), B 520, C 675 (00004 450 + 00005 225).
        ("national", [("VN", 1645)]),
        ("region", [("TN", 675), ("DBSH", 970)]),  # by rank: 67.5% of 1,000 eligible, then 970 of 3,000
        ("province", [("03", 675), ("02", 520), ("01", 450)]),
        ("district", [("003", 675), ("002", 520), ("001", 450)]),
        # Communes: province by province in code order, ranked within the province (eligible: 1,000 / 500 each).
        ("commune", [("00002", 300), ("00001", 150), ("00003", 520), ("00004", 450), ("00005", 225)]),
    ],
)
def test_every_level_exports_the_whole_country(monkeypatch, mini_engine, level, expected):
    frame = export_rows(monkeypatch, url_of(mini_engine), "--level", level)
    assert frame.select("code", "cumulative").rows() == expected
    if level == "commune":
        assert frame["rank"].to_list() == [1, 2, 1, 1, 2]
        assert frame["reported_at_district"].to_list() == [False] * 5


def test_the_country_export_of_communes_is_the_province_exports_joined(monkeypatch, mini_engine):
    url = url_of(mini_engine)
    country = export_rows(monkeypatch, url, "--level", "commune", "--metric", "cards_delivered", "--denominator", "target")
    parts = [
        export_rows(monkeypatch, url, "--level", "commune", "--metric", "cards_delivered", "--denominator", "target", "--province", p)
        for p in ("01", "02", "03")
    ]
    assert country.equals(pl.concat(parts))


def test_communes_of_a_district_reported_as_a_whole_are_marked_not_zero(monkeypatch, mini_engine):
    accepted = run(mini_engine, csv_file([["15/06/2021", "02", "002", "", 25, 0, 0, 1]]))  # B's missing last day, as a whole district
    assert accepted.status == "accepted", [p.message() for p in accepted.problems]
    frame = export_rows(monkeypatch, url_of(mini_engine), "--level", "commune")
    b1a = frame.filter(pl.col("code") == "00003").row(0, named=True)
    assert b1a["reported_at_district"] is True
    assert [b1a[k] for k in ("cumulative", "coverage", "pace", "status", "rank")] == [None] * 5
    assert b1a["completeness"] == 1.0
    # … while the district, province and nation count the row exactly: 520 + 25.
    provinces = export_rows(monkeypatch, url_of(mini_engine), "--level", "province")
    assert provinces.filter(pl.col("code") == "02")["cumulative"].item() == 545


def test_the_country_export_is_written_one_province_at_a_time(mini_engine, monkeypatch):
    calls: list[tuple[str | None, int]] = []
    real = export.progress

    def counting(conn, **kwargs):
        frame = real(conn, **kwargs)
        calls.append((kwargs.get("province"), frame.height))
        return frame

    monkeypatch.setattr(export, "progress", counting)
    with mini_engine.connect() as conn:
        parts = export.progress_csv_parts(conn, level="commune", as_of=date(2021, 6, 15), metric="applications_received", denominator="eligible")
        first = next(parts)
        assert calls == [("01", 2)]  # nothing of the next province is read before this part is written
        rest = list(parts)
    assert calls == [("01", 2), ("02", 1), ("03", 2)]
    assert first.startswith("code,name,") and not any(p.startswith("code,") for p in rest)
    assert sum(p.count("\n") for p in [first, *rest]) == 1 + 5


def test_the_simulated_country_exports_every_commune(monkeypatch, demo_sqlite):
    with make_engine(demo_sqlite).connect() as conn:
        communes = conn.execute(select(func.count()).where(admin_unit.c.level == "commune")).scalar_one()
        provinces = conn.execute(select(admin_unit.c.code).where(admin_unit.c.level == "province").order_by(admin_unit.c.code)).scalars().all()
    frame = export_rows(monkeypatch, demo_sqlite, "--level", "commune")
    assert frame.height == communes and frame["code"].n_unique() == communes
    assert communes > 10_000 and len(provinces) == 63
    # Da Nang's communes are the one-province export's, in the same order with the same numbers.
    da_nang = export_rows(monkeypatch, demo_sqlite, "--level", "commune", "--province", "48")
    assert frame.filter(pl.col("code").is_in(da_nang["code"].to_list())).equals(da_nang)


@pytest.mark.parametrize("level", ["national", "region", "province", "district"])
def test_an_as_of_day_before_the_first_report_exports_zeros_not_a_crash(monkeypatch, mini_engine, level):
    """The API's fuzz run found this: no rollup rows on that day left the join without types."""
    monkeypatch.setenv("DATABASE_URL", mini_engine.url.render_as_string(hide_password=False))
    out = CliRunner().invoke(app, ["export", "progress", "--level", level, "--as-of", "2021-05-01"])
    assert out.exit_code == 0, out.output
    frame = pl.read_csv(io.StringIO(out.output), schema_overrides={"code": pl.String})
    assert frame.height == {"national": 1, "region": 2, "province": 3, "district": 3}[level]
    assert frame["cumulative"].to_list() == [0] * frame.height and frame["reporting_incomplete"].all()


def test_an_unknown_province_exports_a_header_and_no_rows(monkeypatch, mini_engine):
    """Empty results are typed from their query (the API fuzz run found a 500 here)."""
    monkeypatch.setenv("DATABASE_URL", mini_engine.url.render_as_string(hide_password=False))
    for level in ("district", "commune"):
        out = CliRunner().invoke(app, ["export", "progress", "--level", level, "--province", "99", "--as-of", "2021-06-15"])
        assert out.exit_code == 0, out.output
        assert out.output.splitlines()[0].startswith("code,name,cumulative") and len(out.output.splitlines()) == 1
