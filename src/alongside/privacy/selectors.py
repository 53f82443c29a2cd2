from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from alongside.privacy.models import ConsentRecord, ExportRequest
from alongside.privacy.purposes import PURPOSES


def _latest(user_id: int) -> dict[str, ConsentRecord]:
    latest: dict[str, ConsentRecord] = {}
    for record in ConsentRecord.objects.filter(user_id=user_id).order_by("id"):
        latest[record.purpose] = record
    return latest


def consent_is_granted(*, user_id: int, purpose: str) -> bool:
    """Checked at use time: granted for the version of the wording in force now."""
    record = ConsentRecord.objects.filter(user_id=user_id, purpose=purpose).order_by("-id").first()
    return bool(record and record.granted and record.version == PURPOSES[purpose].version)


def consent_summary(*, user_id: int) -> list[dict[str, Any]]:
    latest = _latest(user_id)
    out = []
    for key, purpose in PURPOSES.items():
        record = latest.get(key)
        granted = bool(record and record.granted and record.version == purpose.version)
        out.append(
            {"purpose": key, "granted": granted, "version": record.version if record else None}
        )
    return out


def consent_list(*, user_id: int) -> list[dict[str, Any]]:
    """Every purpose with its current state, the version in force, and the history."""
    records = list(ConsentRecord.objects.filter(user_id=user_id).order_by("id"))
    out = []
    for key, purpose in PURPOSES.items():
        history = [r for r in records if r.purpose == key]
        last = history[-1] if history else None
        out.append(
            {
                "purpose": key,
                "label": str(purpose.label),
                "description": str(purpose.description),
                "current_version": purpose.version,
                "granted": bool(last and last.granted and last.version == purpose.version),
                "version": last.version if last else None,
                "updated_at": last.created_at if last else None,
                "history": [
                    {
                        "granted": r.granted,
                        "version": r.version,
                        "source": r.source,
                        "at": r.created_at,
                    }
                    for r in reversed(history)
                ],
            }
        )
    return out


def export_list(*, user_id: int, limit: int = 5) -> list[ExportRequest]:
    """The person's most recent export requests, newest first (never anyone else's)."""
    return list(
        ExportRequest.objects.filter(user_id=user_id)
        .defer("archive")
        .order_by("-created_at")[:limit]
    )


def export_is_downloadable(export: ExportRequest, *, now: datetime.datetime | None = None) -> bool:
    """Ready and not past its expiry (the purge job may not have run yet)."""
    now = now or timezone.now()
    return export.status == ExportRequest.Status.READY and (
        export.expires_at is None or export.expires_at > now
    )


def export_status(export: ExportRequest, *, now: datetime.datetime | None = None) -> str:
    """The status a person sees: an archive past its expiry reads as expired at once."""
    if export.status == ExportRequest.Status.READY and not export_is_downloadable(export, now=now):
        return ExportRequest.Status.EXPIRED.value
    return str(export.status)
