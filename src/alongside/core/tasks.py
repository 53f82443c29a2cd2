"""Housekeeping jobs of the shared infrastructure, run by the periodic scheduler.

Each is safe to run twice (a job whose worker dies is run again).
"""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from alongside.core import jobs, ratelimit, realtime, scheduler


@task()
def events_purge_expired() -> int:
    """Delete stream events older than ``EVENT_RETENTION_DAYS`` (clients resume from newer)."""
    return realtime.events_purge_expired(days=settings.EVENT_RETENTION_DAYS)


@task()
def jobs_requeue_stuck() -> int:
    """Requeue jobs left RUNNING by a worker that stopped beating."""
    return jobs.requeue_stuck_tasks()


@task()
def ratelimit_purge() -> int:
    """Delete rate-limit windows that ended (the database backend; Redis keys expire)."""
    return ratelimit.purge_expired()


@task()
def housekeeping() -> dict[str, int]:
    """Forget old job results, heartbeats of gone workers and claims of past periods."""
    return {
        "task_results": jobs.finished_tasks_prune(),
        "heartbeats": jobs.heartbeats_prune(),
        "periodic_runs": scheduler.periodic_runs_prune(),
    }
