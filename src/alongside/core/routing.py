"""WebSocket routes. The consumer authenticates by session cookie or ``?token=``."""

from __future__ import annotations

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from alongside.core.consumers import EventsConsumer

websocket_urlpatterns = [path("ws/events", EventsConsumer.as_asgi())]

websocket_application = AllowedHostsOriginValidator(
    AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
)
