"""the time engine: calendars, SLA clocks, automatic dispatch, maintenance, reminders, jobs

Revision ID: 0005_time_engine
Revises: 0004_login_throttles
Create Date: 2026-12-01 04:14:12.091687

Also: idempotency keys may name the record a retry gets back (outing requests, expense
claims). Adds business calendars and SLA policies, each ticket's SLA clock and its breaches,
engineers' dispatch profiles and dispatch rules, reminders, the service-wide settings
of automation and the job runs. Seeds the default calendar (China: Monday to Friday
08:30-17:30 in Asia/Shanghai, public holidays and make-up working days from the
`chinesecalendar` package, read when the calendar is used) and the settings row.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa

import persistence.types
from domain.maintenance.plans import next_due
from alembic import op

revision: str = "0005_time_engine"
down_revision: str | None = "0004_login_throttles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "business_calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("official_days", sa.String(length=8), nullable=True),
        sa.Column("created_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_calendars")),
    )
    op.create_table(
        "dispatch_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("strategy", sa.String(length=20), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("severities", sa.JSON(), nullable=False),
        sa.Column("region_ids", sa.JSON(), nullable=False),
        sa.Column("brands", sa.JSON(), nullable=False),
        sa.Column("engineer_ids", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_engineer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_rules")),
    )
    with op.batch_alter_table("dispatch_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_rules_priority"), ["priority"], unique=False)

    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("tick", sa.BigInteger(), nullable=False),
        sa.Column("due_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("process", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_runs_started_at"), ["started_at"], unique=False)
        batch_op.create_index("uq_job_runs_tick", ["job", "tick"], unique=True)

    op.create_table(
        "business_calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["business_calendars.id"],
            name=op.f("fk_business_calendar_days_calendar_id_business_calendars"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_calendar_days")),
    )
    with op.batch_alter_table("business_calendar_days", schema=None) as batch_op:
        batch_op.create_index("uq_business_calendar_days_day", ["calendar_id", "day"], unique=True)

    op.create_table(
        "service_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("auto_close_after_minutes", sa.Integer(), nullable=True),
        sa.Column("maintenance_lead_days", sa.Integer(), nullable=False),
        sa.Column("default_calendar_id", sa.Integer(), nullable=True),
        sa.Column("created_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["default_calendar_id"],
            ["business_calendars.id"],
            name=op.f("fk_service_settings_default_calendar_id_business_calendars"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_settings")),
    )
    op.create_table(
        "sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=True),
        sa.Column("customer_categories", sa.JSON(), nullable=True),
        sa.Column("response_minutes", sa.Integer(), nullable=True),
        sa.Column("on_site_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("warn_before_minutes", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=True),
        sa.Column("escalate_to", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["business_calendars.id"],
            name=op.f("fk_sla_policies_calendar_id_business_calendars"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
    )
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_policies_severity"), ["severity"], unique=False)

    op.create_table(
        "engineer_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("region_ids", sa.JSON(), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("max_open_tickets", sa.Integer(), nullable=True),
        sa.Column("created_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_engineer_profiles_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_engineer_profiles")),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("due_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("repeat", sa.String(length=10), nullable=False),
        sa.Column("user_ids", sa.JSON(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("next_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("last_delivered_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_reminders_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_reminders_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_reminders_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_next_at"), ["next_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "sla_breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=12), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("due_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("met_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["sla_policies.id"], name=op.f("fk_sla_breaches_policy_id_sla_policies")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_sla_breaches_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_breaches")),
    )
    with op.batch_alter_table("sla_breaches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sla_breaches_recorded_at"), ["recorded_at"], unique=False
        )
        batch_op.create_index("uq_sla_breaches_target", ["ticket_id", "target"], unique=True)

    op.create_table(
        "ticket_slas",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("started_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("warn_before_minutes", sa.Integer(), nullable=False),
        sa.Column("escalate_to", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("stopped_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.Column("paused_business_seconds", sa.Integer(), nullable=False),
        sa.Column("response_minutes", sa.Integer(), nullable=True),
        sa.Column("response_due_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("response_warn_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("response_met_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("response_warned", sa.Boolean(), nullable=False),
        sa.Column("response_breached", sa.Boolean(), nullable=False),
        sa.Column("on_site_minutes", sa.Integer(), nullable=True),
        sa.Column("on_site_due_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("on_site_warn_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("on_site_met_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("on_site_warned", sa.Boolean(), nullable=False),
        sa.Column("on_site_breached", sa.Boolean(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_due_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "resolution_warn_at", persistence.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("resolution_met_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution_warned", sa.Boolean(), nullable=False),
        sa.Column("resolution_breached", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["business_calendars.id"],
            name=op.f("fk_ticket_slas_calendar_id_business_calendars"),
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["sla_policies.id"], name=op.f("fk_ticket_slas_policy_id_sla_policies")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_slas_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_slas")),
    )
    with op.batch_alter_table("ticket_slas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_slas_on_site_due_at"), ["on_site_due_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ticket_slas_on_site_warn_at"), ["on_site_warn_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ticket_slas_policy_id"), ["policy_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ticket_slas_resolution_due_at"), ["resolution_due_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ticket_slas_resolution_warn_at"), ["resolution_warn_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ticket_slas_response_due_at"), ["response_due_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ticket_slas_response_warn_at"), ["response_warn_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ticket_slas_state"), ["state"], unique=False)

    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_type", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("record_id", sa.Integer(), nullable=True))

    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("maintenance_due_on", sa.Date(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_devices_maintenance_due_on"), ["maintenance_due_on"], unique=False
        )
    _schedule_existing_devices()

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notifications_reminder_id"), ["reminder_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_reminder_id_reminders"),
            "reminders",
            ["reminder_id"],
            ["id"],
        )

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispatch_rule_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("confirmed_by_rule", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "close_reminded_at", persistence.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("maintenance_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("hold_reason", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("hold_note", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("hold_since", persistence.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "uq_tickets_maintenance_due",
            ["device_id", "maintenance_due_on"],
            unique=True,
            postgresql_where=sa.text("maintenance_due_on IS NOT NULL"),
            sqlite_where=sa.text("maintenance_due_on IS NOT NULL"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_dispatch_rule_id_dispatch_rules"),
            "dispatch_rules",
            ["dispatch_rule_id"],
            ["id"],
        )

    _seed_defaults()


def _schedule_existing_devices() -> None:
    """Fills devices.maintenance_due_on as the model's listener keeps it from now on."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, installed_on, last_maintained_on, maintenance_interval_days "
            "FROM devices WHERE maintenance_interval_days IS NOT NULL"
        )
    ).all()
    for pk, installed, maintained, interval in rows:
        due = next_due(_as_date(installed), _as_date(maintained), interval)
        if due is not None:
            bind.execute(
                sa.text("UPDATE devices SET maintenance_due_on = :due WHERE id = :id"),
                {"due": due, "id": pk},
            )


def _as_date(value: object) -> date | None:
    # SQLite hands dates back as text in a raw query.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _seed_defaults() -> None:
    now = datetime.now(UTC)
    calendars = sa.table(
        "business_calendars",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("timezone", sa.String()),
        sa.column("hours", sa.JSON()),
        sa.column("official_days", sa.String()),
        sa.column("created_at", persistence.types.UTCDateTime(timezone=True)),
        sa.column("updated_at", persistence.types.UTCDateTime(timezone=True)),
    )
    op.bulk_insert(
        calendars,
        [
            {
                "id": 1,
                "name": "China working days",
                "timezone": "Asia/Shanghai",
                "hours": [{"weekday": d, "start": 510, "end": 1050} for d in range(1, 6)],
                "official_days": "CN",
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    settings = sa.table(
        "service_settings",
        sa.column("id", sa.Integer()),
        sa.column("auto_close_after_minutes", sa.Integer()),
        sa.column("maintenance_lead_days", sa.Integer()),
        sa.column("default_calendar_id", sa.Integer()),
        sa.column("created_at", persistence.types.UTCDateTime(timezone=True)),
        sa.column("updated_at", persistence.types.UTCDateTime(timezone=True)),
    )
    op.bulk_insert(
        settings,
        [
            {
                "id": 1,
                "auto_close_after_minutes": None,
                "maintenance_lead_days": 7,
                "default_calendar_id": 1,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        # Rows inserted with explicit ids: the sequences must move past them.
        op.execute("SELECT setval('business_calendars_id_seq', 1)")
        op.execute("SELECT setval('service_settings_id_seq', 1)")


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tickets_dispatch_rule_id_dispatch_rules"), type_="foreignkey"
        )
        batch_op.drop_index(
            "uq_tickets_maintenance_due",
            postgresql_where=sa.text("maintenance_due_on IS NOT NULL"),
            sqlite_where=sa.text("maintenance_due_on IS NOT NULL"),
        )
        batch_op.drop_column("hold_since")
        batch_op.drop_column("hold_note")
        batch_op.drop_column("hold_reason")
        batch_op.drop_column("maintenance_due_on")
        batch_op.drop_column("close_reminded_at")
        batch_op.drop_column("confirmed_by_rule")
        batch_op.drop_column("dispatch_rule_id")

    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_column("record_id")
        batch_op.drop_column("record_type")

    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_maintenance_due_on"))
        batch_op.drop_column("maintenance_due_on")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_reminder_id_reminders"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_notifications_reminder_id"))
        batch_op.drop_column("reminder_id")

    with op.batch_alter_table("ticket_slas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_slas_state"))
        batch_op.drop_index(batch_op.f("ix_ticket_slas_response_warn_at"))
        batch_op.drop_index(batch_op.f("ix_ticket_slas_response_due_at"))
        batch_op.drop_index(batch_op.f("ix_ticket_slas_resolution_warn_at"))
        batch_op.drop_index(batch_op.f("ix_ticket_slas_resolution_due_at"))
        batch_op.drop_index(batch_op.f("ix_ticket_slas_policy_id"))
        batch_op.drop_index(batch_op.f("ix_ticket_slas_on_site_warn_at"))
        batch_op.drop_index(batch_op.f("ix_ticket_slas_on_site_due_at"))

    op.drop_table("ticket_slas")
    with op.batch_alter_table("sla_breaches", schema=None) as batch_op:
        batch_op.drop_index("uq_sla_breaches_target")
        batch_op.drop_index(batch_op.f("ix_sla_breaches_recorded_at"))

    op.drop_table("sla_breaches")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_reminders_next_at"))
        batch_op.drop_index(batch_op.f("ix_reminders_device_id"))
        batch_op.drop_index(batch_op.f("ix_reminders_customer_id"))

    op.drop_table("reminders")
    op.drop_table("engineer_profiles")
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_policies_severity"))

    op.drop_table("sla_policies")
    op.drop_table("service_settings")
    with op.batch_alter_table("business_calendar_days", schema=None) as batch_op:
        batch_op.drop_index("uq_business_calendar_days_day")

    op.drop_table("business_calendar_days")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index("uq_job_runs_tick")
        batch_op.drop_index(batch_op.f("ix_job_runs_started_at"))

    op.drop_table("job_runs")
    with op.batch_alter_table("dispatch_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_rules_priority"))

    op.drop_table("dispatch_rules")
    op.drop_table("business_calendars")
