"""Inventory entries for core's tables (core imports no other app, so they live here) and for
privacy's own tables."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from alongside.core.crypto import keyring
from alongside.core.models import DataKey, Event, EventStream
from alongside.privacy import inventory
from alongside.privacy.inventory import Erase, Phase
from alongside.privacy.models import ConsentRecord, ErasureRequest, ExportRequest


def _data_key(user_id: int) -> list[dict[str, Any]]:
    # That a key exists and since when; never the key, wrapped or not.
    return [{"created_at": row.created_at} for row in DataKey.objects.filter(user_id=user_id)]


def _shred(user_id: int) -> int:
    existed = DataKey.objects.filter(user_id=user_id).exists()
    keyring.shred(user_id)
    return int(existed)


inventory.register(
    DataKey,
    section="encryption_key",
    description=_("The key that encrypts your private text (the key itself is never exported)."),
    export=_data_key,
    erase=_shred,
    phase=Phase.SHRED,
)
inventory.register(
    EventStream,
    section="event_stream",
    description=_("The position of your live update stream."),
    export=("last_seq",),
    erase=Erase.DELETE,
)
inventory.register(
    Event,
    section="events",
    description=_("Recent live updates sent to you."),
    export=("seq", "type", "data", "created_at"),
    erase=Erase.DELETE,
)
inventory.register(
    ConsentRecord,
    section="consents",
    description=_("Every consent you gave or withdrew, oldest first."),
    export=("purpose", "version", "granted", "source", "created_at"),
    erase=Erase.DELETE,
)
inventory.register(
    ExportRequest,
    section="exports",
    description=_("Your requests to download your data (the archives themselves are not nested)."),
    export=("id", "status", "created_at", "ready_at", "expires_at", "size_bytes"),
    erase=Erase.DELETE,
    encrypted_fields=("archive",),
)
inventory.register(
    ErasureRequest,
    section="erasure_requests",
    description=_("Requests to delete your account."),
    user_field="user_id",
    export=("id", "status", "requested_at"),
    erase=Erase.RETAIN,
    retain_reason=(
        "Holds only the numeric id and the audit pseudonym, no personal data. Needed to resume "
        "an erasure after a crash and to re-apply it if a backup is ever restored."
    ),
)
