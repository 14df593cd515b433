"""readiness: deployment readiness items, milestones and ministry/agency connections, with history

Revision ID: 0003_readiness
Revises: 0002_annotation
Create Date: 2026-11-28

Tables only; the ministry/agency list is reference data loaded by db.reference.load_agencies
(init-db, demo), so a database upgraded here gets it at the next `python cli.py init-db`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_readiness"
down_revision = "0002_annotation"
branch_labels = None
depends_on = None


def _who_and_when(nullable: bool) -> list[sa.Column]:
    return [
        sa.Column("batch_id", sa.Integer(), nullable=nullable),
        sa.Column("updated_by", sa.String(length=120), nullable=nullable),
        sa.Column("updated_at", sa.DateTime(), nullable=nullable),
    ]


def _replaced() -> list[sa.Column]:
    return [
        sa.Column("replaced_by_batch_id", sa.Integer(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=False),
    ]


def _batch_fks(table: str, *, replaced: bool) -> list[sa.ForeignKeyConstraint]:
    fks = [sa.ForeignKeyConstraint(["batch_id"], ["import_batch.id"], name=op.f(f"fk_{table}_batch_id_import_batch"))]
    if replaced:
        fks.append(sa.ForeignKeyConstraint(["replaced_by_batch_id"], ["import_batch.id"], name=op.f(f"fk_{table}_replaced_by_batch_id_import_batch")))
    return fks


def upgrade() -> None:
    op.create_table(
        "readiness_item",
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("item", sa.String(length=24), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("done_date", sa.Date(), nullable=True),
        *_who_and_when(False),
        sa.ForeignKeyConstraint(["province_code"], ["admin_unit.code"], name=op.f("fk_readiness_item_province_code_admin_unit")),
        *_batch_fks("readiness_item", replaced=False),
        sa.PrimaryKeyConstraint("province_code", "item", name=op.f("pk_readiness_item")),
    )
    op.create_table(
        "readiness_item_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("item", sa.String(length=24), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("done_date", sa.Date(), nullable=True),
        *_who_and_when(False),
        *_replaced(),
        *_batch_fks("readiness_item_history", replaced=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readiness_item_history")),
    )
    op.create_table(
        "milestone",
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        *_who_and_when(False),
        sa.ForeignKeyConstraint(["province_code"], ["admin_unit.code"], name=op.f("fk_milestone_province_code_admin_unit")),
        *_batch_fks("milestone", replaced=False),
        sa.PrimaryKeyConstraint("province_code", "kind", name=op.f("pk_milestone")),
    )
    op.create_table(
        "milestone_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        *_who_and_when(False),
        *_replaced(),
        *_batch_fks("milestone_history", replaced=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_history")),
    )
    op.create_table(
        "agency_connection",
        sa.Column("agency_code", sa.String(length=16), nullable=False),
        sa.Column("name_vi", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="not_connected", nullable=False),
        sa.Column("connected_on", sa.Date(), nullable=True),
        *_who_and_when(True),
        *_batch_fks("agency_connection", replaced=False),
        sa.PrimaryKeyConstraint("agency_code", name=op.f("pk_agency_connection")),
    )
    op.create_table(
        "agency_connection_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency_code", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("connected_on", sa.Date(), nullable=True),
        *_who_and_when(True),
        *_replaced(),
        *_batch_fks("agency_connection_history", replaced=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_connection_history")),
    )
    for table, columns in (
        ("readiness_item_history", ["province_code", "item"]),
        ("milestone_history", ["province_code", "kind"]),
        ("agency_connection_history", ["agency_code"]),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{'_'.join(columns)}"), columns, unique=False)


def downgrade() -> None:
    for table, columns in (
        ("agency_connection_history", ["agency_code"]),
        ("milestone_history", ["province_code", "kind"]),
        ("readiness_item_history", ["province_code", "item"]),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{'_'.join(columns)}"))
    for table in ("agency_connection_history", "agency_connection", "milestone_history", "milestone", "readiness_item_history", "readiness_item"):
        op.drop_table(table)
