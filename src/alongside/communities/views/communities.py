"""Pages of communities: the list, one community with its threads, join and leave."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alongside.communities import access, selectors, services
from alongside.communities.models import Community
from alongside.communities.views.common import (
    actor_of,
    cursor_of,
    next_url,
    refusal_page,
    render_page,
    to_login,
)
from alongside.core.api import ApiError
from alongside.core.http import redirect_after_post


def _sorts() -> list[tuple[str, str]]:
    return [
        ("activity", _("Recent activity")),
        ("new", _("Newest")),
        ("waiting", _("Waiting for a reply")),
        ("supported", _("Most supported")),
    ]


def _visibility_label(value: str) -> str:
    try:
        return str(Community.Visibility(value).label)
    except ValueError:
        return value


def _with_visibility(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "visibility_label": _visibility_label(item["visibility"])} for item in items]


@require_GET
def community_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    communities = _with_visibility(selectors.community_list(actor=actor))
    return render_page(
        request,
        "communities/community_list/index.html",
        {"communities": communities, "signed_in": actor.is_authenticated},
    )


@require_GET
def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A community: who it is for, its rules and its threads (sorted, a page at a time).
    A members-only community shows its description and a Join button to non-members."""
    actor = actor_of(request)
    place = access.get_community_for(actor, slug)
    detail = selectors.community_detail(actor=actor, place=place)
    detail["visibility_label"] = _visibility_label(detail["visibility"])
    sort = request.GET.get("sort", "activity")
    if sort not in dict(_sorts()):
        sort = "activity"
    cursor = cursor_of(request)
    threads = None
    if place.can_read:
        try:
            threads = selectors.thread_list(actor=actor, place=place, cursor=cursor, sort=sort)
        except ApiError as exc:
            return refusal_page(request, exc)
    context = {
        "community": detail,
        "threads": threads,
        "sort": sort,
        "sorts": _sorts(),
        "cursor": cursor,
        "signed_in": actor.is_authenticated,
        "needs_support": sort == "waiting",
        "more_label": _("Older threads") if sort in ("activity", "new") else _("More threads"),
    }
    return render_page(
        request,
        "communities/community_detail/index.html",
        context,
        fragment="communities/community_detail/partial.html" if cursor else None,
    )


@require_POST
def community_join(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_of(request)
    place = access.get_community_for(actor, slug)
    url = reverse("community-detail", args=[slug])
    if not actor.is_authenticated:
        return to_login(request, url)
    try:
        services.membership_join(actor=actor, place=place)
    except ApiError as exc:
        return refusal_page(request, exc)
    messages.success(request, _("You joined %(name)s. Welcome.") % {"name": place.community.name})
    return redirect_after_post(request, next_url(request, url))


@require_POST
def community_leave(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_of(request)
    place = access.get_community_for(actor, slug)
    url = reverse("community-detail", args=[slug])
    if not actor.is_authenticated:
        return to_login(request, url)
    try:
        services.membership_leave(actor=actor, place=place)
    except ApiError as exc:
        return refusal_page(request, exc)
    messages.success(request, _("You left %(name)s.") % {"name": place.community.name})
    # A private community may no longer be visible once left: go to the list instead.
    if place.community.visibility == Community.Visibility.PRIVATE:
        url = reverse("community-list")
    return redirect_after_post(request, next_url(request, url))
