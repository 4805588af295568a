"""login throttles (NIST 800-63B): per name and per address; usernames unique in any case

Revision ID: 0004_login_throttles
Revises: 0003_spare_parts
Create Date: 2026-12-01 09:00:00.000000

The permanent lock on the account row (failed_logins, locked_at) gives way to
throttles of their own (login_throttles per login name, known or not;
login_address_throttles per client address) and a copy of the wait on the account
(users.locked_until). Usernames become unique whatever their case: accounts whose
names differ only in case keep the oldest one's name; the others are renamed
`<name>-<id>` (logged), the only way the unique index can be made.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa

import persistence.types
from alembic import op

revision: str = "0004_login_throttles"
down_revision: str | None = "0003_spare_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def _rename_case_duplicates() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, username FROM users ORDER BY id")).all()
    taken = {name.lower() for _, name in rows}
    seen: set[str] = set()
    for user_id, name in rows:
        if name.lower() not in seen:
            seen.add(name.lower())
            continue
        suffix = f"-{user_id}"
        renamed = name[: 50 - len(suffix)] + suffix
        while renamed.lower() in taken:
            suffix += "x"
            renamed = name[: 50 - len(suffix)] + suffix
        taken.add(renamed.lower())
        bind.execute(
            sa.text("UPDATE users SET username = :new WHERE id = :id"),
            {"new": renamed, "id": user_id},
        )
        log.warning("username %r clashed with another in case: renamed %r", name, renamed)


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("name_key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column("locked_until", persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name_key", name=op.f("pk_login_throttles")),
    )
    op.create_index(
        op.f("ix_login_throttles_last_failure_at"), "login_throttles", ["last_failure_at"]
    )
    op.create_table(
        "login_address_throttles",
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column(
            "window_started_at", persistence.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_login_address_throttles")),
    )
    op.create_index(
        op.f("ix_login_address_throttles_window_started_at"),
        "login_address_throttles",
        ["window_started_at"],
    )
    # Plain ALTER TABLE on both backends (SQLite 3.35+ drops columns in place): no copy
    # of the users table, which many tables refer to.
    op.add_column(
        "users",
        sa.Column("locked_until", persistence.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.drop_column("users", "failed_logins")
    op.drop_column("users", "locked_at")
    _rename_case_duplicates()
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_users_username_lower", table_name="users")
    op.add_column(
        "users",
        sa.Column("locked_at", persistence.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "users",
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
    )
    op.drop_column("users", "locked_until")
    op.drop_index(
        op.f("ix_login_address_throttles_window_started_at"),
        table_name="login_address_throttles",
    )
    op.drop_table("login_address_throttles")
    op.drop_index(op.f("ix_login_throttles_last_failure_at"), table_name="login_throttles")
    op.drop_table("login_throttles")
