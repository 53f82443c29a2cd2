"""Error pages: JSON ``{detail, code}`` for the API, kind pages for people, 503 when the
database is unreachable so clients retry instead of seeing a crash."""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from alongside.core.http import json_error, wants_json

log = logging.getLogger(__name__)

_UNREACHABLE = (
    "connect",
    "server closed",
    "terminating",
    "timeout",
    "pool",
    "locked",
    "unable to open",
    "connection",
)


def database_unreachable(exc: BaseException | None) -> bool:
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    text = str(exc).lower()
    return any(marker in text for marker in _UNREACHABLE)


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    try:
        return render(
            request, "core/error.html", {"title": title, "message": message}, status=status
        )
    except Exception:  # the error page itself must never fail
        return HttpResponse(f"<h1>{title}</h1><p>{message}</p>", status=status)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return json_error(400, _("The request could not be understood."), "bad_request")
    return _page(request, 400, _("Bad request"), _("The request could not be understood."))


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return json_error(403, _("You do not have permission to do that."), "forbidden")
    return _page(request, 403, _("Not allowed"), _("You do not have permission to do that."))


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return json_error(404, _("Not found."), "not_found")
    return _page(request, 404, _("Page not found"), _("We could not find that page."))


def page405(request: HttpRequest, allowed: str) -> HttpResponse:
    """A page address used with a method it does not take. In a browser that is usually a
    form's address opened directly (a bookmark, a reload after the form was sent)."""
    methods = {m.strip().upper() for m in allowed.split(",")}
    if request.method in ("GET", "HEAD") and "POST" in methods:
        title = _("This address is for a form")
        message = _("This address only takes what a form sends, so there is nothing to show here.")
    else:
        title = _("Not possible here")
        message = _("This page cannot take that kind of request. Reload it and try again.")
    response = _page(request, 405, title, message)
    response["Allow"] = allowed
    return response


def handler500(request: HttpRequest, *args: Any) -> HttpResponse:
    exc = sys.exc_info()[1]
    if database_unreachable(exc):
        log.warning("database unreachable path=%s", request.path)
        if wants_json(request):
            return json_error(
                503,
                _("The service is briefly unavailable. Please retry."),
                "unavailable",
                Retry_After="5",
            )
        response = _page(
            request,
            503,
            _("Briefly unavailable"),
            _("Alongside is briefly unavailable. Please try again in a moment."),
        )
        response["Retry-After"] = "5"
        return response
    if wants_json(request):
        return json_error(500, _("Something went wrong on our side."), "server_error")
    return _page(request, 500, _("Something went wrong"), _("Something went wrong on our side."))
