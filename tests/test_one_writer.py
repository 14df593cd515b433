"""Every write goes through db/: the demo build's clearing and its audit record, history tables generated
from their live tables (the same schema the migrations build), batch ids never reused — SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from db.access import AccessDenied
from db.schema import (
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


@pytest.mark.parametrize("live, history", [(daily_fact, fact_history), (readiness_item, readiness_item_history),
                                           (milestone, milestone_history), (agency_connection, agency_connection_history)])
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
