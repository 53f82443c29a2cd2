"""HTTP helpers shared by every app: client address, JSON errors."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse


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
