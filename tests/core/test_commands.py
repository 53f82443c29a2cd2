"""The operator's command line: roles, audit verification, key rotation, serve's refusals,
demo data."""

from __future__ import annotations

import io
import secrets
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from alongside.accounts.models import RoleGrant, User
from alongside.core.audit import audit_record, pseudonym
from alongside.core.crypto import (
    DecryptionError,
    decrypt_text,
    encrypt_text,
    key_id,
    keyring,
)
from alongside.core.models import AuditEntry, DataKey

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def exit_code(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The exit status and error text ``alongside ARGS`` gives in a shell: Django's command
    runner exits with ``CommandError.returncode`` after printing the message. (Running the
    real entry point here would close the test's database connection.)"""
    try:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, ""


# --- roles ---------------------------------------------------------------------------------


def test_roles_grant_and_revoke_are_audited(make_user: Any) -> None:
    user = make_user("tide")
    assert "now has the role moderator in anxiety" in run(
        "roles", "grant", "tide", "moderator", "--community", "anxiety"
    )
    assert RoleGrant.objects.filter(user=user, role="moderator", community="anxiety").exists()
    grant = AuditEntry.objects.get(action="role.grant")
    assert grant.target_id == pseudonym(user.pk)
    assert grant.data == {"role": "moderator", "community": "anxiety"}

    assert "no longer has the role moderator" in run(
        "roles", "revoke", "tide", "moderator", "--community", "anxiety"
    )
    assert not RoleGrant.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action="role.revoke", target_id=pseudonym(user.pk)).exists()


def test_granting_a_held_role_again_changes_and_audits_nothing(make_user: Any) -> None:
    make_user("twice")
    run("roles", "grant", "twice", "admin")
    run("roles", "grant", "twice", "admin")
    assert AuditEntry.objects.filter(action="role.grant").count() == 1


def test_roles_refuses_unknown_people_roles_and_scopes(
    make_user: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    make_user("known")
    code, err = exit_code("roles", "grant", "nobody", "admin", capsys=capsys)
    assert code == 1
    assert "No member is called 'nobody'" in err
    code, err = exit_code("roles", "grant", "known", "wizard", capsys=capsys)
    assert code == 1
    assert "Unknown role 'wizard'" in err
    assert "crisis_responder" in err
    code, err = exit_code("roles", "grant", "known", "admin", "--community", "x", capsys=capsys)
    assert code == 1
    assert "cannot be limited to one community" in err
    assert not RoleGrant.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="role.").exists()


# --- audit verify ------------------------------------------------------------------------------


def _write_chain() -> list[AuditEntry]:
    return [audit_record(actor_id=n, action="test.act", data={"n": n}) for n in range(1, 5)]


def test_audit_verify_passes_on_an_intact_chain(capsys: pytest.CaptureFixture[str]) -> None:
    _write_chain()
    assert "audit chain intact: 4 row(s) checked" in run("audit", "verify")
    assert exit_code("audit", "verify", capsys=capsys)[0] == 0


def test_audit_verify_names_an_edited_row(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _write_chain()
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        # The database refuses updates; an attacker with raw access removes the guard first.
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
        else:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER core_auditentry_no_change")
        cursor.execute(f"UPDATE {table} SET reason = %s WHERE id = %s", ["edited", rows[2].pk])
    code, err = exit_code("audit", "verify", capsys=capsys)
    assert code == 1
    assert f"broken at row id {rows[2].pk}" in err


def test_audit_verify_names_a_forged_row(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _write_chain()
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, created_at, actor, action, target_type, target_id, "
            "reason, data, prev_hash, hash) VALUES (%s, %s, 'system', 'role.grant', '', '', "
            "'', '{}', %s, %s)",
            [rows[-1].pk + 1, rows[-1].created_at, rows[-1].hash, "f" * 64],
        )
    code, err = exit_code("audit", "verify", capsys=capsys)
    assert code == 1
    assert f"broken at row id {rows[-1].pk + 1}" in err


# --- master key rotation --------------------------------------------------------------------------


def test_keys_rotate_moves_every_data_key_to_the_new_master_key(
    make_user: Any, settings: Any
) -> None:
    old, new = secrets.token_bytes(32), secrets.token_bytes(32)
    where = {"table": "t", "field": "f", "row_id": "r1"}
    settings.MASTER_KEYS = [old]
    alice, bob = make_user(), make_user()
    secrets_by_user = {
        u.pk: encrypt_text(f"private words of {u.pk}", owner_id=u.pk, **where) for u in (alice, bob)
    }

    settings.MASTER_KEYS = [new, old]  # step 2 of the documented procedure
    keyring.clear()
    assert "Rewrapped 2 data key(s)" in run("keys", "rotate")
    assert set(DataKey.objects.values_list("master_key_id", flat=True)) == {key_id(new)}
    assert "Rewrapped 0 data key(s)" in run("keys", "rotate")

    settings.MASTER_KEYS = [new]  # the old key is gone for good
    keyring.clear()
    for user_id, blob in secrets_by_user.items():
        assert decrypt_text(blob, owner_id=user_id, **where) == f"private words of {user_id}"

    settings.MASTER_KEYS = [old]  # and the old key alone no longer opens anything
    keyring.clear()
    with pytest.raises(DecryptionError):
        decrypt_text(secrets_by_user[alice.pk], owner_id=alice.pk, **where)


def test_keys_status_shows_keys_still_under_an_old_master_key(
    make_user: Any, settings: Any
) -> None:
    old, new = secrets.token_bytes(32), secrets.token_bytes(32)
    settings.MASTER_KEYS = [old]
    user = make_user()
    encrypt_text("x", owner_id=user.pk, table="t", field="f", row_id="r")
    settings.MASTER_KEYS = [new, old]
    out = run("keys", "status")
    assert f"current master key: {key_id(new)}" in out
    assert "1 data key(s) still need `alongside keys rotate`" in out


def test_keys_new_prints_a_usable_master_key() -> None:
    from alongside.core.config import decode_master_key

    printed = run("keys", "new").strip()
    assert len(decode_master_key(printed)) == 32
    assert printed != run("keys", "new").strip()


# --- serve refuses unsafe settings ------------------------------------------------------------


def test_serve_refuses_to_start_with_debug_on(settings: Any) -> None:
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["alongside.example.org"]
    with pytest.raises(CommandError, match="DEBUG is on"):
        call_command("serve", "--port", "1")


def test_serve_refuses_to_start_without_allowed_hosts(settings: Any) -> None:
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = []
    with pytest.raises(CommandError, match="no allowed hosts"):
        call_command("serve", "--port", "1")


def test_serve_refuses_a_default_secret_key(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["alongside.example.org"]
    settings.SECRET_KEY = "django-insecure-changeme"
    with pytest.raises(CommandError, match="secret key"):
        call_command("serve", "--port", "1")


def test_serve_exits_non_zero_from_the_shell(
    settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.DEBUG = True
    code, err = exit_code("serve", "--port", "1", capsys=capsys)
    assert code == 1
    assert "refuses to start" in err


# --- demo data ----------------------------------------------------------------------------------


@pytest.fixture
def fast_hashing(settings: Any) -> None:
    """Demo members hash the shared password; Argon2 makes that slow, which is not the point."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_seed_demo_is_idempotent_and_covers_ages_roles_and_languages(fast_hashing: None) -> None:
    from alongside.accounts.demo import MEMBERS
    from alongside.privacy.models import ConsentRecord
    from alongside.privacy.selectors import consent_is_granted

    first = run("seed_demo")
    audit_rows = AuditEntry.objects.count()
    second = run("seed_demo")
    assert first == second
    assert AuditEntry.objects.count() == audit_rows  # nothing changed the second time

    users = list(User.objects.filter(username__in=[m.username for m in MEMBERS]))
    assert len(users) == len(MEMBERS) >= 12
    assert {str(u.age_band) for u in users} == {"teen", "adult"}
    assert {u.locale for u in users} == {"en", "zh-hans"}
    roles = set(RoleGrant.objects.values_list("role", flat=True))
    assert roles == {
        "peer_supporter",
        "moderator",
        "crisis_responder",
        "professional",
        "clinician",
        "admin",
    }
    assert all(consent_is_granted(user_id=u.pk, purpose="terms") for u in users)
    assert ConsentRecord.objects.filter(purpose="terms").count() == len(users)
    assert all(u.check_password("harbour-lights-demo") for u in users[:1])


def test_demo_logins_work_through_the_login_api(client: Any, fast_hashing: None) -> None:
    from alongside.accounts.demo import DEMO_PASSWORD

    run("seed_demo")
    response = client.post(
        "/_allauth/app/v1/auth/login",
        {"username": "xiao_yu", "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["meta"]["session_token"]
    me = client.get("/api/v1/me", HTTP_X_SESSION_TOKEN=token)
    assert me.status_code == 200


def test_seed_demo_refuses_in_production_mode(settings: Any) -> None:
    settings.MODE = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not User.objects.exists()
