"""Writes about consent. Every change is recorded in the history and in the audit log."""

from __future__ import annotations

from django.db import transaction

from alongside.core.api import ApiError
from alongside.core.audit import audit_record
from alongside.privacy.models import ConsentRecord
from alongside.privacy.purposes import PURPOSES


def consent_set(
    *, user_id: int, purpose: str, granted: bool, version: str | None, source: str = "settings"
) -> ConsentRecord:
    """Grant or withdraw. A grant must name the version in force (what the person saw)."""
    spec = PURPOSES.get(purpose)
    if spec is None:
        raise ApiError(404, "Unknown consent purpose.", "not_found", "purpose")
    if granted and version is not None and version != spec.version:
        raise ApiError(
            409,
            f"The wording has changed; version {spec.version} is in force.",
            "version_mismatch",
            "version",
        )
    with transaction.atomic():
        record = ConsentRecord.objects.create(
            user_id=user_id, purpose=purpose, version=spec.version, granted=granted, source=source
        )
        audit_record(
            actor_id=user_id,
            action="consent.grant" if granted else "consent.withdraw",
            target_user_id=user_id,
            data={"purpose": purpose, "version": spec.version, "source": source},
        )
    return record


def consent_grant(*, user_id: int, purpose: str, version: str | None, source: str) -> ConsentRecord:
    return consent_set(
        user_id=user_id, purpose=purpose, granted=True, version=version, source=source
    )


def consent_withdraw(*, user_id: int, purpose: str, source: str = "settings") -> ConsentRecord:
    return consent_set(user_id=user_id, purpose=purpose, granted=False, version=None, source=source)
