"""Build the simulated data set into a database: schema, register, quotas, then every report via db.store."""

from __future__ import annotations

import getpass
import time
from dataclasses import dataclass
from datetime import datetime

import polars as pl
from sqlalchemy import Engine, select

from db import audit, migrate, reference, store
from db.access import Actor, operator
from db.schema import admin_unit
from simulate.memory import keep_freed_memory
from simulate.readiness import write_simulated_readiness
from simulate.rollout import simulate


@dataclass(frozen=True)
class DemoBuild:
    seed: int
    rows: int
    batches: int
    seconds_simulate: float
    seconds_write: float


def server_operator() -> Actor:
    """Who rebuilds when no one is named: the operating-system user running it, as the server's operator."""
    try:
        return operator(getpass.getuser())
    except (KeyError, OSError):
        return operator("simulate")


def clear_reports(conn, actor: Actor | None = None) -> None:
    """Remove every report, readiness update, batch, history row and rollup (the register and quotas
    stay), as `actor` (default: the server's operator)."""
    store.clear_reports(conn, actor=actor or server_operator())


def stored_units(conn, provinces: list[str] | None = None) -> pl.DataFrame:
    stmt = select(admin_unit)
    if provinces:
        stmt = stmt.where(admin_unit.c.province_code.in_(provinces))
    rows = conn.execute(stmt).mappings().all()
    return pl.DataFrame([dict(r) for r in rows])


def build_demo(engine: Engine, *, seed: int = 2021, provinces: list[str] | None = None, actor: Actor | None = None) -> DemoBuild:
    """Replace all reports with the simulated rollout for `seed` (optionally only some provinces), as
    `actor` (default: the server's operator; AccessDenied, before anything is simulated, for a role that
    may not replace every report), audited as one "demo_build"."""
    actor = actor or server_operator()
    store.require_rebuild(actor)
    keep_freed_memory()
    migrate.upgrade(engine)
    with engine.begin() as conn:
        reference.load_reference(conn)
        units = stored_units(conn, provinces)
    t0 = time.perf_counter()
    sim = simulate(units, seed=seed)
    t1 = time.perf_counter()
    with engine.begin() as conn:
        clear_reports(conn, actor)
        store.write_reports(conn, sim.facts, sim.batches, full_refresh=True)
        # Readiness is read off the reports just written, and written through the readiness intake.
        write_simulated_readiness(conn, seed=seed, provinces=provinces)
        info = {
            "simulated": "1",
            # Simulated data may be read without signing in (queries.dataset.public_read_of); writes never.
            "public_read": "1",
            "seed": str(seed),
            "built_at": datetime.now().replace(microsecond=0).isoformat(),
            "provinces": ",".join(provinces) if provinces else "all",
            "anomalies": sim.anomalies.with_columns(pl.col("report_date").cast(pl.String)).write_json(),
        }
        store.write_dataset_info(conn, info)
        audit.record(
            conn,
            actor,
            "demo_build",
            target=f"seed {seed}",
            detail={"provinces": info["provinces"], "rows": sim.facts.height, "batches": len(sim.batches)},
        )
    if engine.dialect.name == "postgresql":
        # Fresh tables have no statistics (and autovacuum may be off): plan queries on real counts.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    t2 = time.perf_counter()
    return DemoBuild(seed, sim.facts.height, len(sim.batches), t1 - t0, t2 - t1)
