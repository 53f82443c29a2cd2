"""Crisis paths never fail closed: the help and grounding pages render even when the database
is down."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

CRISIS_PATHS = frozenset({"/help", "/help/", "/help/grounding/"})


class CrisisPathMiddleware:
    """Placed before the session and authentication middleware.

    For a signed-in visitor those layers read the database before the help view runs; when it
    is unreachable they end in the 503 page. For the help page we then render it again as for a
    logged-out visitor — its crisis lines come from a file, not from the database.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 503 or request.path not in CRISIS_PATHS:
            return response
        from alongside.safety.help_views import grounding
        from alongside.safety.views import help_page

        view = grounding if request.path == "/help/grounding/" else help_page
        log.warning("crisis page served without session: database unavailable")
        request.user = AnonymousUser()
        if hasattr(request, "session"):
            del request.session
        try:
            return view(request)
        except Exception:  # never worse than the 503 page, which links here too
            log.exception("degraded help page failed")
            return response
