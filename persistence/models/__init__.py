"""SQLAlchemy models, one module per area. Relationships are not mapped: rows are joined
through DataLoaders and explicit queries, so nothing can lazy-load under asyncio.

Every model is importable from here (and must be imported here: the metadata that
migrations and tests read is the union of these modules)."""

from __future__ import annotations

from persistence.models.accounts import LoginAddressThrottle, LoginThrottle, User
from persistence.models.assets import Device
from persistence.models.attachments import Attachment
from persistence.models.audit import AuditEntry
from persistence.models.automation import JobRun, ServiceSettings
from persistence.models.base import NAMING, Base, Tracked
from persistence.models.channels import Channel, ChannelPreference, Delivery, Lease
from persistence.models.charges import ChargeLineRecord
from persistence.models.directory import Agent, Communication, Contact, Customer, Region
from persistence.models.dispatch_rules import DispatchRule, EngineerProfile
from persistence.models.events import Event
from persistence.models.notifications import Notification
from persistence.models.outings import OutingExpense, OutingRequest, OutingRequestPart
from persistence.models.parts import EngineerStock, Part, StockMovement, TicketPart
from persistence.models.purchasing import PurchaseOrder, PurchaseOrderLine
from persistence.models.reminders import Reminder
from persistence.models.sales import PartSale, PartSaleLine
from persistence.models.sla import (
    BusinessCalendar,
    CalendarDay,
    SlaBreach,
    SlaPolicy,
    TicketSla,
)
from persistence.models.tickets import (
    CheckIn,
    DepotStepRecord,
    IdempotencyKey,
    KindRestriction,
    Ticket,
    WorkRecord,
)

__all__ = [
    "NAMING",
    "Agent",
    "Attachment",
    "AuditEntry",
    "Base",
    "BusinessCalendar",
    "CalendarDay",
    "Channel",
    "ChannelPreference",
    "ChargeLineRecord",
    "CheckIn",
    "Communication",
    "Contact",
    "Customer",
    "Delivery",
    "DepotStepRecord",
    "Device",
    "DispatchRule",
    "EngineerProfile",
    "EngineerStock",
    "Event",
    "IdempotencyKey",
    "JobRun",
    "KindRestriction",
    "Lease",
    "LoginAddressThrottle",
    "LoginThrottle",
    "Notification",
    "OutingExpense",
    "OutingRequest",
    "OutingRequestPart",
    "Part",
    "PartSale",
    "PartSaleLine",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Region",
    "Reminder",
    "ServiceSettings",
    "SlaBreach",
    "SlaPolicy",
    "StockMovement",
    "Ticket",
    "TicketPart",
    "TicketSla",
    "Tracked",
    "User",
    "WorkRecord",
]
