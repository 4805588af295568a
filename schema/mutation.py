"""The Mutation root: the mutations of every area, each in its area's `fields` module."""

from __future__ import annotations

import strawberry

from schema.accounts.fields import AccountMutations
from schema.assets.fields import AssetMutations
from schema.attachments.fields import AttachmentMutations
from schema.automation.fields import AutomationMutations
from schema.channels.fields import ChannelMutations
from schema.charges.fields import ChargeMutations
from schema.directory.fields import DirectoryMutations
from schema.dispatch_rules.fields import DispatchRuleMutations
from schema.outings.fields import OutingMutations
from schema.parts.fields import PartMutations
from schema.parts.import_fields import ImportMutations
from schema.purchasing.fields import PurchaseOrderMutations
from schema.reminders.fields import ReminderMutations
from schema.sales.fields import SaleMutations
from schema.sla.fields import SlaMutations
from schema.tickets.fields import TicketMutations


@strawberry.type
class Mutation(
    PartMutations,
    PurchaseOrderMutations,
    OutingMutations,
    SaleMutations,
    ImportMutations,
    AccountMutations,
    DirectoryMutations,
    AssetMutations,
    TicketMutations,
    SlaMutations,
    AutomationMutations,
    DispatchRuleMutations,
    ReminderMutations,
    AttachmentMutations,
    ChargeMutations,
    ChannelMutations,
):
    pass
