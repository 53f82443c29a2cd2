"""Notification jobs."""

from __future__ import annotations

import datetime

from django_tasks import task

from alongside.core.scheduler import periodic
from alongside.notifications import services


@task()
def notifications_release_held() -> int:
    """Periodic: send the live pushes that quiet hours held, once the quiet hours are over."""
    return services.notifications_release_held()


periodic(
    "notifications.release_held",
    every=datetime.timedelta(minutes=1),
    task=notifications_release_held,
)
