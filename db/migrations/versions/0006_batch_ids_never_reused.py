"""batch ids never reused: import_batch.id AUTOINCREMENT on SQLite

Revision ID: 0006_batch_ids_never_reused
Revises: 0005_api_tokens
Create Date: 2026-12-02

Without AUTOINCREMENT, SQLite gives the next batch the id of the newest one if that was deleted; caches,
the audit log and people name batches by id, so an id must never come back. SQLite cannot add
AUTOINCREMENT to a table, so import_batch is rebuilt with the same columns, defaults and indexes and
every row keeps its id. Other tables refer to it and foreign keys are on — and cannot be switched off
inside the migration's transaction — so the checks are deferred to the commit, the rows go back in
after the rebuild (which satisfies every reference again; the commit would fail otherwise), and
temporary indexes on the referring columns keep those checks to index look-ups on a large database.
PostgreSQL: nothing to do (a SERIAL column's sequence never hands out an id twice).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_batch_ids_never_reused"
down_revision = "0005_api_tokens"
branch_labels = None
depends_on = None

_COLUMNS = (
    "id",
    "kind",
    "source_name",
    "content_hash",
    "submitted_by",
    "received_at",
    "province_code",
    "row_count",
    "date_from",
    "date_to",
    "status",
    "note",
    "user_id",
)


def _import_batch(name: str, *, autoincrement: bool) -> None:
    """import_batch as migrations 0001 and 0004 built it, under `name`."""
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("submitted_by", sa.String(length=120), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=True),
        sa.Column("date_to", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
        sqlite_autoincrement=autoincrement,
    )


def _rebuild(*, autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if not bind.connection.driver_connection.in_transaction:
        bind.exec_driver_sql("BEGIN")  # deferred checks last until the commit, so all of this is one transaction
    bind.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    referring = bind.exec_driver_sql(
        'SELECT m.name, f."from" FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f '
        "WHERE m.type = 'table' AND f.\"table\" = 'import_batch' ORDER BY m.name, f.\"from\""
    ).all()
    for i, (table, column) in enumerate(referring):
        bind.exec_driver_sql(f'CREATE INDEX "tmp_0006_{i}" ON "{table}" ("{column}")')
    columns = ", ".join(_COLUMNS)
    bind.exec_driver_sql(f"CREATE TEMPORARY TABLE import_batch_rows AS SELECT {columns} FROM import_batch")
    _import_batch("import_batch_rebuilt", autoincrement=autoincrement)
    op.drop_table("import_batch")  # its indexes go with it
    op.rename_table("import_batch_rebuilt", "import_batch")
    bind.exec_driver_sql(f"INSERT INTO import_batch ({columns}) SELECT {columns} FROM import_batch_rows ORDER BY id")
    bind.exec_driver_sql("DROP TABLE import_batch_rows")
    op.create_index(op.f("ix_import_batch_content_hash"), "import_batch", ["content_hash"], unique=False)
    op.create_index(op.f("ix_import_batch_province_code_date_from"), "import_batch", ["province_code", "date_from"], unique=False)
    for i in range(len(referring)):
        bind.exec_driver_sql(f'DROP INDEX "tmp_0006_{i}"')


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
