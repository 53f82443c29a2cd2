"""ASGI entry point of the generated Spirit project (its template has only a WSGI one)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirit_bench.settings.bench")

application = get_asgi_application()
