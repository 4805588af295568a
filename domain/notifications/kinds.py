"""The kinds of notification, and to whom each goes."""

from __future__ import annotations

from enum import StrEnum


class NotificationKind(StrEnum):
    DISPATCHED = "DISPATCHED"  # to the engineer: a new ticket for you
    REASSIGNED_AWAY = "REASSIGNED_AWAY"  # to the engineer who lost the ticket
    DECLINED = "DECLINED"  # to the dispatcher: the engineer declined
    CLOSE_REQUESTED = "CLOSE_REQUESTED"  # to the customer: please confirm
    CLOSE_REJECTED = "CLOSE_REJECTED"  # to the dispatcher and engineer
    AWAITING_FINAL_CONFIRMATION = "AWAITING_FINAL_CONFIRMATION"  # to the back office
    CANCELLED = "CANCELLED"  # to the engineer
    STOCK_ALARM = "STOCK_ALARM"  # to ADMIN and BACK_OFFICE: a part at or below its threshold
    OUTING_REQUESTED = "OUTING_REQUESTED"  # to ADMIN and BACK_OFFICE: an outing to decide
    OUTING_APPROVED = "OUTING_APPROVED"  # to the engineer
    OUTING_REJECTED = "OUTING_REJECTED"  # to the engineer
    EXPENSE_CLAIMED = "EXPENSE_CLAIMED"  # to ADMIN and BACK_OFFICE: a claim to settle
    EXPENSE_APPROVED = "EXPENSE_APPROVED"  # to the engineer
    EXPENSE_PAID = "EXPENSE_PAID"  # to the engineer
    EXPENSE_REJECTED = "EXPENSE_REJECTED"  # to the engineer
    SLA_WARNING = "SLA_WARNING"  # to the assignee, dispatchers, escalation roles: a target near
    SLA_BREACHED = "SLA_BREACHED"  # the same: a target missed
    AUTO_DISPATCHED = "AUTO_DISPATCHED"  # to the engineer: a rule dispatched a ticket to you
    MAINTENANCE_DUE = "MAINTENANCE_DUE"  # to the office: a scheduled maintenance ticket
    AUTO_CLOSED = "AUTO_CLOSED"  # a close request unanswered, confirmed by rule
    REMINDER = "REMINDER"  # a reminder's recipients, at its due time
    ESTIMATE_SENT = "ESTIMATE_SENT"  # to the customer: accept or refuse the estimated cost
    ESTIMATE_ANSWERED = "ESTIMATE_ANSWERED"  # to the dispatcher and engineer
    REPLACEMENT_DUE = "REPLACEMENT_DUE"  # to the back office: a defect repaired twice (三包)


# Every kind by name (what channels and users may choose from).
KIND_NAMES: frozenset[str] = frozenset(k.value for k in NotificationKind)
