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


class SessionTokenAuth(AuthBase):
    """``X-Session-Token`` issued by the allauth headless app client."""

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "X-Session-Token"

    def __call__(self, request: HttpRequest) -> Any:
        token = request.headers.get("X-Session-Token")
        if not token:
            return None
        found = authenticate_by_x_session_token(token)
        if not found:
            return None
        user = found[0]
        if not user.is_active:
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
