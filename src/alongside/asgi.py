"""ASGI entry point: Django for HTTP (its WSGI handler in a worker thread, decision 0019),
Channels for /ws/ (served by uvicorn)."""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")

import django

django.setup(set_prefix=False)

from channels.routing import ProtocolTypeRouter  # noqa: E402

from alongside.core.routing import websocket_application  # noqa: E402

http_application: Any
if os.environ.get("ALONGSIDE_HTTP_HANDLER", "") == "django-asgi":
    # The fallback to Django's own ASGI handler (slower, decision 0019; docs/operations.md).
    from django.core.handlers.asgi import ASGIHandler

    http_application = ASGIHandler()
else:
    from alongside.core.asgi_http import DjangoHTTP

    http_application = DjangoHTTP()

application = ProtocolTypeRouter({"http": http_application, "websocket": websocket_application})

if os.environ.get("ALONGSIDE_SERVING"):
    from alongside.core.server import tune_gc
    from alongside.safety.detection import assess

    # Before the first request: the risk engine compiles its rules on first use (~0.5 s).
    # The first post after a restart — perhaps from someone in crisis — waited for it, with
    # every connection of that worker behind it (benchmarks/README.md, "Session 8").
    assess("Warming up.")
    tune_gc()  # after warming: what it loaded is frozen with the rest
