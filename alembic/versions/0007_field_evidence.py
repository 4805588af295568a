"""field evidence and charges

Revision ID: 0007_field_evidence
Revises: 0006_field_work
Create Date: 2026-12-01 07:02:29.324297

Attachments (photos, documents, signatures) of tickets; the charge lines a ticket
keeps (labour, travel, other) with the rate in force; charge rates in the service
settings (100 and 150 an hour, 002 售后服务说明书); on tickets the signature, the
defect code, the estimate, the confirmed statement total and the warranty extension.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import persistence.types

revision: str = "0007_field_evidence"
down_revision: str | None = "0006_field_work"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("work_record_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=200), nullable=True),
        sa.Column("taken_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_attachments_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["work_record_id"],
            ["ticket_work_records.id"],
            name=op.f("fk_attachments_work_record_id_ticket_work_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_attachments_storage_key")),
        sa.UniqueConstraint("thumbnail_key", name=op.f("uq_attachments_thumbnail_key")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "ticket_charges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("work_record_id", sa.Integer(), nullable=True),
        sa.Column("check_in_id", sa.Integer(), nullable=True),
        sa.Column("created_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["ticket_check_ins.id"],
            name=op.f("fk_ticket_charges_check_in_id_ticket_check_ins"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_charges_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["work_record_id"],
            ["ticket_work_records.id"],
            name=op.f("fk_ticket_charges_work_record_id_ticket_work_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_charges")),
        sa.UniqueConstraint("check_in_id", name=op.f("uq_ticket_charges_check_in_id")),
        sa.UniqueConstraint("work_record_id", name=op.f("uq_ticket_charges_work_record_id")),
    )
    with op.batch_alter_table("ticket_charges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_charges_ticket_id"), ["ticket_id"], unique=False
        )

    with op.batch_alter_table("service_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "own_device_hourly",
                sa.Numeric(precision=14, scale=2),
                nullable=False,
                server_default="100.00",
            )
        )
        batch_op.add_column(
            sa.Column(
                "other_device_hourly",
                sa.Numeric(precision=14, scale=2),
                nullable=False,
                server_default="150.00",
            )
        )
        batch_op.add_column(
            sa.Column(
                "travel_fee",
                sa.Numeric(precision=14, scale=2),
                nullable=False,
                server_default="0.00",
            )
        )

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signer_name", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("signed_at", persistence.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("defect_code", sa.String(length=50), nullable=True))
        batch_op.add_column(
            sa.Column("estimate_amount", sa.Numeric(precision=14, scale=2), nullable=True)
        )
        batch_op.add_column(sa.Column("estimate_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("estimate_status", sa.String(length=10), nullable=True))
        batch_op.add_column(
            sa.Column(
                "estimate_sent_at", persistence.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "estimate_answered_at", persistence.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("estimate_answered_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("estimate_on_behalf", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("charges_confirmed_total", sa.Numeric(precision=14, scale=2), nullable=True)
        )
        batch_op.add_column(sa.Column("warranty_extended_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("warranty_extended_days")
        batch_op.drop_column("charges_confirmed_total")
        batch_op.drop_column("estimate_on_behalf")
        batch_op.drop_column("estimate_answered_by_id")
        batch_op.drop_column("estimate_answered_at")
        batch_op.drop_column("estimate_sent_at")
        batch_op.drop_column("estimate_status")
        batch_op.drop_column("estimate_note")
        batch_op.drop_column("estimate_amount")
        batch_op.drop_column("defect_code")
        batch_op.drop_column("signed_at")
        batch_op.drop_column("signer_name")

    with op.batch_alter_table("service_settings", schema=None) as batch_op:
        batch_op.drop_column("travel_fee")
        batch_op.drop_column("other_device_hourly")
        batch_op.drop_column("own_device_hourly")

    with op.batch_alter_table("ticket_charges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_charges_ticket_id"))

    op.drop_table("ticket_charges")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_ticket_id"))

    op.drop_table("attachments")
