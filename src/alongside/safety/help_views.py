"""Self-help pages beside the crisis lines: the grounding exercises.

A crisis path like the help page: it works logged out, without JavaScript, and when the
database, cache or Redis is down (``CrisisPathMiddleware`` renders it again as for a visitor
if the session layer fails). It is never rate-limited.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alongside.safety.support import talk_url
from alongside.safety.views import _member


def grounding(request: HttpRequest) -> HttpResponse:
    """5-4-3-2-1 and paced breathing, as plain steps; the breathing guide's animation is an
    extra that a person opens themselves and that respects ``prefers-reduced-motion``."""
    user, has_plan = _member(request)
    context = {
        # As on the help page: the shell must not touch the database again while rendering.
        "user": user,
        "messages": [] if not user.is_authenticated else messages.get_messages(request),
        "has_plan": has_plan,
        "talk_url": talk_url(),
    }
    return render(request, "safety/grounding/index.html", context)
