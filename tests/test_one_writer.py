"""Every write goes through db/: the demo build's clearing and its audit record, history tables generated
from their live tables (the same schema the migrations build), batch ids never reused — SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from db.access import AccessDenied
from db.schema import audit_log, daily_fact, import_batch
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
