"""The chokepoint from a request to the person making it."""

from __future__ import annotations

from django.http import HttpRequest

from alongside.accounts.models import User
from alongside.core.api import ApiError


def user_of(request: HttpRequest) -> User:
    """The signed-in user of an authenticated request (401 when there is none)."""
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        raise ApiError(401, "Sign in to do this.", "not_authenticated")
    return user
