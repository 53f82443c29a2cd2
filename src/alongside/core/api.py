"""Shared pieces of the JSON API: authentication, error shape ``{detail, code, field?}``."""

from __future__ import annotations

from typing import Any

from allauth.headless.internal.sessionkit import authenticate_by_x_session_token
from django.http import HttpRequest
from ninja.security import APIKeyCookie
from ninja.security.base import AuthBase

from alongside.core.http import reset_actor


class ApiError(Exception):
    """Raised by handlers and services to answer with a clear 4xx JSON error."""

    def __init__(
        self,
        status: int,
        detail: str,
        code: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.field = field
        self.headers = headers or {}


def _set_user(request: HttpRequest, user: Any) -> None:
    request.user = user
    reset_actor(request)


def user_for_session_token(token: str) -> Any:
    """The user an allauth session token belongs to, or ``None``.

    allauth returned ``(user, session)`` before 65.22 and a result object with ``.user`` since;
    both shapes are accepted so a minor allauth upgrade cannot lock every app client out.
    """
    found = authenticate_by_x_session_token(token)
    if not found:
        return None
    if isinstance(found, tuple):
        return found[0]
    return getattr(found, "user", None)


class SessionTokenAuth(AuthBase):
    """``X-Session-Token`` issued by the allauth headless app client."""

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "X-Session-Token"

    def __call__(self, request: HttpRequest) -> Any:
        token = request.headers.get("X-Session-Token")
        if not token:
            return None
        user = user_for_session_token(token)
        if user is None or not user.is_active:
            return None
        _set_user(request, user)
        return user


class CookieAuth(APIKeyCookie):
    """The browser session cookie (CSRF-checked on unsafe methods)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


session_token_auth = SessionTokenAuth()
cookie_auth = CookieAuth()
USER_AUTH = [session_token_auth, cookie_auth]


class AnonymousAllowed(AuthBase):
    """Last in a list of authenticators: lets a signed-out caller through as anonymous.

    Used for reads that depend on visibility (public communities, public threads): a token or
    session, when present, still identifies the caller, so they see what they may see.
    """

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "X-Session-Token"

    def __call__(self, request: HttpRequest) -> Any:
        return True


OPTIONAL_AUTH = [session_token_auth, cookie_auth, AnonymousAllowed()]
