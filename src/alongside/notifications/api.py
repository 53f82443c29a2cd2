from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from alongside.accounts.access import user_of
from alongside.accounts.middleware import actor_for_request
from alongside.accounts.selectors import filters_for
from alongside.core.api import USER_AUTH
from alongside.notifications.schemas import (
    NotificationListOut,
    NotificationReadIn,
    NotificationReadOut,
)
from alongside.notifications.selectors import notification_list, unread_count
from alongside.notifications.services import notifications_mark_read

router = Router(tags=["notifications"])


@router.get(
    "/notifications",
    response=NotificationListOut,
    auth=USER_AUTH,
    summary="My notifications, newest first",
    description="Keyset pagination: pass `next` as `?cursor=` for the following page.",
)
def notifications_list(request: HttpRequest, cursor: str | None = None) -> dict[str, Any]:
    user = user_of(request)
    items, next_cursor = notification_list(
        user_id=user.pk, cursor=cursor, filters=filters_for(actor_for_request(request))
    )
    return {"items": items, "next": next_cursor, "unread": unread_count(user_id=user.pk)}


@router.post(
    "/notifications/read",
    response=NotificationReadOut,
    auth=USER_AUTH,
    summary="Mark notifications read",
    description="`ids` marks those (other people's ids are ignored); without `ids`, all.",
)
def notifications_read(
    request: HttpRequest, payload: NotificationReadIn | None = None
) -> dict[str, int]:
    # No body at all means the same as no ids: mark everything read.
    ids = payload.validated_ids() if payload is not None else None
    unread = notifications_mark_read(user_id=user_of(request).pk, ids=ids)
    return {"unread": unread}
