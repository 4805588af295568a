"""The Query root: the root queries of every area, each in its area's `fields` module."""

from __future__ import annotations

import strawberry

from schema.accounts.fields import AccountQueries
from schema.assets.fields import AssetQueries
from schema.audit.fields import AuditQueries
from schema.automation.fields import AutomationQueries
from schema.channels.fields import ChannelQueries
from schema.charges.fields import ChargeQueries
from schema.directory.fields import DirectoryQueries
from schema.dispatch_rules.fields import DispatchRuleQueries
from schema.maintenance.fields import MaintenanceQueries
from schema.notifications.fields import NotificationQueries
from schema.outings.fields import OutingQueries
from schema.parts.fields import PartQueries
from schema.parts.import_fields import ImportQueries
from schema.purchasing.fields import PurchaseOrderQueries
from schema.reminders.fields import ReminderQueries
from schema.sales.fields import SaleQueries
from schema.sla.fields import SlaQueries
from schema.tickets.fields import TicketQueries


@strawberry.type
class Query(
    AccountQueries,
    DirectoryQueries,
    AssetQueries,
    AuditQueries,
    TicketQueries,
    NotificationQueries,
    PartQueries,
    PurchaseOrderQueries,
    OutingQueries,
    SaleQueries,
    ImportQueries,
    SlaQueries,
    AutomationQueries,
    DispatchRuleQueries,
    MaintenanceQueries,
    ReminderQueries,
    ChargeQueries,
    ChannelQueries,
):
    pass
