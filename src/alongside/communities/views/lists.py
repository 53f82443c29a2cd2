"""Lists across communities: my feed, search, tags and my bookmarks."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from alongside.communities import selectors
from alongside.communities.forms import (
    SearchForm,
)
from alongside.communities.views.common import (
    actor_of,
    cursor_of,
    refusal_page,
    render_page,
)
from alongside.core.api import ApiError


def _feed_sorts() -> list[tuple[str, str]]:
    return [
        ("new", _("New")),
        ("needs_support", _("Needs support")),
        ("supported", _("Most supported")),
    ]


@login_required
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """Threads in my communities: new, needing a first reply, most supported."""
    actor = actor_of(request)
    sort = request.GET.get("sort", "new")
    if sort not in selectors.FEED_SORTS:
        sort = "new"
    cursor = cursor_of(request)
    try:
        page = selectors.feed(actor=actor, sort=sort, cursor=cursor)
    except ApiError as exc:
        return refusal_page(request, exc)
    context = {
        "threads": page,
        "sort": sort,
        "sorts": _feed_sorts(),
        "cursor": cursor,
        "needs_support": sort == "needs_support",
    }
    return render_page(
        request,
        "communities/feed/index.html",
        context,
        fragment="communities/feed/partial.html" if cursor else None,
    )


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = SearchForm(request.GET)
    query = ""
    results: dict[str, Any] | None = None
    status = 200
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        if query:
            try:
                results = selectors.search(actor=actor, q=query, cursor=cursor_of(request))
            except ApiError as exc:
                return refusal_page(request, exc)
    else:
        status = 400
    context = {"form": form, "query": query, "results": results}
    return render_page(request, "communities/search/index.html", context, status=status)


@require_GET
def tag_list(request: HttpRequest) -> HttpResponse:
    tags = selectors.trending_tags(actor=actor_of(request), limit=30)
    return render_page(request, "communities/tag_list/index.html", {"tags": tags})


@require_GET
def tag_detail(request: HttpRequest, name: str) -> HttpResponse:
    """A tag's threads; a tag the operators blocked shows support instead of posts."""
    actor = actor_of(request)
    cursor = cursor_of(request)
    try:
        page = selectors.tag_threads(actor=actor, name=name, cursor=cursor)
    except ApiError as exc:
        return refusal_page(request, exc)
    context = {"tag": page, "threads": page, "cursor": cursor}
    if page["blocked"]:
        return render_page(request, "communities/tag_detail/blocked.html", context)
    return render_page(
        request,
        "communities/tag_detail/index.html",
        context,
        fragment="communities/tag_detail/partial.html" if cursor else None,
    )


@login_required
@require_GET
def bookmark_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    cursor = cursor_of(request)
    try:
        page = selectors.bookmark_list(actor=actor, cursor=cursor)
    except ApiError as exc:
        return refusal_page(request, exc)
    return render_page(
        request,
        "communities/bookmark_list/index.html",
        {"threads": page, "cursor": cursor},
        fragment="communities/bookmark_list/partial.html" if cursor else None,
    )
