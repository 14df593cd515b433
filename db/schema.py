"""SQLAlchemy Core tables for the rollout: units, targets, report facts, batches, history and rollups."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# The five counts every report carries (BRIEF §2), in report order.
COUNT_COLUMNS = (
    "applications_received",
    "cards_produced",
    "cards_delivered",
    "records_collected",
    "records_verified",
)


def history_of(live: Table, name: str, *, columns: tuple[str, ...] | None = None) -> Table:
    """The history table of `live`: the values a later batch replaced, never lost.

    An id; then `live`'s columns (all, or those named in `columns`) in its order with the same names,
    types and nullability — except that its key columns are no longer a key but stay NOT NULL, and no
    defaults or foreign keys are copied, but `batch_id` (the batch that wrote the value) refers to
    import_batch; then which batch replaced the values and when. Indexed on `live`'s key, to find a
    unit's or an item's earlier values.
    """
    kept = [c for c in live.columns if columns is None or c.name in columns]
    if columns is not None and len(kept) != len(columns):
        raise ValueError(f"{live.name} has no column(s) {sorted(set(columns) - {c.name for c in kept})}")
    copies = [
        Column(c.name, c.type, *([ForeignKey("import_batch.id")] if c.name == "batch_id" else []), nullable=c.nullable and not c.primary_key)
        for c in kept
    ]
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        *copies,
        Column("replaced_by_batch_id", Integer, ForeignKey("import_batch.id"), nullable=False),
        Column("replaced_at", DateTime, nullable=False),
        Index(None, *[c.name for c in live.primary_key.columns]),
    )


region = Table(
    "region",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name_vi", String(80), nullable=False),
    Column("name_en", String(80), nullable=False),
    Column("sort_order", Integer, nullable=False),
)

# Provinces, districts and communes of 2020–2021 with GSO codes (2, 3 and 5 digits: never collide).
admin_unit = Table(
    "admin_unit",
    metadata,
    Column("code", String(5), primary_key=True),
    Column("level", String(10), nullable=False),  # province | district | commune
    Column("name", String(120), nullable=False),
    Column("full_name", String(160), nullable=False),
    Column("division_type", String(40), nullable=False),
    Column("parent_code", String(5), ForeignKey("admin_unit.code"), nullable=True),
    Column("province_code", String(2), nullable=False),
    Column("district_code", String(3), nullable=True),
    Column("region_code", String(16), ForeignKey("region.code"), nullable=False),
    Column("iso_code", String(8), nullable=True),
    Column("population", BigInteger, nullable=False),
    Column("eligible_population", BigInteger, nullable=False),
    # Communes under this unit (1 for a commune): the units expected to report each day.
    Column("commune_count", Integer, nullable=False),
    Index(None, "level"),
    Index(None, "parent_code"),
    Index(None, "province_code"),
)

# Assigned quota per unit and metric (province quotas; lower levels apportioned by eligible share).
target = Table(
    "target",
    metadata,
    Column("unit_code", String(5), ForeignKey("admin_unit.code"), primary_key=True),
    Column("metric", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("note", Text, nullable=True),
)

# One row per submitted report file (or simulated province-day report): the audit trail. Ids are never
# reused (AUTOINCREMENT on SQLite; PostgreSQL's sequence never hands one out twice).
import_batch = Table(
    "import_batch",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # simulation | upload | cli
    Column("source_name", String(255), nullable=False),
    Column("content_hash", String(64), nullable=True),
    Column("submitted_by", String(120), nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("province_code", String(2), nullable=True),
    Column("row_count", Integer, nullable=False),
    Column("date_from", Date, nullable=True),
    Column("date_to", Date, nullable=True),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("note", Text, nullable=True),
    # The signed-in person who sent it (app_user.id; no foreign key, see migration 0004); none for the
    # simulation and the server operator's command line without --as (named in submitted_by and the audit log).
    Column("user_id", Integer, nullable=True),
    # How the report gave its counts: daily | cumulative (migration 0008); none for the simulation, a
    # rollback and batches stored before 0008 that were not cumulative. A later cumulative-report day
    # keeps the cumulative it reported when an earlier day's cumulative file arrives late (intake.load).
    Column("value_type", String(16), nullable=True),
    Index(None, "content_hash"),
    Index(None, "province_code", "date_from"),
    sqlite_autoincrement=True,  # an id never comes back after a delete (migration 0006)
)


def _count_columns() -> list[Column]:
    """Daily counts; cards_produced is optional in a report (printing is central)."""
    return [Column(name, Integer, nullable=(name == "cards_produced")) for name in COUNT_COLUMNS]


# Daily increments per reporting unit (a commune, or a district for district-grain reports).
# Millions of rows: no foreign keys and no secondary index, because each costs a B-tree lookup or
# insert per row and the national build is budgeted. db.store is the only writer and writes only
# codes from the register and ids of batches it has just created (tests check both).
daily_fact = Table(
    "daily_fact",
    metadata,
    Column("unit_code", String(5), primary_key=True),
    Column("report_date", Date, primary_key=True),
    *_count_columns(),
    Column("batch_id", Integer, nullable=False),
    # Received after the cut-off hour of the report day (see settings.report_cutoff_hour).
    Column("late", Boolean, nullable=False),
    sqlite_with_rowid=False,
)

# Previous values of facts replaced by a later batch: who/when/which batch, never lost.
fact_history = history_of(daily_fact, "fact_history")

# Every day of the reporting period: the spine that makes rollups dense.
calendar = Table(
    "calendar",
    metadata,
    Column("day", Date, primary_key=True),
)

# Rollup per district and province per day: daily sums, cumulative sums and reporting counts.
# Maintained only by db.store; queries read it so no page scans millions of facts.
unit_day = Table(
    "unit_day",
    metadata,
    Column("unit_code", String(5), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("level", String(10), nullable=False),
    *[Column(name, BigInteger, nullable=False) for name in COUNT_COLUMNS],
    *[Column(f"cum_{name}", BigInteger, nullable=False) for name in COUNT_COLUMNS],
    Column("units_reported", Integer, nullable=False),
    Column("units_on_time", Integer, nullable=False),
    Column("units_expected", Integer, nullable=False),
    Index(None, "level", "day"),
    sqlite_with_rowid=False,
)

# Facts about the loaded data set: simulated or real, seed, build time, reporting period.
dataset_info = Table(
    "dataset_info",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

# Events drawn on trend charts (Tết, COVID-19 disruptions, the deadline...), kept and edited by the
# data team. A range has day_to; a single day (a deadline) has none. `provinces` lists the GSO codes
# an event concerns (comma-separated), none meaning the whole country. Deleting only marks the row
# (deleted_by/deleted_at), so who changed what and when is never lost.
annotation = Table(
    "annotation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("day_from", Date, nullable=False),
    Column("day_to", Date, nullable=True),
    Column("label_vi", String(120), nullable=False),
    Column("kind", String(16), nullable=False),  # holiday | disruption | deadline | other
    Column("provinces", String(255), nullable=True),
    Column("created_by", String(120), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_by", String(120), nullable=True),
    Column("updated_at", DateTime, nullable=True),
    Column("deleted_by", String(120), nullable=True),
    Column("deleted_at", DateTime, nullable=True),
    Index(None, "day_from"),
)

# --- deployment readiness and data-sharing connections (the steering committee's other agenda) ------
# Current values carry the batch (and so the submitter) that wrote them; each *_history table keeps
# the values a later batch replaced, with that batch and when, so no change is ever lost. Written only
# through intake.readiness (file, form, or the simulation).

# Per province and readiness item (equipment_sets | transmission_lines | staff_trained | mobile_teams):
# quantity planned and done, the planned date, and done_date = the day by which `done` was reached.
readiness_item = Table(
    "readiness_item",
    metadata,
    Column("province_code", String(2), ForeignKey("admin_unit.code"), primary_key=True),
    Column("item", String(24), primary_key=True),
    Column("planned", Integer, nullable=False),
    Column("done", Integer, nullable=False),
    Column("planned_date", Date, nullable=True),
    Column("done_date", Date, nullable=True),
    Column("batch_id", Integer, ForeignKey("import_batch.id"), nullable=False),
    Column("updated_by", String(120), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

readiness_item_history = history_of(readiness_item, "readiness_item_history")

# Per province and milestone (collection_started | collection_finished | db_connected): the day it
# was reached; no day = not reached yet.
milestone = Table(
    "milestone",
    metadata,
    Column("province_code", String(2), ForeignKey("admin_unit.code"), primary_key=True),
    Column("kind", String(24), primary_key=True),
    Column("day", Date, nullable=True),
    Column("batch_id", Integer, ForeignKey("import_batch.id"), nullable=False),
    Column("updated_by", String(120), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

milestone_history = history_of(milestone, "milestone_history")

# Ministries and government agencies and their connection to the National Population Database.
# The list is reference data (db/data/agencies.csv, loaded by db.reference); a row with no batch
# is still as the list left it (not connected).
agency_connection = Table(
    "agency_connection",
    metadata,
    Column("agency_code", String(16), primary_key=True),
    Column("name_vi", String(160), nullable=False),
    Column("kind", String(16), nullable=False),  # ministry (bộ, cơ quan ngang bộ) | agency (cơ quan thuộc Chính phủ)
    Column("sort_order", Integer, nullable=False),
    Column("status", String(16), nullable=False, server_default="not_connected"),  # connected | testing | not_connected
    Column("connected_on", Date, nullable=True),
    Column("batch_id", Integer, ForeignKey("import_batch.id"), nullable=True),
    Column("updated_by", String(120), nullable=True),
    Column("updated_at", DateTime, nullable=True),
)

agency_connection_history = history_of(
    agency_connection,
    "agency_connection_history",
    columns=("agency_code", "status", "connected_on", "batch_id", "updated_by", "updated_at"),  # not the list's own fields
)

# --- access: people, their sessions and what they did (docs/access.md) --------------------------------

# Everyone who may sign in. Local accounts carry an argon2id password hash; single sign-on accounts an
# identity (the provider's e-mail or subject) instead or as well. The role and, for provincial teams,
# the province decide what the person may change (db.access).
app_user = Table(
    "app_user",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(120), nullable=False),
    Column("role", String(16), nullable=False),  # viewer | province | data_team | admin
    Column("province_code", String(2), ForeignKey("admin_unit.code"), nullable=True),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("password_hash", String(255), nullable=True),
    Column("sso_identity", String(255), nullable=True, unique=True),
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime, nullable=True),
    Column("last_sign_in_at", DateTime, nullable=True),
    Column("created_by", String(120), nullable=False),
    Column("created_at", DateTime, nullable=False),
    sqlite_autoincrement=True,
)

# Signed-in browsers. The cookie carries a random token; only its SHA-256 is stored, so a copy of
# this table signs nobody in. Ending a session (sign-out, disabled account, new password) sets ended_at.
user_session = Table(
    "user_session",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=True),
    Column("client", String(64), nullable=True),
    Index(None, "user_id"),
)

# Every write and every sign-in, failed sign-in and sign-out: who (a user id where there is one; the
# name as it was then), what, which province, when, from where. Never a password, token or cookie.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=True),
    Column("actor", String(120), nullable=False),
    Column("action", String(32), nullable=False),
    Column("province_code", String(2), nullable=True),
    Column("target", String(255), nullable=True),
    Column("detail", Text, nullable=True),
    Column("client", String(64), nullable=True),
    Index(None, "at"),
    Index(None, "user_id"),
    Index(None, "action", "client"),
    sqlite_autoincrement=True,
)

# --- the HTTP API (docs/api.md) ------------------------------------------------------------------------

# API tokens: each acts as its account (role and province). The token is 32 random bytes shown once;
# only its SHA-256 is kept (a hash this fast is enough for a secret that cannot be guessed — no
# dictionary to try, unlike a password), with a short prefix to recognise it in lists.
api_token = Table(
    "api_token",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(120), nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("last_used_at", DateTime, nullable=True),
    Column("revoked_at", DateTime, nullable=True),
    Column("revoked_by", String(120), nullable=True),
    Index(None, "user_id"),
    sqlite_autoincrement=True,
)

# Each API token's rate-limit bucket (web/api.py): how many calls it may make at once (`level`, refilled
# over time up to the burst) as of `updated_at` (seconds since the epoch). In the database, so every app
# process behind the proxy draws on the same bucket.
api_rate = Table(
    "api_rate",
    metadata,
    Column("token_id", Integer, ForeignKey("api_token.id"), primary_key=True),
    Column("level", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# The answer given to a report sent with an Idempotency-Key, per token: the same key and body again
# get the same answer without a second import.
api_idempotency = Table(
    "api_idempotency",
    metadata,
    Column("token_id", Integer, ForeignKey("api_token.id"), primary_key=True),
    Column("idem_key", String(128), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)
