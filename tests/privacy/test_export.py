"""Export: a job builds a JSON archive of everything the person owns; only they can download
it, and only for EXPORT_RETENTION_DAYS days."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from alongside.core.audit import pseudonym
from alongside.core.models import AuditEntry
from alongside.privacy.models import ExportRequest
from alongside.privacy.purposes import PURPOSES
from alongside.privacy.services import export_purge_expired
from alongside.privacy.tasks import privacy_purge_expired_exports
from tests.conftest import auth, run_jobs
from tests.privacy.conftest import api_get, api_post, export_archive


def _ready_export(client: Client, token: str) -> dict:
    started = api_post(client, "/me/export", token)
    assert started.status_code == 202
    run_jobs()
    status = api_get(client, f"/me/export/{started.json()['id']}", token).json()
    assert status["status"] == "ready"
    return status


@pytest.mark.django_db(transaction=True)
def test_the_archive_contains_the_profile_and_the_consent_history(
    client: Client, make_member
) -> None:
    member = make_member(email="export-me@example.org")
    token = member["token"]
    client.patch(
        "/api/v1/me",
        {"display_name": "River", "pronouns": "they/them"},
        content_type="application/json",
        **auth(token),
    )
    research = PURPOSES["research"].version
    api_post(client, "/me/consents/research", token, {"granted": True, "version": research})
    api_post(client, "/me/consents/research", token, {"granted": False})

    archive = export_archive(client, token)

    assert archive["format"] == "alongside-export"
    profile = archive["sections"]["profile"]["items"]
    assert profile == [
        {
            "id": member["user_id"],
            "username": member["username"],
            "email": "export-me@example.org",
            "display_name": "River",
            "pronouns": "they/them",
            "locale": "en",
            "country": "",
            "time_zone": "UTC",
            "birth_year": 1990,
            "age_band": "adult",
            "date_joined": profile[0]["date_joined"],
            "last_login": profile[0]["last_login"],
        }
    ]
    consents = [
        (c["purpose"], c["granted"], c["source"]) for c in archive["sections"]["consents"]["items"]
    ]
    assert consents == [
        ("terms", True, "signup"),
        ("research", True, "api"),
        ("research", False, "api"),
    ]
    assert archive["sections"]["email_addresses"]["items"][0]["email"] == "export-me@example.org"


@pytest.mark.django_db(transaction=True)
def test_an_export_starts_pending_then_offers_a_download(client: Client, make_member) -> None:
    member = make_member()
    started = api_post(client, "/me/export", member["token"])
    assert started.status_code == 202
    body = started.json()
    assert body["status"] == "pending"
    assert body["download_url"] is None
    uuid.UUID(body["id"])

    again = api_post(client, "/me/export", member["token"])
    assert again.status_code == 200, "a second request while one is pending returns it"
    assert again.json()["id"] == body["id"]

    run_jobs()
    ready = api_get(client, f"/me/export/{body['id']}", member["token"]).json()
    assert ready["status"] == "ready"
    assert ready["download_url"].endswith(f"/api/v1/me/export/{body['id']}/download")
    expires = datetime.datetime.fromisoformat(ready["expires_at"])
    made = datetime.datetime.fromisoformat(ready["ready_at"])
    assert expires - made == datetime.timedelta(days=settings.EXPORT_RETENTION_DAYS)

    download = client.get(ready["download_url"], **auth(member["token"]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/json")
    assert download["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download["Cache-Control"]

    actions = set(
        AuditEntry.objects.filter(target_id=pseudonym(member["user_id"])).values_list(
            "action", flat=True
        )
    )
    assert {"privacy.export_request", "privacy.export_download"} <= actions


@pytest.mark.django_db(transaction=True)
def test_the_archive_is_stored_encrypted(client: Client, make_member) -> None:
    member = make_member()
    _ready_export(client, member["token"])
    export = ExportRequest.objects.get(user_id=member["user_id"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT archive FROM {ExportRequest._meta.db_table} WHERE id = %s",
            [export.pk.hex if connection.vendor == "sqlite" else export.pk],
        )
        raw = bytes(cursor.fetchone()[0])
    assert member["username"].encode() not in raw
    assert member["username"] in export.archive


@pytest.mark.django_db(transaction=True)
def test_someone_elses_export_is_a_404_identical_to_a_missing_one(
    client: Client, make_member
) -> None:
    owner = make_member()
    other = make_member()
    status = _ready_export(client, owner["token"])
    export_id = status["id"]

    def answers(path: str) -> list[tuple[int, bytes]]:
        return [
            (r.status_code, r.content)
            for r in (
                api_get(client, path.format(export_id), other["token"]),
                api_get(client, path.format(uuid.uuid4()), other["token"]),
                api_get(client, path.format("not-a-uuid"), other["token"]),
            )
        ]

    for path in ("/me/export/{}", "/me/export/{}/download"):
        found = answers(path)
        assert found[0][0] == 404
        assert found[0] == found[1] == found[2]

    browser = Client()
    browser.force_login(_user(other["user_id"]))
    missing_id = str(uuid.uuid4())
    page_other = browser.get(f"/privacy/export/{export_id}/download/")
    page_missing = browser.get(f"/privacy/export/{missing_id}/download/")
    assert page_other.status_code == page_missing.status_code == 404
    assert _normalised(page_other.content, export_id) == _normalised(
        page_missing.content, missing_id
    )
    assert not AuditEntry.objects.filter(
        action="privacy.export_download", actor=pseudonym(other["user_id"])
    ).exists()


def _normalised(html: bytes, requested_id: str) -> bytes:
    """Pages carry a fresh CSRF token and their own path (language switcher); nothing else
    may differ."""
    html = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)
    return html.replace(requested_id.encode(), b"ID")


def _user(user_id: int):
    from alongside.accounts.models import User

    return User.objects.get(pk=user_id)


@pytest.mark.django_db(transaction=True)
def test_a_download_expires_after_the_retention_period(client: Client, make_member) -> None:
    member = make_member()
    status = _ready_export(client, member["token"])
    export = ExportRequest.objects.get(pk=status["id"])
    assert export.expires_at is not None

    # A minute before the end nothing is purged.
    assert export_purge_expired(now=export.expires_at - datetime.timedelta(minutes=1)) == 0
    assert client.get(status["download_url"], **auth(member["token"])).status_code == 200

    # Past the end, the download is refused at once, even before the purge job runs ...
    ExportRequest.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    late = client.get(status["download_url"], **auth(member["token"]))
    assert late.status_code == 410
    assert late.json()["code"] == "expired"
    shown = api_get(client, f"/me/export/{export.pk}", member["token"]).json()
    assert shown["status"] == "expired"
    assert shown["download_url"] is None

    # ... and the periodic job removes the archive itself.
    privacy_purge_expired_exports.call()
    export.refresh_from_db()
    assert export.status == ExportRequest.Status.EXPIRED
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT archive FROM {ExportRequest._meta.db_table} WHERE id = %s",
            [export.pk.hex if connection.vendor == "sqlite" else export.pk],
        )
        assert cursor.fetchone()[0] is None


@pytest.mark.django_db(transaction=True)
def test_an_abandoned_export_is_marked_failed_and_a_new_one_can_start(
    client: Client, make_member
) -> None:
    member = make_member()
    first = api_post(client, "/me/export", member["token"]).json()
    ExportRequest.objects.filter(pk=first["id"]).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    assert export_purge_expired() == 1
    assert ExportRequest.objects.get(pk=first["id"]).status == ExportRequest.Status.FAILED
    second = api_post(client, "/me/export", member["token"])
    assert second.status_code == 202
    assert second.json()["id"] != first["id"]


@pytest.mark.django_db
def test_export_needs_a_signed_in_person(client: Client) -> None:
    assert client.post("/api/v1/me/export").status_code in (401, 403)
    assert client.get(f"/api/v1/me/export/{uuid.uuid4()}").status_code == 401
