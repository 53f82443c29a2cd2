"""Safety jobs. The escalation job runs at every scheduler tick: a deadline is missed by at
most one tick (15 s) plus the time a worker takes to pick the job up."""

from __future__ import annotations

import datetime

from django_tasks import task

from alongside.core.scheduler import SCHEDULER_TICK_SECONDS, periodic
from alongside.safety import cases


@task()
def safety_cases_escalate() -> int:
    """Periodic: escalate open cases nobody acknowledged in time (idempotent, restart-safe)."""
    return cases.cases_escalate_due()


periodic(
    "safety.cases_escalate",
    every=datetime.timedelta(seconds=SCHEDULER_TICK_SECONDS),
    task=safety_cases_escalate,
)
