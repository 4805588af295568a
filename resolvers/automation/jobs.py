"""Every job the runner runs, in the order it runs them each tick."""

from __future__ import annotations

from resolvers.attachments.sweep import sweep_orphan_files
from resolvers.automation.runner import Job, prune_job_runs
from resolvers.maintenance.plans import run_maintenance_plans
from resolvers.reminders.office import run_reminders
from resolvers.sla.clock import run_sla_clock
from resolvers.tickets.auto_close import run_auto_close

JOBS: tuple[Job, ...] = (
    Job("sla_clock", run_sla_clock),
    Job("auto_close", run_auto_close),
    Job("maintenance_plans", run_maintenance_plans),
    Job("reminders", run_reminders),
    Job("prune_job_runs", prune_job_runs),
    Job("files_sweep", sweep_orphan_files),
)
