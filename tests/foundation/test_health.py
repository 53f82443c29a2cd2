"""/healthz: the process is up; /readyz: it can serve (database), with Redis and workers."""

from __future__ import annotations

import pytest
from django.test import Client


def _worker_alive() -> None:
    from alongside.core.jobs import heartbeat

    heartbeat("test-worker")


@pytest.mark.django_db
def test_ready_when_database_is_reachable_and_migrated(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    _worker_alive()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "not configured",
        "workers": 1,
    }


@pytest.mark.django_db
def test_degraded_but_ready_without_a_live_job_worker(client: Client, settings) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from alongside.core.models import WorkerHeartbeat

    settings.REDIS_URL = ""
    _worker_alive()
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timedelta(minutes=5))
    response = client.get("/readyz")
    assert response.status_code == 200  # pages work; escalations and exports wait
    assert response.json()["status"] == "degraded"
    assert response.json()["workers"] == 0


@pytest.mark.django_db
def test_degraded_but_ready_when_configured_redis_is_unreachable(client: Client, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:6390/0"  # nothing listens there
    _worker_alive()
    response = client.get("/readyz")
    assert response.status_code == 200  # pages and API work without Redis (decision 0007)
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "redis": "unreachable",
        "workers": 1,
    }
    assert "Retry-After" not in response
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_not_ready_when_database_is_unreachable(
    client: Client, monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    from django.db import OperationalError, connection

    settings.REDIS_URL = ""

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
