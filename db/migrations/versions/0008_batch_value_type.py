"""batch value type: how each report batch gave its counts (daily or cumulative)

Revision ID: 0008_batch_value_type
Revises: 0007_api_rate
Create Date: 2026-12-03

A nullable column added (plain ALTER TABLE ADD COLUMN on SQLite too). When an earlier day's cumulative
file arrives late, a later day that was itself reported as a cumulative count is restated so that it
keeps the cumulative it reported (intake.load); this column says which days those are. Batches stored
before: a cumulative file's batch carried the note below (intake.load wrote it), every other file
batch was daily; the simulation's and rollbacks' batches stay empty.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_batch_value_type"
down_revision = "0007_api_rate"
branch_labels = None
depends_on = None

CUMULATIVE_NOTE = "Số liệu lũy kế, đã quy đổi thành số theo ngày."


def upgrade() -> None:
    op.add_column("import_batch", sa.Column("value_type", sa.String(length=16), nullable=True))
    batch = sa.table("import_batch", sa.column("kind", sa.String), sa.column("note", sa.Text), sa.column("value_type", sa.String))
    op.execute(batch.update().where(batch.c.note == CUMULATIVE_NOTE).values(value_type="cumulative"))
    op.execute(batch.update().where(batch.c.value_type.is_(None), batch.c.kind.in_(["upload", "cli", "api"])).values(value_type="daily"))


def downgrade() -> None:
    op.drop_column("import_batch", "value_type")
