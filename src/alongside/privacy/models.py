"""Consent history, export and erasure requests."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class ConsentRecord(models.Model):
    """One grant or withdrawal. Never edited: the history is the record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(max_length=40)
    version = models.CharField(max_length=20)
    granted = models.BooleanField()
    source = models.CharField(max_length=20, default="settings")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "purpose", "-id"], name="consent_latest_idx")
        ]
