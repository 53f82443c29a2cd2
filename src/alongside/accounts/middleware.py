from __future__ import annotations

import threading
import time
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


class SessionActivityMiddleware:
    """allauth's session tracking (the devices list; erasure ends tracked sessions at once),
    recorded at most once per session per process every ``EVERY_SECONDS`` rather than with a
    write on every request."""

    EVERY_SECONDS = 300.0
    MAX_REMEMBERED = 20_000

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def _due(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            last = self._seen.get(key)
            if last is not None and now - last < self.EVERY_SECONDS:
                return False
            if len(self._seen) >= self.MAX_REMEMBERED:
                self._seen.clear()
            self._seen[key] = now
            return True

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        key = getattr(session, "session_key", None)
        if key and self._due(key):
            from allauth.usersessions.internal.usersessionkit import track_activity

            track_activity(request, user=getattr(request, "user", None), session=session)
        return self.get_response(request)
