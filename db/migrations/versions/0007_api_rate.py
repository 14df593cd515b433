"""api rate: each API token's rate-limit bucket in the database, shared by every app process

Revision ID: 0007_api_rate
Revises: 0006_batch_ids_never_reused
Create Date: 2026-12-03

A new table only (plain CREATE TABLE on SQLite too): nothing existing is altered. Before, each app
process kept its own buckets in memory, so behind a proxy with N processes a token got N times its rate.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_api_rate"
down_revision = "0006_batch_ids_never_reused"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_rate",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["api_token.id"], name=op.f("fk_api_rate_token_id_api_token")),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_api_rate")),
    )


def downgrade() -> None:
    op.drop_table("api_rate")
