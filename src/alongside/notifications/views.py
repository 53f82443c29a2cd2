"""The notifications page: the list, newest first, and "mark as read".

Plain links and forms (the page works without JavaScript); ``live.js`` adds live updates.
One view serves the page and, for htmx "Load more", the fragment of the next items.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from alongside.accounts.middleware import actor_for_request
from alongside.accounts.selectors import filters_for
from alongside.core.api import ApiError
from alongside.core.http import redirect_after_post
from alongside.core.realtime import last_seq
from alongside.notifications.selectors import notification_list, safe_url, unread_count
from alongside.notifications.services import notifications_mark_read

_MAX_IDS = 500


def _user_id(request: HttpRequest) -> int:
    user_id = actor_for_request(request).user_id
    if user_id is None:
        raise PermissionDenied
    return user_id


def _with_links(item: dict[str, Any]) -> dict[str, Any]:
    appeal = item["data"].get("appeal_url")
    # Only a link inside this site is shown (safe_url falls back to the list otherwise).
    return {**item, "appeal_url": appeal if appeal and safe_url(appeal) == appeal else ""}


@login_required
@require_GET
def notification_list_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    user_id = _user_id(request)
    cursor = request.GET.get("cursor") or None
    # The stream position this page reflects, read before the list: live.js resumes after
    # it, so an event published while the page loads is not missed (one already listed is
    # replaced in place, not shown twice).
    event_seq = last_seq(user_id=user_id)
    try:
        items, next_cursor = notification_list(
            user_id=user_id, cursor=cursor, filters=filters_for(actor)
        )
    except ApiError as exc:  # a tampered cursor: there is no such page
        raise Http404 from exc
    context = {
        "items": [_with_links(item) for item in items],
        "next_cursor": next_cursor,
        "unread": unread_count(user_id=user_id),
        "paged": cursor is not None,
        "event_seq": event_seq,
    }
    fragment = bool(getattr(request, "htmx", False)) and cursor is not None
    template = "notifications/list/partial.html" if fragment else "notifications/list/index.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_POST
def notification_read_view(request: HttpRequest) -> HttpResponse:
    """Mark read: the ids posted (one notification's button), or all without ids."""
    user_id = _user_id(request)
    raw = request.POST.getlist("ids")
    ids: list[int] | None = None
    if raw:
        if len(raw) > _MAX_IDS or not all(v.isascii() and v.isdigit() for v in raw):
            return HttpResponseBadRequest(_("These notifications could not be found."))
        ids = [int(v) for v in raw if len(v) <= 18]
    notifications_mark_read(user_id=user_id, ids=ids)
    if ids is None:
        messages.success(request, _("All notifications are marked as read."))
    else:
        messages.success(
            request,
            ngettext(
                "The notification is marked as read.",
                "The notifications are marked as read.",
                len(ids),
            ),
        )
    return redirect_after_post(request, reverse("notification-list"))
