"""The public JSON API, mounted at /api/v1/ (contract: shared/design/API.md)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from alongside.core.api import AnonymousAllowed, ApiError
from alongside.core.http import json_error


class JsonObjectParser(Parser):
    """Request bodies are JSON objects: a list or a bare value is refused, never coerced."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the request body must be a JSON object")
        if b"\\u0000" in request.body:
            # NUL is never text a person typed and PostgreSQL cannot store or compare it:
            # dropped, as communities.services.clean_text drops it (half surrogate pairs are
            # refused before this: core.middleware.UnusableTextMiddleware).
            data = _without_nul(data)
        return data


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "code": {"type": "string", "description": "Stable machine-readable reason."},
        "field": {"type": "string", "description": "The input field at fault, if any."},
    },
    "required": ["detail", "code"],
    "additionalProperties": False,
}


def _json_method_not_allowed(view: Callable[..., Any]) -> Callable[..., Any]:
    """django-ninja answers an unknown method with a plain-text 405; ours is a JSON error."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            return json_error(
                405,
                _("This method is not allowed here."),
                "method_not_allowed",
                Allow=response["Allow"],
            )
        return response

    return wrapper


def _no_null_body(operation: dict[str, Any]) -> None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    options = content.get("schema", {}).get("anyOf")
    if options and {"type": "null"} in options:
        rest = [option for option in options if option != {"type": "null"}]
        content["schema"] = rest[0] if len(rest) == 1 else {"anyOf": rest}


class AlongsideAPI(NinjaAPI):
    """The API, with the error contract in its answers and in its OpenAPI document."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(pattern.callback)
        return patterns

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        """What django-ninja cannot say by itself:

        - every operation may answer 4xx with ``{detail, code, field?}``, so clients (and the
          schema fuzz) know the shape of every refusal;
        - reads open to signed-out callers have *optional* authentication, which OpenAPI
          spells as an empty security requirement, not as a scheme of its own;
        - an optional body (``payload: X | None = None``) is left out, never sent as JSON
          ``null``: the parser takes JSON objects only.
        """
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = document.setdefault("components", {})
        components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        components.get("securitySchemes", {}).pop(AnonymousAllowed.__name__, None)
        error = {
            "description": "Refused: the body says why.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                operation.setdefault("responses", {}).setdefault("4XX", error)
                _no_null_body(operation)
                if "security" in operation:
                    operation["security"] = [
                        {} if AnonymousAllowed.__name__ in requirement else requirement
                        for requirement in operation["security"]
                    ]
        return document


api = AlongsideAPI(
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
