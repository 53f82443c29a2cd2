"""Jobs run once; periodic jobs run once per period with any number of workers; a job whose
worker died runs again."""

from __future__ import annotations

import datetime
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from alongside.core import scheduler
from alongside.core.jobs import (
    MAX_ATTEMPTS,
    heartbeat,
    requeue_stuck_tasks,
    start_worker_thread,
)
from alongside.core.models import AuditEntry, PeriodicRun, WorkerHeartbeat
from tests.conftest import run_jobs
from tests.core import jobtasks

REPO = Path(__file__).resolve().parents[2]
UTC = datetime.UTC


def ran_markers() -> list[str]:
    return [e.data["marker"] for e in AuditEntry.objects.filter(action="test.job_ran")]


@pytest.fixture
def only_job() -> Any:
    """Replace the registry with the jobs a test registers; restore it afterwards."""
    saved = dict(scheduler._registry)
    scheduler._registry.clear()
    yield scheduler.periodic
    scheduler._registry.clear()
    scheduler._registry.update(saved)


# --- running jobs -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_ready_jobs_run_once_including_jobs_they_enqueue() -> None:
    jobtasks.record_then_enqueue.enqueue("a")
    assert run_jobs() == 2
    assert ran_markers() == ["a", "a-followup"]
    assert run_jobs() == 0
    assert DBTaskResult.objects.successful().count() == 2


@pytest.mark.django_db
def test_a_failing_job_is_recorded_as_failed_and_others_still_run() -> None:
    failing = jobtasks.fail.enqueue()
    jobtasks.record.enqueue("b")
    assert run_jobs() == 2
    assert DBTaskResult.objects.get(pk=failing.id).status == "FAILED"
    assert ran_markers() == ["b"]


@pytest.mark.django_db
def test_jobs_delayed_to_the_future_wait() -> None:
    jobtasks.record.using(run_after=timezone.now() + datetime.timedelta(hours=1)).enqueue("later")
    assert run_jobs() == 0


# --- recovering from dead workers ---------------------------------------------------------------


def claim(result_id: str, worker_id: str, *, started_ago: float) -> None:
    row = DBTaskResult.objects.get(pk=result_id)
    row.claim(worker_id)
    DBTaskResult.objects.filter(pk=result_id).update(
        started_at=timezone.now() - datetime.timedelta(seconds=started_ago)
    )


def beat(worker_id: str, *, ago: float) -> None:
    heartbeat(worker_id)
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
        last_seen=timezone.now() - datetime.timedelta(seconds=ago)
    )


@pytest.mark.django_db
def test_a_job_of_a_silent_worker_is_requeued_and_runs_again() -> None:
    result = jobtasks.record.enqueue("rescued")
    claim(result.id, "dead-worker", started_ago=300)
    beat("dead-worker", ago=120)
    assert run_jobs() == 0  # RUNNING: not ready
    assert requeue_stuck_tasks() == 1
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"
    assert run_jobs() == 1
    assert ran_markers() == ["rescued"]


@pytest.mark.django_db
def test_a_job_of_a_beating_worker_is_left_alone() -> None:
    result = jobtasks.record.enqueue("busy")
    claim(result.id, "live-worker", started_ago=600)
    beat("live-worker", ago=2)
    assert requeue_stuck_tasks() == 0
    assert DBTaskResult.objects.get(pk=result.id).status == "RUNNING"


@pytest.mark.django_db
def test_a_job_just_claimed_is_left_alone_even_without_heartbeat() -> None:
    result = jobtasks.record.enqueue("fresh")
    claim(result.id, "worker-without-heartbeat", started_ago=5)
    assert requeue_stuck_tasks() == 0


@pytest.mark.django_db
def test_a_job_that_keeps_losing_its_worker_is_failed_not_retried_forever() -> None:
    result = jobtasks.record.enqueue("poison")
    for n in range(MAX_ATTEMPTS):
        claim(result.id, f"dead-{n}", started_ago=300)
        if n < MAX_ATTEMPTS - 1:
            assert requeue_stuck_tasks() == 1
    assert requeue_stuck_tasks() == 1
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "FAILED"
    assert row.exception_class_path == "alongside.core.jobs.WorkerLost"


def poll(condition: Any, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen in time"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_the_in_process_worker_runs_jobs_and_periodic_jobs_then_stops_cleanly(
    only_job: Any,
) -> None:
    """What `alongside serve` and `demo` run in a thread beside the web server."""
    only_job("test.periodic", every=datetime.timedelta(hours=1), task=jobtasks.record_periodic)
    process = start_worker_thread(interval=0.05)
    try:
        jobtasks.record.enqueue("queued")
        poll(lambda: sorted(ran_markers()) == ["periodic", "queued"], "both jobs running")
        assert WorkerHeartbeat.objects.filter(worker_id=process.worker_id).exists()
        assert PeriodicRun.objects.get(job="test.periodic").claimed_by == process.worker_id
    finally:
        process.stop()
    poll(
        lambda: not WorkerHeartbeat.objects.filter(worker_id=process.worker_id).exists(),
        "the heartbeat removal on a clean stop",
    )


def _sqlite_time(moment: datetime.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def test_a_worker_killed_mid_job_leaves_the_job_to_the_next_worker(tmp_path: Path) -> None:
    """Real processes: kill -9 a worker during a job; the next worker runs it to the end."""
    data_dir = tmp_path / "data"
    work_dir = tmp_path / "work"
    work_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(ALONGSIDE_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    cli = [sys.executable, "-m", "alongside.cli"]

    def alongside(*args: str) -> None:
        subprocess.run([*cli, *args], env=env, check=True, timeout=180, capture_output=True)

    def worker() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [*cli, "worker", "--interval", "0.1", "--no-scheduler"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_for(path: Path, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 60
        while not path.exists():
            assert proc.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, f"{path.name} did not appear in time"
            time.sleep(0.05)

    alongside("migrate", "-v0")
    alongside(
        "shell",
        "-c",
        f"from tests.core.jobtasks import slow_the_first_time as t; t.enqueue({str(work_dir)!r})",
    )
    first = worker()
    try:
        wait_for(work_dir / "started", first)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert not (work_dir / "finished").exists()

    # Let two minutes pass for the dead worker: its heartbeat and its job's start go stale.
    tasks_table = DBTaskResult._meta.db_table
    db = sqlite3.connect(data_dir / "alongside.sqlite3")
    with db:
        assert db.execute(f"SELECT status FROM {tasks_table}").fetchone() == ("RUNNING",)
        old = _sqlite_time(timezone.now() - datetime.timedelta(minutes=2))
        db.execute(f"UPDATE {WorkerHeartbeat._meta.db_table} SET last_seen = ?", [old])
        db.execute(f"UPDATE {tasks_table} SET started_at = ?", [old])
    db.close()

    second = worker()
    try:
        wait_for(work_dir / "finished", second)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    db = sqlite3.connect(data_dir / "alongside.sqlite3")
    status, worker_ids = db.execute(f"SELECT status, worker_ids FROM {tasks_table}").fetchone()
    db.close()
    assert status == "SUCCESSFUL"
    assert worker_ids.count('"') == 4  # two workers took part


# --- the periodic scheduler -----------------------------------------------------------------------


def test_periods_are_aligned_to_utc_boundaries() -> None:
    now = datetime.datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
    assert scheduler.period_start(now, datetime.timedelta(days=1)) == datetime.datetime(
        2026, 3, 14, tzinfo=UTC
    )
    assert scheduler.period_start(now, datetime.timedelta(minutes=5)) == datetime.datetime(
        2026, 3, 14, 15, 5, tzinfo=UTC
    )


@pytest.mark.django_db
def test_a_periodic_job_runs_once_per_period(only_job: Any) -> None:
    only_job("test.record", every=datetime.timedelta(minutes=5), task=jobtasks.record)
    t0 = datetime.datetime(2026, 3, 14, 15, 5, 1, tzinfo=UTC)
    assert scheduler.scheduler_tick(worker_id="w1", now=t0) == ["test.record"]
    assert scheduler.scheduler_tick(worker_id="w2", now=t0 + datetime.timedelta(minutes=4)) == []
    assert scheduler.scheduler_tick(worker_id="w2", now=t0 + datetime.timedelta(minutes=5)) == [
        "test.record"
    ]
    assert DBTaskResult.objects.filter(task_path="tests.core.jobtasks.record").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_racing_on_one_period_enqueue_the_job_once(only_job: Any) -> None:
    only_job("test.record", every=datetime.timedelta(hours=1), task=jobtasks.record)
    now = datetime.datetime(2026, 3, 14, 15, 30, tzinfo=UTC)
    start = threading.Barrier(2)
    results: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def tick(worker_id: str) -> None:
        try:
            start.wait(timeout=10)
            results[worker_id] = scheduler.scheduler_tick(worker_id=worker_id, now=now)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick, args=(w,)) for w in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(len(v) for v in results.values()) == [0, 1]
    assert PeriodicRun.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_a_job_whose_task_is_missing_is_skipped_without_stopping_others(only_job: Any) -> None:
    only_job("test.missing", every=datetime.timedelta(hours=1), task="nowhere.tasks.missing")
    only_job("test.record", every=datetime.timedelta(hours=1), task=jobtasks.record)
    assert scheduler.scheduler_tick(worker_id="w1") == ["test.record"]
    # Unclaimed: once the task exists, the period still runs.
    assert not PeriodicRun.objects.filter(job="test.missing").exists()


def test_every_builtin_periodic_job_points_at_a_task() -> None:
    names = {job.name for job in scheduler.registered()}
    assert {
        "core.events_purge_expired",
        "core.jobs_requeue_stuck",
        "privacy.purge_expired_exports",
        "privacy.resume_erasures",
    } <= names
    for job in scheduler.registered():
        assert scheduler.resolve_task(job) is not None, job


@pytest.mark.django_db
def test_old_period_claims_are_pruned_but_the_current_one_is_kept(only_job: Any) -> None:
    only_job("test.record", every=datetime.timedelta(days=1), task=jobtasks.record)
    now = datetime.datetime(2026, 3, 14, 15, 0, tzinfo=UTC)
    for days_ago in range(5):
        PeriodicRun.objects.create(
            job="test.record",
            claimed_by="w",
            period_start=scheduler.period_start(now, datetime.timedelta(days=1))
            - datetime.timedelta(days=days_ago),
        )
    assert scheduler.periodic_runs_prune(now=now) == 3
    assert scheduler.scheduler_tick(worker_id="w", now=now) == []
