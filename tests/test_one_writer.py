"""Every write goes through db/: the demo build's clearing and its audit record, history tables generated
from their live tables (the same schema the migrations build), batch ids never reused — SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, func, insert, select

from db import migrate
from db.access import AccessDenied
from db.engine import make_engine
from db.schema import (
    COUNT_COLUMNS,
    agency_connection,
    agency_connection_history,
    audit_log,
    daily_fact,
    fact_history,
    import_batch,
    metadata,
    milestone,
    milestone_history,
    readiness_item,
    readiness_item_history,
)
from simulate.demo import build_demo
from tests.conftest import person


def _counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (import_batch, daily_fact, audit_log))


def test_the_demo_build_is_refused_to_a_province_and_audited_for_the_operator(empty_engine):
    with pytest.raises(AccessDenied):
        build_demo(empty_engine, seed=3, provinces=["96"], actor=person("Cán bộ Cà Mau", role="province", province="96"))
    assert _counts(empty_engine) == (0, 0, 0)
    build = build_demo(empty_engine, seed=3, provinces=["96"])
    with empty_engine.connect() as conn:
        logged = conn.execute(select(audit_log.c.actor, audit_log.c.action, audit_log.c.target, audit_log.c.detail)).all()
    assert len(logged) == 1
    actor, action, target, detail = logged[0]
    assert actor.startswith("os:") and action == "demo_build" and target == "seed 3"
    assert json.loads(detail) == {"provinces": "96", "rows": build.rows, "batches": build.batches}
    # A second build replaces the first whole: same reports, one more record.
    build_demo(empty_engine, seed=3, provinces=["96"], actor=person("C06", role="data_team"))
    _, facts, audits = _counts(empty_engine)
    assert facts == build.rows and audits == 2


# --- history tables generated from their live tables ------------------------------------------------------


def test_the_tables_in_code_are_the_tables_the_migrations_build(empty_engine):
    """Generating each *_history table from its live table changed nothing: alembic finds no difference
    (columns, types, nullability, keys, indexes) between db.schema and the migrated database."""
    with empty_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


@pytest.mark.parametrize(
    "live, history",
    [
        (daily_fact, fact_history),
        (readiness_item, readiness_item_history),
        (milestone, milestone_history),
        (agency_connection, agency_connection_history),
    ],
)
def test_a_history_table_keeps_its_live_tables_columns_with_who_replaced_them(live, history):
    kept = [c.name for c in history.columns][1:-2]
    assert [c.name for c in history.columns] == ["id", *kept, "replaced_by_batch_id", "replaced_at"]
    assert [c.name for c in live.columns if c.name in kept] == kept
    for name in kept:
        assert repr(history.c[name].type) == repr(live.c[name].type)
        assert history.c[name].nullable == (live.c[name].nullable and not live.c[name].primary_key)
    assert history.c.id.primary_key and not any(history.c[name].primary_key for name in kept)
    assert [list(ix.columns.keys()) for ix in history.indexes] == [[c.name for c in live.primary_key.columns]]
    assert {fk.parent.name for fk in history.foreign_keys} == {"batch_id", "replaced_by_batch_id"}


# --- batch ids never reused (migration 0006) --------------------------------------------------------------


def _new_batch(conn, name: str) -> int:
    return conn.execute(
        insert(import_batch).returning(import_batch.c.id),
        {
            "kind": "cli",
            "source_name": name,
            "submitted_by": "test",
            "received_at": datetime(2021, 6, 1, 9),
            "row_count": 0,
        },
    ).scalar_one()


def _delete_batch(engine, batch_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(delete(import_batch).where(import_batch.c.id == batch_id))


def test_the_id_of_a_deleted_batch_is_never_given_again(empty_engine):
    with empty_engine.begin() as conn:
        ids = [_new_batch(conn, f"{i}.csv") for i in range(3)]
    _delete_batch(empty_engine, ids[-1])
    with empty_engine.begin() as conn:
        again = _new_batch(conn, "again.csv")
    assert again > ids[-1]
    _delete_batch(empty_engine, again)
    with empty_engine.begin() as conn:
        assert _new_batch(conn, "third.csv") > again


# import_batch's columns before migration 0008 added value_type.
_BEFORE_0008 = [c for c in import_batch.c if c.name != "value_type"]


def _sqlite_schema(conn) -> str:
    return conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'import_batch'").scalar_one()


def test_upgrading_a_populated_sqlite_database_keeps_every_batch_and_what_refers_to_it(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    migrate.upgrade(engine, "0004_access")
    with engine.begin() as conn:
        ids = [_new_batch(conn, f"{i}.csv") for i in range(3)]
        conn.execute(
            insert(fact_history),
            [
                {
                    "unit_code": "00001",
                    "report_date": date(2021, 6, 1),
                    **dict.fromkeys(COUNT_COLUMNS, 1),
                    "batch_id": ids[0],
                    "late": False,
                    "replaced_by_batch_id": ids[1],
                    "replaced_at": datetime(2021, 6, 2, 9),
                }
            ],
        )
        before = conn.execute(select(*_BEFORE_0008).order_by(import_batch.c.id)).all()
        assert "AUTOINCREMENT" not in _sqlite_schema(conn)
    migrate.upgrade(engine)  # 0005, then 0006 in the transaction 0005's version update opened
    with engine.connect() as conn:
        assert conn.execute(select(*_BEFORE_0008).order_by(import_batch.c.id)).all() == before
        assert [r.value_type for r in conn.execute(select(import_batch.c.value_type))] == ["daily"] * 3  # 0008: file batches
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert "AUTOINCREMENT" in _sqlite_schema(conn)
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata) == []
        assert not conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name LIKE 'tmp_0006%'").all()
    _delete_batch(engine, ids[-1])
    with engine.begin() as conn:
        assert _new_batch(conn, "after.csv") > ids[-1]
    # Down to 0005 and up again (0006 alone, outside any open transaction): the rows stay.
    migrate.downgrade(engine, "0005_api_tokens")
    with engine.connect() as conn:
        assert "AUTOINCREMENT" not in _sqlite_schema(conn) and conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert "AUTOINCREMENT" in _sqlite_schema(conn)
        assert [r.id for r in conn.execute(select(import_batch.c.id).order_by(import_batch.c.id))] == [ids[0], ids[1], ids[-1] + 1]
    engine.dispose()
