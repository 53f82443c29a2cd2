"""Jobs of moderation: trust levels recomputed, ended sanctions taken into account."""

from __future__ import annotations

import datetime

from django_tasks import task

from alongside.core.scheduler import periodic
from alongside.moderation import services
from alongside.moderation.trust import trust_recompute


@task()
def trust_recompute_all() -> int:
    """Periodic: recompute every trust level (counters change on every thread view)."""
    return trust_recompute()


@task()
def sanctions_expire() -> int:
    """Periodic: people whose mute, suspension or warning ended get their trust back."""
    return services.sanctions_expire()


periodic("moderation.trust_recompute", every=datetime.timedelta(hours=1), task=trust_recompute_all)
periodic("moderation.sanctions_expire", every=datetime.timedelta(minutes=10), task=sanctions_expire)
