"""Erasure: password-confirmed, sessions end at once, a durable job shreds the key and erases
every inventory entry, resumable after a crash; other people's data is untouched."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django_tasks_db.models import DBTaskResult

from alongside.accounts.models import RoleGrant, User
from alongside.accounts.services import role_grant
from alongside.core.audit import audit_verify, pseudonym
from alongside.core.crypto import keyring
from alongside.core.models import AuditEntry, DataKey, Event, EventStream
from alongside.core.realtime import event_publish
from alongside.privacy import inventory, services
from alongside.privacy.inventory import Erase
from alongside.privacy.models import ConsentRecord, ErasureRequest, ExportRequest
from alongside.privacy.tasks import privacy_resume_erasures
from tests.conftest import PASSWORD, run_jobs
from tests.privacy.conftest import FOUNDATION_TABLES, api_get, api_post


def _give_data(client: Client, member: dict) -> None:
    """Data in every foundation table for this member."""
    uid = member["user_id"]
    api_post(client, "/me/consents/research", member["token"], {"granted": True})
    role_grant(user_id=uid, role="peer_supporter")
    Authenticator.objects.create(user_id=uid, type=Authenticator.Type.TOTP, data={"secret": "S"})
    keyring.key_for(uid, create=True)
    event_publish(user_id=uid, type="test.hello", data={"n": 1})
    assert api_post(client, "/me/export", member["token"]).status_code == 202
    run_jobs()


def _sessions_of(user_id: int) -> list[str]:
    return [
        s.session_key
        for s in Session.objects.all()
        if s.get_decoded().get(SESSION_KEY) == str(user_id)
    ]


def _footprint(user_id: int) -> dict[str, int]:
    counts = {
        entry.model_label: entry.queryset(user_id).count()
        for entry in inventory.entries()
        if entry.erase != Erase.RETAIN
    }
    counts["sessions"] = len(_sessions_of(user_id))
    return counts


@pytest.mark.django_db
def test_a_wrong_password_changes_nothing(client: Client, make_member) -> None:
    member = make_member()
    response = api_post(client, "/me/erase", member["token"], {"password": "not my password"})
    assert response.status_code == 403
    assert response.json()["field"] == "password"
    assert response.json()["code"] == "wrong_password"
    assert response.json()["detail"]
    user = User.objects.get(pk=member["user_id"])
    assert user.is_active
    assert user.check_password(PASSWORD)
    assert not ErasureRequest.objects.filter(user_id=member["user_id"]).exists()
    assert api_get(client, "/me", member["token"]).status_code == 200


@pytest.mark.django_db
def test_a_missing_password_is_a_clear_error(client: Client, make_member) -> None:
    member = make_member()
    response = api_post(client, "/me/erase", member["token"], {})
    assert response.status_code == 422
    assert response.json()["field"] == "password"
    assert User.objects.get(pk=member["user_id"]).is_active


@pytest.mark.django_db
def test_erasure_ends_every_session_at_once(client: Client, make_member) -> None:
    member = make_member()
    other_device = Client()
    assert other_device.login(username=member["username"], password=PASSWORD)
    assert other_device.get("/privacy/").status_code == 200
    assert len(_sessions_of(member["user_id"])) == 2  # the app token and the browser

    response = api_post(client, "/me/erase", member["token"], {"password": PASSWORD})

    assert response.status_code == 202
    assert response.json()["status"] == "accepted"
    # Before any job has run: the app token and the browser session are both gone.
    assert api_get(client, "/me", member["token"]).status_code == 401
    assert other_device.get("/privacy/").status_code == 302
    assert _sessions_of(member["user_id"]) == []
    assert not Session.objects.filter(session_key=member["token"]).exists()
    user = User.objects.get(pk=member["user_id"])
    assert not user.is_active
    assert not user.has_usable_password()
    relogin = Client().post(
        "/_allauth/app/v1/auth/login",
        {"username": member["username"], "password": PASSWORD},
        content_type="application/json",
    )
    assert relogin.status_code != 200
    erasure = ErasureRequest.objects.get(user_id=member["user_id"])
    assert erasure.pseudonym == pseudonym(member["user_id"])
    assert erasure.status == ErasureRequest.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_after_the_job_nothing_of_the_person_is_left(client: Client, make_member) -> None:
    member = make_member(email="leaving@example.org")
    bystander = make_member(email="staying@example.org")
    for person in (member, bystander):
        _give_data(client, person)
    uid = member["user_id"]
    has_data = {label for label, count in _footprint(uid).items() if count}
    assert has_data >= FOUNDATION_TABLES | {"sessions"}
    bystander_before = _footprint(bystander["user_id"])
    bystander_archive = ExportRequest.objects.get(user_id=bystander["user_id"]).archive

    # A session that allauth never tracked (made some other way) is found by the job's sweep.
    untracked = SessionStore()
    untracked[SESSION_KEY] = str(uid)
    untracked.create()

    assert api_post(client, "/me/erase", member["token"], {"password": PASSWORD}).status_code == 202
    run_jobs()

    assert not Session.objects.filter(session_key=untracked.session_key).exists()
    assert set(_footprint(uid).values()) == {0}, _footprint(uid)
    assert not User.objects.filter(pk=uid).exists()
    assert not User.objects.filter(username=member["username"]).exists()
    for model in (ConsentRecord, DataKey, Event, RoleGrant, Authenticator, UserSession):
        assert not model.objects.filter(user_id=uid).exists(), model
    assert not EventStream.objects.filter(user_id=uid).exists()
    from allauth.account.models import EmailAddress

    assert not EmailAddress.objects.filter(email="leaving@example.org").exists()
    erasure = ErasureRequest.objects.get(user_id=uid)
    assert erasure.status == ErasureRequest.Status.DONE
    assert erasure.steps_done == [step for step, _fn in services.erasure_steps()]

    # The other person is untouched, down to their encrypted archive.
    assert _footprint(bystander["user_id"]) == bystander_before
    assert ExportRequest.objects.get(user_id=bystander["user_id"]).archive == bystander_archive
    assert api_get(client, "/me", bystander["token"]).status_code == 200

    # The audit trail keeps the pseudonym and nothing that names the person.
    trail = [
        json.dumps([row.actor, row.target_id, row.reason, row.data])
        for row in AuditEntry.objects.all()
    ]
    for needle in (member["username"], "leaving@example.org"):
        assert not any(needle in row for row in trail)
    actions = set(
        AuditEntry.objects.filter(target_id=pseudonym(uid)).values_list("action", flat=True)
    )
    assert {"privacy.erasure_request", "privacy.erasure_complete"} <= actions
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_an_erasure_that_crashed_after_the_key_shred_resumes_once(
    client: Client, make_member, monkeypatch
) -> None:
    member = make_member(email="crash@example.org")
    _give_data(client, member)
    uid = member["user_id"]
    shreds: list[int] = []
    real_shred = keyring.shred

    def counting_shred(user_id: int) -> None:
        shreds.append(user_id)
        real_shred(user_id)

    monkeypatch.setattr(keyring, "shred", counting_shred)
    real_steps = services.erasure_steps
    steps = real_steps()
    assert steps[0][0] == "erase:core.datakey"
    crash_at = steps[1][0]

    def crashing_steps():
        return [(name, _crash if name == crash_at else fn) for name, fn in real_steps()]

    def _crash(user_id: int) -> int:
        raise RuntimeError("the worker died here")

    monkeypatch.setattr(services, "erasure_steps", crashing_steps)
    api_post(client, "/me/erase", member["token"], {"password": PASSWORD})
    run_jobs()

    erasure = ErasureRequest.objects.get(user_id=uid)
    assert erasure.status == ErasureRequest.Status.RUNNING
    assert erasure.steps_done == ["erase:core.datakey"]
    assert erasure.last_error == f"{crash_at}: RuntimeError"
    assert shreds == [uid]
    assert not DataKey.objects.filter(user_id=uid).exists()  # the key went first
    assert User.objects.filter(pk=uid).exists()

    monkeypatch.undo()
    monkeypatch.setattr(keyring, "shred", counting_shred)
    # Not stalled long enough yet: the scheduler leaves it alone.
    assert privacy_resume_erasures.call() == 0
    ErasureRequest.objects.filter(pk=erasure.pk).update(
        heartbeat_at=erasure.heartbeat_at - services.ERASURE_RESUME_AFTER
    )
    privacy_resume_erasures.enqueue()
    run_jobs()

    erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.DONE
    assert erasure.steps_done == [step for step, _fn in services.erasure_steps()]
    assert shreds == [uid], "the key shred step is not repeated"
    assert not User.objects.filter(pk=uid).exists()
    assert set(_footprint(uid).values()) == {0}
    runs = DBTaskResult.objects.filter(task_path__endswith="privacy_erase_user")
    assert sorted(runs.values_list("status", flat=True)) == ["FAILED", "SUCCESSFUL"]
    assert privacy_resume_erasures.call() == 0


@pytest.mark.django_db
def test_erasure_needs_a_signed_in_person(client: Client) -> None:
    response = client.post("/api/v1/me/erase", {"password": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)


@pytest.mark.django_db
def test_password_guessing_through_erasure_is_throttled(client: Client, make_member) -> None:
    member = make_member()
    answers = [
        api_post(client, "/me/erase", member["token"], {"password": f"guess {n}"}).status_code
        for n in range(11)
    ]
    assert answers[:10] == [403] * 10
    assert answers[10] == 429
    # Even the right password waits out the window: the account stays as it is.
    assert api_post(client, "/me/erase", member["token"], {"password": PASSWORD}).status_code == 429
    assert User.objects.get(pk=member["user_id"]).is_active
