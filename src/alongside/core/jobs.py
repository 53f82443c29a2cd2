"""Running jobs: the worker loop, its heartbeat, and recovery of jobs whose worker died.

Jobs are django-tasks ``@task()`` functions stored by the ``django_tasks_db`` backend. The
worker here wraps django_tasks_db's own ``Worker`` (same claiming and result recording) and
adds two things it lacks:

* a heartbeat row (``WorkerHeartbeat``) written every ``HEARTBEAT_SECONDS``, so that a job
  left RUNNING by a worker that was killed is put back in the queue once that worker has
  been silent for ``STALE_AFTER``. The job then runs again: every job must be idempotent
  (take ids, reload, check whether the work is already done);
* the periodic scheduler loop (``core.scheduler``), in every worker.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field

from django.db import close_old_connections, connection
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from alongside.core.models import WorkerHeartbeat

log = logging.getLogger(__name__)

BACKEND = "default"
HEARTBEAT_SECONDS = 5.0
#: A worker silent for this long is taken for dead and its running jobs are requeued.
STALE_AFTER = datetime.timedelta(seconds=60)
#: A job whose worker died this many times is failed instead of requeued (a poison job).
MAX_ATTEMPTS = 5
#: How long a worker loop waits after an unexpected error (database down) before retrying.
ERROR_BACKOFF_SECONDS = 5.0


class WorkerLost(RuntimeError):
    """The workers running a job kept disappearing; the job is failed, not retried."""


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _log_if_failed(result: DBTaskResult) -> None:
    if result.status == "FAILED":
        log.warning(
            "job failed id=%s task=%s error=%s",
            result.pk,
            result.task_path,
            result.exception_class_path,
        )


def run_pending_jobs(max_rounds: int = 20, *, worker_id: str = "inline") -> int:
    """Run every ready job now, in this thread, as a worker would; returns how many ran.

    A round runs the jobs that were ready when it began; jobs they enqueue run in the next
    round. Used by tests and by commands that need the queue drained before they go on.
    """
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=BACKEND,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    ran = 0
    for _round in range(max_rounds):
        ready = list(
            DBTaskResult.objects.ready().filter(backend_name=BACKEND).values_list("pk", flat=True)
        )
        if not ready:
            break
        for pk in ready:
            with exclusive_transaction(DBTaskResult.objects.db):
                result = (
                    DBTaskResult.objects.ready().filter(pk=pk).select_for_update(skip_locked=True)
                ).first()
                if result is not None:
                    result.claim(worker_id)
            if result is None:  # taken by a real worker meanwhile
                continue
            worker.run_task(result)
            _log_if_failed(result)
            ran += 1
    return ran


def heartbeat(worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "last_seen": timezone.now(),
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def requeue_stuck_tasks(
    *, stale_after: datetime.timedelta = STALE_AFTER, now: datetime.datetime | None = None
) -> int:
    """Put RUNNING jobs whose worker went silent back in the queue; returns how many.

    A worker counts as alive while its heartbeat is fresher than ``stale_after``. The job must
    also have started before that, which spares workers that do not beat (a plain
    ``db_worker``) until their job has run that long. A job that lost ``MAX_ATTEMPTS`` workers
    is failed with ``WorkerLost`` rather than crash yet another worker.
    """
    now = now or timezone.now()
    cutoff = now - stale_after
    alive = set(
        WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).values_list("worker_id", flat=True)
    )
    changed = 0
    candidates = DBTaskResult.objects.running().filter(backend_name=BACKEND, started_at__lt=cutoff)
    for result in candidates.only("pk", "worker_ids", "started_at", "task_path"):
        owner = result.worker_ids[-1] if result.worker_ids else ""
        if owner in alive:
            continue
        if len(result.worker_ids) >= MAX_ATTEMPTS:
            # Only fail it if it is still in the state we looked at.
            if DBTaskResult.objects.filter(
                pk=result.pk, status="RUNNING", started_at=result.started_at
            ).exists():
                full = DBTaskResult.objects.get(pk=result.pk)
                full.set_failed(
                    WorkerLost(f"its worker stopped {len(result.worker_ids)} times; not retried")
                )
                log.warning(
                    "job failed after lost workers id=%s task=%s", result.pk, result.task_path
                )
                changed += 1
            continue
        updated = DBTaskResult.objects.filter(
            pk=result.pk, status="RUNNING", started_at=result.started_at
        ).update(status="READY", started_at=None)
        if updated:
            log.warning(
                "job requeued after its worker went silent id=%s task=%s worker=%s",
                result.pk,
                result.task_path,
                owner,
            )
            changed += updated
    return changed


def heartbeats_prune(*, older_than: datetime.timedelta = datetime.timedelta(days=1)) -> int:
    deleted, _ = WorkerHeartbeat.objects.filter(last_seen__lt=timezone.now() - older_than).delete()
    return deleted


def finished_tasks_prune(
    *,
    successful_older_than: datetime.timedelta = datetime.timedelta(days=7),
    failed_older_than: datetime.timedelta = datetime.timedelta(days=30),
) -> int:
    """Forget finished job results (the scheduler adds a few every minute)."""
    now = timezone.now()
    ok, _ = (
        DBTaskResult.objects.successful()
        .filter(finished_at__lt=now - successful_older_than)
        .delete()
    )
    failed, _ = (
        DBTaskResult.objects.failed().filter(finished_at__lt=now - failed_older_than).delete()
    )
    return ok + failed


@dataclass
class WorkerProcess:
    """One job worker: the job loop, its heartbeat and the scheduler, stoppable as a unit."""

    worker_id: str = field(default_factory=new_worker_id)
    interval: float = 1.0
    scheduler: bool = True
    stop_event: threading.Event = field(default_factory=threading.Event)
    _worker: Worker | None = None
    _threads: list[threading.Thread] = field(default_factory=list)

    def _loop(self, name: str, every: float, step: object) -> threading.Thread:
        def run() -> None:
            try:
                while not self.stop_event.is_set():
                    try:
                        close_old_connections()
                        step()  # type: ignore[operator]
                    except Exception:
                        log.exception("%s failed worker=%s", name, self.worker_id)
                    if self.stop_event.wait(every):
                        break
            finally:
                connection.close()

        thread = threading.Thread(target=run, name=f"alongside-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)
        return thread

    def _scheduler_step(self) -> None:
        from alongside.core.scheduler import scheduler_tick

        scheduler_tick(worker_id=self.worker_id)

    def run(self, *, handle_signals: bool) -> None:
        """Run until stopped (``stop()``, or SIGINT/SIGTERM when ``handle_signals``)."""
        from alongside.core.scheduler import SCHEDULER_TICK_SECONDS, autodiscover

        autodiscover()
        try:
            heartbeat(self.worker_id)
            requeue_stuck_tasks()
        except Exception:  # database not reachable yet: the loops below keep trying
            log.exception("worker start-up checks failed worker=%s", self.worker_id)
        self._loop("heartbeat", HEARTBEAT_SECONDS, lambda: heartbeat(self.worker_id))
        if self.scheduler:
            self._loop("scheduler", SCHEDULER_TICK_SECONDS, self._scheduler_step)
        log.info("worker started id=%s", self.worker_id)
        try:
            while not self.stop_event.is_set():
                self._worker = Worker(
                    queue_names=["*"],
                    interval=self.interval,
                    batch=False,
                    backend_name=BACKEND,
                    startup_delay=True,
                    max_tasks=None,
                    worker_id=self.worker_id,
                    excluded_queue_names=[],
                )
                if self.stop_event.is_set():  # stop() came while the worker was built
                    break
                if handle_signals:
                    self._worker.configure_signals()
                try:
                    self._worker.run()
                except OperationalError as exc:
                    if not is_locked_database_exception(exc):
                        log.exception("worker loop failed; retrying worker=%s", self.worker_id)
                except Exception:
                    log.exception("worker loop failed; retrying worker=%s", self.worker_id)
                if self._worker.running and self.stop_event.wait(ERROR_BACKOFF_SECONDS):
                    break
                if not self._worker.running:
                    break
        finally:
            self.stop_event.set()
            if handle_signals and self._worker is not None:
                self._worker.reset_signals()
            for thread in self._threads:
                thread.join(timeout=HEARTBEAT_SECONDS)
            try:
                # A clean exit: its jobs (if a forced exit left one RUNNING) are requeued at
                # the next check instead of after STALE_AFTER.
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            except Exception:
                log.warning("could not remove heartbeat worker=%s", self.worker_id)
            connection.close()
            log.info("worker stopped id=%s", self.worker_id)

    def stop(self) -> None:
        self.stop_event.set()
        if self._worker is not None:
            self._worker.running = False


def run_worker(*, interval: float = 1.0, scheduler: bool = True) -> None:
    """``alongside worker``: run jobs and the scheduler in this process until a signal."""
    WorkerProcess(interval=interval, scheduler=scheduler).run(handle_signals=True)


def start_worker_thread(*, interval: float = 1.0, scheduler: bool = True) -> WorkerProcess:
    """The in-process worker of ``alongside serve`` / ``demo``: a daemon thread."""
    process = WorkerProcess(interval=interval, scheduler=scheduler)

    def target() -> None:
        process.run(handle_signals=False)

    threading.Thread(target=target, name="alongside-worker", daemon=True).start()
    return process
