"""Process health and the home page."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from alongside.core.jobs import STALE_AFTER
from alongside.core.models import WorkerHeartbeat


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving; says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


#: Once this process has seen every migration applied it stays so (a new release means new
#: processes), so later probes skip loading the migration graph and only ping the database.
_migrations_checked = False


def _database_ready() -> tuple[bool, str]:
    global _migrations_checked  # noqa: PLW0603
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_checked:
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                return False, "migrations pending"
            _migrations_checked = True
    except Exception:
        return False, "unreachable"
    return True, "ok"


def _redis_ready() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return True, "not configured"
    try:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5
        )
        client.ping()
    except Exception:
        return False, "unreachable"
    return True, "ok"


def _live_workers() -> int:
    """Job workers whose heartbeat is fresh, on any machine."""
    try:
        cutoff = timezone.now() - STALE_AFTER
        return WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).count()
    except Exception:
        return 0


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic: the database reachable with migrations applied.

    Redis is an accelerator (decision 0007): without it every page and the API still work, so
    an unreachable Redis makes the process "degraded" (200, for monitoring to alert on), never
    unready — a load balancer must not take every node out because Redis went away. So does
    having no live job worker anywhere: pages work, but escalation timers, exports and
    erasures wait, which an operator must hear about.
    """
    db_ok, db_state = _database_ready()
    redis_ok, redis_state = _redis_ready()
    workers = _live_workers() if db_ok else 0
    status = "unavailable" if not db_ok else "ok" if redis_ok and workers else "degraded"
    response = JsonResponse(
        {"status": status, "database": db_state, "redis": redis_state, "workers": workers},
        status=200 if db_ok else 503,
    )
    if not db_ok:
        response["Retry-After"] = "5"
    return response


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home/index.html")
