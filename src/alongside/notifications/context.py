"""Template context: the unread count for the badge in the navigation."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest

from alongside.notifications.selectors import unread_count

log = logging.getLogger(__name__)


def unread(request: HttpRequest) -> dict[str, Any]:
    """``notifications_unread``: one COUNT query for a signed-in person, none for visitors.

    A database error here must not take a page down (the help page renders even while the
    database is unreachable): the badge is left out instead.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}
    try:
        return {"notifications_unread": unread_count(user_id=user.pk)}
    except DatabaseError:
        log.warning("unread notifications count unavailable")
        return {"notifications_unread": 0}
