"""The database settings of the generated peer projects: those Alongside uses in production
(``alongside.settings``: psycopg 3 with a connection pool of up to 20 per process, a 3 s connect
timeout, no persistent connections outside the pool), from ``PEER_DATABASE_URL``.

Copied next to each generated project's settings by benchmarks/peers/run.py."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote, urlsplit


def database_from_env() -> dict[str, Any]:
    parts = urlsplit(os.environ["PEER_DATABASE_URL"])
    if parts.scheme not in {"postgres", "postgresql"}:
        raise SystemExit("PEER_DATABASE_URL must be a postgres:// URL")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {
            "connect_timeout": 3,
            "pool": {
                "min_size": 1,
                "max_size": int(os.environ.get("PEER_DB_POOL_SIZE", "20")),
                "timeout": 5,
            },
        },
    }
