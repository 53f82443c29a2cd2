"""Jobs used by the job and worker tests (tasks must live at module level to be enqueued)."""

from __future__ import annotations

import time
from pathlib import Path

from django_tasks import task

from alongside.core.audit import audit_record


@task()
def record(marker: str) -> str:
    audit_record(actor_id=None, action="test.job_ran", data={"marker": marker})
    return marker


@task()
def record_then_enqueue(marker: str) -> str:
    audit_record(actor_id=None, action="test.job_ran", data={"marker": marker})
    record.enqueue(f"{marker}-followup")
    return marker


@task()
def fail() -> None:
    raise RuntimeError("this job always fails")


@task()
def slow_the_first_time(directory: str) -> str:
    """Idempotent: the first attempt marks itself started and hangs (the test kills its
    worker); a later attempt sees the mark and finishes."""
    started = Path(directory) / "started"
    if not started.exists():
        started.write_text("1")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(0.1)
    (Path(directory) / "finished").write_text("1")
    return "finished"


@task()
def record_periodic() -> str:
    return record.call("periodic")
