"""Accounts, and the throttles that keep failed logins in check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, Tracked
from persistence.types import UTCDateTime


class User(Tracked, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept as spelled; unique whatever the case (the index below), matched so at login.
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    # Until when failed logins make this account's name wait (a copy of its
    # LoginThrottle's, for reading `User.locked` without another query).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on disable, password change and reset: tokens carry it, so old ones stop working.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# `Demo-Admin` cannot be made beside `demo-admin` (usernames are ASCII: lower() is the
# casefold that domain.accounts.lockout.name_key applies).
Index("uq_users_username_lower", func.lower(User.username), unique=True)


class LoginThrottle(Base):
    """Failed logins per login name (domain.accounts.lockout), for every name tried,
    known or not: an unknown name is counted, locked and answered as a known one."""

    __tablename__ = "login_throttles"

    name_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For forgetting names nobody tried for a day (persistence.queries.accounts).
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LoginAddressThrottle(Base):
    """Failed logins per client address in the current window."""

    __tablename__ = "login_address_throttles"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
