"""Privacy inventory entries for notifications (see alongside.privacy.inventory)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from alongside.notifications.models import Notification
from alongside.privacy import inventory
from alongside.privacy.inventory import Erase


def _notifications(user_id: int) -> list[dict[str, Any]]:
    # ``data`` was prepared for this person to see; the delivery bookkeeping is left out.
    return [
        {
            "kind": n.kind,
            "data": n.data,
            "count": n.count,
            "created_at": n.created_at,
            "updated_at": n.updated_at,
            "read_at": n.read_at,
        }
        for n in Notification.objects.filter(user_id=user_id).order_by("pk")
    ]


inventory.register(
    Notification,
    section="notifications",
    description=_("Notifications sent to you: replies, mentions, support and moderator actions."),
    export=_notifications,
    erase=Erase.DELETE,
)
