"""The audit log is append-only and hash-chained; verification finds any tampering."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection

from alongside.core.audit import audit_record, audit_verify, pseudonym
from alongside.core.models import AuditEntry


@pytest.mark.django_db
def test_rows_chain_and_verify() -> None:
    for n in range(5):
        audit_record(actor_id=n + 1, action="test.act", target_user_id=99, data={"n": n})
    report = audit_verify()
    assert report.ok and report.checked == 5
    rows = list(AuditEntry.objects.order_by("id"))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))


@pytest.mark.django_db
def test_people_appear_only_as_pseudonyms(make_user) -> None:
    user = make_user("distinctive_name", email="someone@example.org")
    audit_record(actor_id=user.pk, action="test.act", target_user_id=user.pk)
    row = AuditEntry.objects.get()
    text = f"{row.actor} {row.target_id} {row.data} {row.reason}"
    assert "distinctive_name" not in text and "someone@example.org" not in text
    assert row.actor == pseudonym(user.pk) == row.target_id
    assert str(user.pk) != row.actor


@pytest.mark.django_db
def test_the_model_refuses_updates_and_deletes() -> None:
    entry = audit_record(actor_id=1, action="test.act")
    entry.action = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


@pytest.mark.django_db
def test_the_database_refuses_raw_updates() -> None:
    from django.db import DatabaseError, transaction

    entry = audit_record(actor_id=1, action="test.act")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'x' WHERE id = %s", [entry.pk])


def _without_guard(sql: str, params: list) -> None:
    """Simulate an attacker with database access who removes the guard first."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
        else:
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_no_change")
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_verification_names_an_edited_row() -> None:
    entries = [audit_record(actor_id=1, action=f"test.{n}") for n in range(4)]
    _without_guard("UPDATE core_auditentry SET reason = 'forged' WHERE id = %s", [entries[2].pk])
    report = audit_verify()
    assert not report.ok
    assert report.broken_at == entries[2].pk


@pytest.mark.django_db
def test_verification_notices_a_deleted_row() -> None:
    entries = [audit_record(actor_id=1, action=f"test.{n}") for n in range(4)]
    _without_guard("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])
    report = audit_verify()
    assert not report.ok
    assert report.broken_at == entries[2].pk
