"""HTTP helpers shared by every app: client address, JSON errors."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "") or "")


def json_error(
    status: int, detail: str, code: str, field: str | None = None, **headers: str
) -> JsonResponse:
    body: dict[str, Any] = {"detail": str(detail), "code": code}
    if field:
        body["field"] = field
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(
        ("/api/", "/_allauth/")
    ) or "application/json" in request.headers.get("Accept", "")


def reset_actor(request: HttpRequest) -> None:
    """Forget the request's cached Actor (after authenticating by session token)."""
    if hasattr(request, "_actor"):
        del request._actor


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def redirect_after_post(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful POST: 303 for a plain form, ``HX-Redirect`` for htmx."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseSeeOther(url)


_URL_MARKER = 987654321


@functools.cache
def _url_parts(name: str) -> tuple[str, str]:
    head, _marker, tail = reverse(name, args=[_URL_MARKER]).partition(str(_URL_MARKER))
    return head, tail


def id_url(name: str, object_id: int) -> str:
    """``reverse(name, args=[object_id])`` for a route taking one integer, reversed once per
    process: a thread page builds several links per post and ``reverse`` dominated its cost."""
    head, tail = _url_parts(name)
    return f"{head}{object_id}{tail}"
