"""The audit log: append-only, hash-chained, pseudonymous.

Every staff read of private data, every consent change, every moderation and safety action
is recorded with who (a pseudonym), what, when (UTC) and why. Writers serialise on the chain
head so that the chain never forks, on SQLite (IMMEDIATE transactions) and PostgreSQL
(an advisory transaction lock).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from alongside.core.models import AuditEntry

GENESIS = "0" * 64
_PG_LOCK_KEY = 0x41_4C_4F_4E  # "ALON"
SYSTEM = "system"


def pseudonym(user_id: int | None) -> str:
    """A stable keyed hash of a user id: joins a person's audit rows without naming them."""
    if user_id is None:
        return SYSTEM
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"audit-user:{user_id}".encode(), hashlib.sha256
    ).hexdigest()
    return "u_" + digest[:24]


def _canonical(entry: AuditEntry) -> bytes:
    payload = {
        "id": entry.pk,
        "created_at": entry.created_at.astimezone(datetime.UTC).isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "reason": entry.reason,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def _digest(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def audit_record(
    *,
    actor_id: int | None,
    action: str,
    target_type: str = "",
    target_id: object = "",
    target_user_id: int | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row. ``target_user_id`` is stored as a pseudonym, never as a raw id."""
    if target_user_id is not None:
        target_type, target_id = target_type or "user", pseudonym(target_user_id)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEntry.objects.order_by("-id").values("id", "hash").first()
        entry = AuditEntry(
            id=(last["id"] + 1) if last else 1,
            created_at=timezone.now(),
            actor=pseudonym(actor_id),
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            reason=reason,
            data=data or {},
            prev_hash=last["hash"] if last else GENESIS,
        )
        entry.data = json.loads(json.dumps(entry.data, default=str))
        entry.hash = _digest(entry)
        AuditEntry.objects.bulk_create([entry])
    return entry


@dataclass
class ChainReport:
    checked: int
    ok: bool
    broken_at: int | None = None
    problem: str = ""


def audit_verify(*, batch_size: int = 2000) -> ChainReport:
    """Recompute the chain from the first row; report the first row that does not fit."""
    prev_hash = GENESIS
    prev_id = 0
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not rows:
            return ChainReport(checked=checked, ok=True)
        for row in rows:
            if row.id != prev_id + 1:
                return ChainReport(checked, False, row.id, f"rows missing before id {row.id}")
            if row.prev_hash != prev_hash:
                return ChainReport(checked, False, row.id, "link to the previous row is broken")
            if _digest(row) != row.hash:
                return ChainReport(checked, False, row.id, "row content does not match its hash")
            prev_hash, prev_id = row.hash, row.id
            checked += 1
        last_id = rows[-1].id
