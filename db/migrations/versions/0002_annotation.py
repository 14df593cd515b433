"""annotation: events on trend charts (Tết, COVID-19 disruptions, the deadline), with default rows

Revision ID: 0002_annotation
Revises: 0001
Create Date: 2026-11-28

The default rows are written here, once, when the table is created: every database that reaches
this revision (init-db, demo, an upgraded production database) starts with them, and the data team
may then edit or delete them without a later init-db bringing them back. They are literal copies
of BRIEF §4 (the dates the simulation uses, simulate/anchors.py), frozen with the migration.
"""

from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002_annotation"
down_revision = "0001"
branch_labels = None
depends_on = None

SOUTH = "79,74,75,92,70,72,77,82,80,86,87,83,93,89,95,94,84,96,91"
DEFAULT_EVENTS = [
    # day_from, day_to, label_vi, kind, provinces
    (date(2021, 2, 10), date(2021, 2, 16), "Tết Tân Sửu", "holiday", None),
    (date(2021, 2, 16), date(2021, 3, 2), "Hải Dương giãn cách", "disruption", "30"),
    (date(2021, 5, 15), date(2021, 6, 30), "Bắc Giang, Bắc Ninh giãn cách", "disruption", "24,27"),
    (date(2021, 7, 1), None, "Hạn chót 01/07/2021", "deadline", None),
    (date(2021, 7, 9), date(2021, 9, 30), "TP.HCM, phía Nam giãn cách", "disruption", SOUTH),
    (date(2021, 7, 24), date(2021, 9, 6), "Hà Nội giãn cách", "disruption", "01"),
]
DEFAULT_AUTHOR = "hệ thống (mặc định)"


def upgrade() -> None:
    table = op.create_table(
        "annotation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day_from", sa.Date(), nullable=False),
        sa.Column("day_to", sa.Date(), nullable=True),
        sa.Column("label_vi", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("provinces", sa.String(length=255), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_by", sa.String(length=120), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation")),
    )
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_annotation_day_from"), ["day_from"], unique=False)
    now = datetime.now().replace(microsecond=0)
    op.bulk_insert(
        table,
        [
            {
                "day_from": start,
                "day_to": end,
                "label_vi": label,
                "kind": kind,
                "provinces": provinces,
                "created_by": DEFAULT_AUTHOR,
                "created_at": now,
            }
            for start, end, label, kind, provinces in DEFAULT_EVENTS
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annotation_day_from"))
    op.drop_table("annotation")
