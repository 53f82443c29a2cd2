"""The public JSON API, mounted at /api/v1/ (contract: shared/design/API.md)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from alongside.core.api import ApiError
from alongside.core.http import json_error


class JsonObjectParser(Parser):
    """Request bodies are JSON objects: a list or a bare value is refused, never coerced."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the request body must be a JSON object")
        return data


api = NinjaAPI(
    parser=JsonObjectParser(),
    title="Alongside API",
    version="1",
    urls_namespace="api",
    docs_url=None,
    description="Peer support with safety built in. Errors are {detail, code, field?}.",
)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return json_error(
        exc.status,
        exc.detail,
        exc.code,
        exc.field,
        **{k.replace("-", "_"): v for k, v in exc.headers.items()},
    )


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = [
        str(part)
        for part in first.get("loc", [])
        if part not in ("body", "payload", "query", "path")
    ]
    field = ".".join(loc) or None
    message = str(first.get("msg", _("Invalid input.")))
    return json_error(422, message, "invalid", field)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return json_error(401, _("Sign in to do this."), "not_authenticated")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return json_error(404, _("Not found."), "not_found")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {
        400: "bad_request",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        429: "rate_limited",
    }
    return json_error(exc.status_code, str(exc), codes.get(exc.status_code, "error"))


def _register_routers() -> None:
    from alongside.accounts.api import router as accounts_router
    from alongside.communities.api import router as communities_router
    from alongside.notifications.api import router as notifications_router
    from alongside.privacy.api import router as privacy_router
    from alongside.safety.api import router as safety_router

    api.add_router("", accounts_router)
    api.add_router("", privacy_router)
    api.add_router("", safety_router)
    api.add_router("", "alongside.safety.support_api.router")  # draft check
    api.add_router("", communities_router)
    api.add_router("", notifications_router)
    api.add_router("", "alongside.moderation.api.router")


_register_routers()
