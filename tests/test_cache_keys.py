"""Every cached accessor is keyed on (database, data version): two databases in one process with the same
newest batch id never answer from each other's cache, and a new batch is a new version (issue 17, item 4)."""

from __future__ import annotations

from sqlalchemy import update

from db.schema import admin_unit
from tests.conftest import load_mini_country, migrated_engine
from ui import data


def test_two_databases_with_the_same_newest_batch_do_not_share_a_cache(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with migrated_engine("sqlite", tmp_path / "a") as a, migrated_engine("sqlite", tmp_path / "b") as b:
        for engine, name in ((a, "Tỉnh A"), (b, "Tỉnh A (cơ sở dữ liệu B)")):
            with engine.begin() as conn:
                load_mini_country(conn)
                conn.execute(update(admin_unit).where(admin_unit.c.code == "01").values(name=name))
        versions, names = [], []
        for engine in (a, b):
            monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
            versions.append(data.data_version())
            names.append(data.province_names(versions[-1])["01"])
    assert versions[0].endswith(":0") and versions[1].endswith(":0")  # no batch in either
    assert versions[0] != versions[1]
    assert names == ["Tỉnh A", "Tỉnh A (cơ sở dữ liệu B)"]


def test_the_database_part_names_no_password():
    key = data._database_key("postgresql+psycopg://cccd:mat-khau-bi-mat@db.bocongan.vn:5432/cccd")
    assert "mat-khau" not in key and len(key) == 12
