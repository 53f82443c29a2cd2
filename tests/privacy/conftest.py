"""Helpers for the privacy tests: API calls with a session token, reading an export."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from tests.conftest import auth, run_jobs

API = "/api/v1"

#: Models of the foundation that hold data about a person (checked by export and erasure tests).
FOUNDATION_TABLES = {
    "accounts.User",
    "accounts.RoleGrant",
    "account.EmailAddress",
    "mfa.Authenticator",
    "usersessions.UserSession",
    "core.DataKey",
    "core.EventStream",
    "core.Event",
    "privacy.ConsentRecord",
    "privacy.ExportRequest",
}


def api_get(client: Client, path: str, token: str) -> Any:
    return client.get(API + path, **auth(token))


def api_post(client: Client, path: str, token: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(API + path, body or {}, content_type="application/json", **auth(token))


def export_archive(client: Client, token: str) -> dict[str, Any]:
    """Ask for an export through the API, run the job, download and parse the archive."""
    started = api_post(client, "/me/export", token)
    assert started.status_code == 202, started.content
    export_id = started.json()["id"]
    run_jobs()
    status = api_get(client, f"/me/export/{export_id}", token).json()
    assert status["status"] == "ready", status
    download = client.get(status["download_url"], **auth(token))
    assert download.status_code == 200, download.content
    return json.loads(download.content)
