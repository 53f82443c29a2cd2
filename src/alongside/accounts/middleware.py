from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from alongside.core.actor import Actor
from alongside.core.http import client_ip


def actor_for_request(request: HttpRequest) -> Actor:
    """The request's Actor, built once (after authentication by cookie or session token)."""
    cached: Actor | None = getattr(request, "_actor", None)
    if cached is None:
        from alongside.accounts.selectors import actor_for_user

        cached = actor_for_user(getattr(request, "user", None), ip=client_ip(request))
        request._actor = cached  # type: ignore[attr-defined]
    return cached


class ActorMiddleware:
    """Attach ``request.actor`` and use the member's chosen language unless they picked one now."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = SimpleLazyObject(lambda: actor_for_request(request))  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and "django_language" not in request.COOKIES
            and not request.path.startswith("/api/")
        ):
            translation.activate(user.locale)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
