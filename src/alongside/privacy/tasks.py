"""Privacy jobs. Each takes ids only (job arguments are stored in the database), reloads, and
calls a service that checks for staleness itself."""

from __future__ import annotations

import datetime

from django_tasks import task

from alongside.core.scheduler import periodic
from alongside.privacy import services


@task()
def privacy_build_export(export_id: str) -> None:
    services.export_build(export_id=export_id)


@task()
def privacy_erase_user(erasure_id: str) -> None:
    services.erasure_run(erasure_id=erasure_id)


@task()
def privacy_purge_expired_exports() -> int:
    """Periodic: drop archives older than ``EXPORT_RETENTION_DAYS`` days."""
    return services.export_purge_expired()


@task()
def privacy_resume_erasures() -> int:
    """Periodic: re-enqueue erasures that stopped part-way."""
    return services.erasure_resume_stalled()


periodic(
    "privacy.purge_expired_exports",
    every=datetime.timedelta(days=1),
    task=privacy_purge_expired_exports,
)
periodic(
    "privacy.resume_erasures", every=datetime.timedelta(minutes=5), task=privacy_resume_erasures
)
