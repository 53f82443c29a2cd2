from __future__ import annotations

import json
import re
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, QueryDict

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set; on every response, static files too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith(("/api/", "/_allauth/")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: A JSON escape of a surrogate (paired or not: the parsed body tells).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _has(char: str, fields: QueryDict) -> bool:
    return any(char in key or char in "".join(values) for key, values in fields.lists())


def _unusable_json(body: bytes) -> bool:
    """True for a JSON body that is not UTF-8, nests deeper than the parser can follow, or
    holds half a surrogate pair (JSON can spell "\\ud800"): such strings cannot be encoded,
    hashed, encrypted or stored, and allauth's own parser does not catch the deep nesting."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError):
        return True
    except ValueError:
        return False  # not JSON at all: the view answers that
    if _SURROGATE_ESCAPE.search(body):
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return True
    return False


class UnusableTextMiddleware:
    """Text no person types and no database keeps: NUL (PostgreSQL can neither store nor
    compare text holding one) and half surrogate pairs. Left alone they were 500s wherever a
    path, query, form field or JSON string reached a query, a password hash or the keyring.

    A path with NUL, and a JSON body that is not UTF-8 text or nests too deep to parse, are
    refused with 400. Query parameters and form fields lose their NULs, as
    ``communities.services.clean_text`` and the API's JSON parser drop them (so the crisis
    pages, whose paths hold none, answer whatever their query says)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or self._unusable_body(request):
            from alongside.core.errors import handler400

            return handler400(request)
        if _has("\x00", request.GET):
            request.GET = _without_nul(request.GET)  # type: ignore[assignment]
        forms = request.method == "POST" and request.content_type in _FORM_TYPES
        if forms and _has("\x00", request.POST):
            request.POST = _without_nul(request.POST)  # type: ignore[assignment]
        return self.get_response(request)

    @staticmethod
    def _unusable_body(request: HttpRequest) -> bool:
        if request.content_type != "application/json":
            return False
        try:
            body = request.body
        except RequestDataTooBig:
            return False  # the view's own read answers 400
        return _unusable_json(body)


def _without_nul(fields: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True)
    for key, values in fields.lists():
        cleaned.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
    cleaned._mutable = False
    return cleaned


class MethodNotAllowedPageMiddleware:
    """Django answers a view's refused method with an empty 405, which a browser shows as its
    own error screen. People get the site's page saying what happened (the ``Allow`` header
    kept); the API and allauth's endpoints keep their JSON answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        from alongside.core.errors import page405
        from alongside.core.http import wants_json

        if wants_json(request):
            return response
        return page405(request, response.get("Allow", ""))
