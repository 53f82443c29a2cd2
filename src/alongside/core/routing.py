"""WebSocket routes. The consumer authenticates by session cookie or ``?token=``."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.urls import path

from alongside.core.consumers import EventsConsumer

websocket_urlpatterns = [path("ws/events", EventsConsumer.as_asgi())]


class BrowserOriginValidator(OriginValidator):  # type: ignore[misc]
    """Browsers must come from one of our hosts; clients that send no Origin may connect.

    The Origin check stops other sites from opening a socket with a visitor's cookie.
    Browsers always send Origin on WebSocket handshakes, so a request without one is an app
    client, which authenticates with ``?token=`` (a cookie it could only hold legitimately).
    """

    def valid_origin(self, parsed_origin: Any) -> bool:
        if parsed_origin is None:
            return True
        return bool(self.validate_origin(parsed_origin))

    def validate_origin(self, parsed_origin: Any) -> bool:
        # ALLOWED_HOSTS is read per connection so that settings overrides (tests) apply.
        allowed = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not allowed:
            allowed = ["localhost", "127.0.0.1", "[::1]"]
        return any(
            pattern == "*" or self.match_allowed_origin(parsed_origin, pattern)
            for pattern in allowed
        )


websocket_application = BrowserOriginValidator(
    AuthMiddlewareStack(URLRouter(websocket_urlpatterns)), settings.ALLOWED_HOSTS
)
