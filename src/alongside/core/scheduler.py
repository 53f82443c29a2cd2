"""Periodic jobs: each runs once per period, however many workers are running.

Periods are fixed slices of time aligned to ``EPOCH`` (so a daily job's period starts at
midnight UTC). Every worker ticks every ``SCHEDULER_TICK_SECONDS``; for each job it inserts
``PeriodicRun(job, period_start)``. The unique key lets exactly one insert succeed per period:
that worker enqueues the job's task in the same transaction, so a claimed period always has
its job queued (and a crash before commit leaves the period unclaimed for the next tick).
A worker that was down for a while runs the current period once, not every missed one.

Jobs are registered with ``periodic(name, every=..., task="dotted.path")``. The task is
imported only when due, so a job whose module is missing (an app not installed, a typo) logs
a warning instead of stopping the workers. Apps register their own jobs from their
``tasks`` module, which workers import at start (``autodiscover``).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules, import_string

from alongside.core.models import PeriodicRun

log = logging.getLogger(__name__)

EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
SCHEDULER_TICK_SECONDS = 15.0


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: datetime.timedelta
    #: Dotted path of a django-tasks ``Task`` taking no arguments.
    task: str


_registry: dict[str, PeriodicJob] = {}
_warned_missing: set[str] = set()


def periodic(name: str, *, every: datetime.timedelta, task: Any) -> PeriodicJob:
    """Register (or replace) a periodic job. ``task`` is a dotted path or a ``Task``."""
    if every < datetime.timedelta(seconds=1):
        raise ValueError("a periodic job must run at most once a second")
    if len(name) > PeriodicRun._meta.get_field("job").max_length:  # type: ignore[operator]
        raise ValueError(f"periodic job name too long: {name!r}")
    path = task if isinstance(task, str) else task.module_path
    job = PeriodicJob(name=name, every=every, task=path)
    _registry[name] = job
    return job


def registered() -> list[PeriodicJob]:
    return sorted(_registry.values(), key=lambda job: job.name)


def unregister(name: str) -> None:
    _registry.pop(name, None)


def period_start(now: datetime.datetime, every: datetime.timedelta) -> datetime.datetime:
    """The start of the period that contains ``now``."""
    periods = (now - EPOCH) // every
    return EPOCH + periods * every


def resolve_task(job: PeriodicJob) -> Any | None:
    """The job's task, or None (warned once per process) when it cannot be imported."""
    try:
        task = import_string(job.task)
    except ImportError:
        if job.name not in _warned_missing:
            _warned_missing.add(job.name)
            log.warning("periodic job %s: task %s not found; skipped", job.name, job.task)
        return None
    if not hasattr(task, "enqueue"):
        if job.name not in _warned_missing:
            _warned_missing.add(job.name)
            log.warning("periodic job %s: %s is not a task; skipped", job.name, job.task)
        return None
    return task


def scheduler_tick(*, worker_id: str, now: datetime.datetime | None = None) -> list[str]:
    """Claim and enqueue every job whose current period nobody has claimed; returns names."""
    now = now or timezone.now()
    enqueued = []
    for job in registered():
        start = period_start(now, job.every)
        # Most ticks find the period taken: check first instead of provoking (and logging,
        # on PostgreSQL) a unique violation every time.
        if PeriodicRun.objects.filter(job=job.name, period_start=start).exists():
            continue
        task = resolve_task(job)
        if task is None:
            continue
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(job=job.name, period_start=start, claimed_by=worker_id)
                task.enqueue()
        except IntegrityError:
            continue  # another worker claimed this period first
        log.debug("periodic job enqueued job=%s period=%s", job.name, start.isoformat())
        enqueued.append(job.name)
    return enqueued


def periodic_runs_prune(*, now: datetime.datetime | None = None) -> int:
    """Forget claims of past periods, keeping each registered job's last two periods."""
    now = now or timezone.now()
    deleted = 0
    for job in registered():
        keep_from = period_start(now, job.every) - job.every
        count, _ = PeriodicRun.objects.filter(job=job.name, period_start__lt=keep_from).delete()
        deleted += count
    stale = now - datetime.timedelta(days=30)
    count, _ = (
        PeriodicRun.objects.exclude(job__in=list(_registry)).filter(period_start__lt=stale).delete()
    )
    return deleted + count


def autodiscover() -> None:
    """Import every app's ``tasks`` module, where apps register their periodic jobs."""
    autodiscover_modules("tasks")


def _register_builtin() -> None:
    periodic(
        "core.events_purge_expired",
        every=datetime.timedelta(hours=1),
        task="alongside.core.tasks.events_purge_expired",
    )
    periodic(
        "core.jobs_requeue_stuck",
        every=datetime.timedelta(minutes=1),
        task="alongside.core.tasks.jobs_requeue_stuck",
    )
    periodic(
        "core.ratelimit_purge",
        every=datetime.timedelta(minutes=10),
        task="alongside.core.tasks.ratelimit_purge",
    )
    periodic(
        "core.housekeeping",
        every=datetime.timedelta(days=1),
        task="alongside.core.tasks.housekeeping",
    )


_register_builtin()
