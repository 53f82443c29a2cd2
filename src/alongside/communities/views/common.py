"""What every communities page shares: rendering (page or htmx fragment, the reader's
time zone, ``Vary: HX-Request``), sending visitors to log in, and turning a service's
refusal into a page."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from alongside.accounts.middleware import actor_for_request
from alongside.communities.models import Reaction
from alongside.core.actor import Actor
from alongside.core.api import ApiError
from alongside.core.http import id_url
from alongside.core.lru import BoundedMemo


def actor_of(request: HttpRequest) -> Actor:
    return actor_for_request(request)


def _zone(request: HttpRequest) -> ZoneInfo | None:
    name = getattr(getattr(request, "user", None), "time_zone", "") or ""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    fragment: str | None = None,
) -> HttpResponse:
    """Render the page, or for htmx the fragment; times in the reader's own time zone."""
    use = fragment if fragment and getattr(request, "htmx", False) else template
    with timezone.override(_zone(request)):
        response = render(request, use, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    if actor_of(request).is_authenticated:
        # What a signed-in person sees depends on who they are: never kept by a shared cache.
        patch_cache_control(response, private=True, no_store=True)
    return response


def to_login(request: HttpRequest, next_url: str) -> HttpResponse:
    """Writing needs an account: to the login page, then back where the person was."""
    response = redirect_to_login(next_url)
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(response["Location"])
    return response


def refusal_page(request: HttpRequest, exc: ApiError) -> HttpResponse:
    """A refusal that belongs to no form field: a 404 stays a 404 (existence hiding), other
    refusals get a page with the service's words and its status."""
    if exc.status == 404:
        raise Http404
    if exc.status == 401:
        return to_login(request, request.get_full_path())
    status = exc.status if 400 <= exc.status < 500 else 400
    response = render(
        request,
        "core/error.html",
        {"title": _("That didn't work"), "message": exc.detail},
        status=status,
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def form_refusal(form: Any, exc: ApiError) -> int:
    """A service refused a form's write: a missing object is a 404 page (existence hiding);
    anything else is shown next to the field it names. Returns the page's status."""
    from alongside.communities.forms import attach_error

    if exc.status == 404:
        raise Http404 from exc
    attach_error(form, exc)
    return status_of(exc)


def status_of(exc: ApiError) -> int:
    return exc.status if 400 <= exc.status < 500 else 422


def next_url(request: HttpRequest, default: str) -> str:
    """A ``next`` from the form, only if it points inside this site."""
    candidate = request.POST.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def cursor_of(request: HttpRequest) -> str | None:
    return request.GET.get("cursor") or None


def thread_url(thread_id: int, post_id: int | None = None) -> str:
    url = reverse("thread-detail", args=[thread_id])
    return f"{url}#post-{post_id}" if post_id else url


def parse_id(value: str | None) -> int | None:
    if value and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


POST_LINKS = (
    "post-react",
    "post-edit",
    "post-delete",
    "post-warning",
    "post-history",
    "post-reveal",
)


def post_urls(post_id: int) -> dict[str, str]:
    """The post's action links, keyed by the URL name without ``post-``."""
    return {name[5:]: id_url(name, post_id) for name in POST_LINKS}


_REACTION_LABELS: BoundedMemo[str, tuple[tuple[str, str], ...]] = BoundedMemo(64)


def _reaction_labels() -> tuple[tuple[str, str], ...]:
    """(kind, label) of every support reaction in the active language, translated once per
    language and process (translating four labels for each of 30 posts was 7 % of a thread
    page)."""
    return _REACTION_LABELS.get_or_compute(
        translation.get_language() or "",
        lambda: tuple((kind.value, str(kind.label)) for kind in Reaction.Kind),
    )


def reaction_list(post: dict[str, Any]) -> list[dict[str, Any]]:
    counts = post.get("reactions") or {}
    mine = set(post.get("my_reactions") or ())
    return [
        {
            "kind": kind,
            "label": label,
            "count": counts.get(kind, 0),
            "pressed": kind in mine,
        }
        for kind, label in _reaction_labels()
    ]
