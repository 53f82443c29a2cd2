"""/healthz says the process is up; /readyz says its dependencies answer."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_ready_when_database_is_reachable_and_migrated(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}


@pytest.mark.django_db
def test_not_ready_when_configured_redis_is_unreachable(client: Client, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:6390/0"  # nothing listens there
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["redis"] == "unreachable"
    assert response["Retry-After"] == "5"
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
