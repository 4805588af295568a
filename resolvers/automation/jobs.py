"""Every job the runner runs, in the order it runs them each tick."""

from __future__ import annotations

from resolvers.automation.runner import Job, prune_job_runs
from resolvers.sla.clock import run_sla_clock
from resolvers.tickets.auto_close import run_auto_close

JOBS: tuple[Job, ...] = (
    Job("sla_clock", run_sla_clock),
    Job("auto_close", run_auto_close),
    Job("prune_job_runs", prune_job_runs),
)
