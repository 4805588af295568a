"""field work: depot repair steps

Revision ID: 0006_field_work
Revises: 0005_time_engine
Create Date: 2026-12-01 05:45:00.000000

Each hand-over of a depot repair (返厂维修) is a row of ticket_depot_steps.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import persistence.types

revision: str = "0006_field_work"
down_revision: str | None = "0005_time_engine"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_depot_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("tracking_number", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_ticket_depot_steps_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_depot_steps_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_depot_steps")),
    )
    with op.batch_alter_table("ticket_depot_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_depot_steps_ticket_id"), ["ticket_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket_depot_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_depot_steps_ticket_id"))
    op.drop_table("ticket_depot_steps")
