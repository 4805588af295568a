"""Maintenance plans: a device with a maintenance interval is due `interval` days after
its last maintenance, or after its installation when it was never maintained; its
ticket is made `lead_days` before that date."""

from __future__ import annotations

from datetime import date, timedelta


def next_due(
    installed_on: date | None, last_maintained_on: date | None, interval_days: int | None
) -> date | None:
    """When the device's next maintenance falls due (None: no plan, or no date to
    count from)."""
    if not interval_days or interval_days <= 0:
        return None
    base = last_maintained_on or installed_on
    return None if base is None else base + timedelta(days=interval_days)


def horizon(today: date, lead_days: int) -> date:
    """The last due date whose ticket is made today."""
    return today + timedelta(days=max(0, lead_days))


def maintained_on(worked_on: date | None, closed_on: date, previous: date | None) -> date:
    """The device's last maintenance after a MAINTENANCE ticket closes: the day the
    work started (else the day it closed), never earlier than what was recorded."""
    done = worked_on or closed_on
    return max(done, previous) if previous is not None else done
