"""Jobs of communities."""

from __future__ import annotations

import datetime

from django_tasks import task

from alongside.communities import services
from alongside.core.scheduler import periodic


@task()
def future_self_release_due() -> int:
    """Periodic: publish the posts whose "future self" wait is over (decision 0013). Safe to
    run on several workers at once and to run again after a crash."""
    return services.pending_release_due()


periodic(
    "communities.future_self_release",
    every=datetime.timedelta(minutes=1),
    task=future_self_release_due,
)
