"""Consent history, export and erasure requests."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alongside.core.fields import EncryptedTextField


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


class ExportRequest(models.Model):
    """One "download my data" request. The archive is encrypted with the owner's data key and
    removed when it expires; the row (without the archive) stays as a record of the request."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Could not be prepared")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_requests"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    archive = EncryptedTextField(owner_field="user", null=True, blank=True)
    size_bytes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "-created_at"], name="export_user_recent_idx")
        ]


class ErasureRequest(models.Model):
    """A person's erasure, recorded so that it finishes even after a crash.

    Deliberately not a foreign key: the request outlives the user row. It holds only the
    numeric id (so a resumed job knows whom to erase, and an erasure can be re-applied after a
    backup is restored) and the audit pseudonym — never a username, email or profile field.
    ``steps_done`` lists the inventory steps already completed, so a resumed run skips them.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("In progress")
        DONE = "done", _("Done")
        FAILED = "failed", _("Needs an operator")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = models.BigIntegerField(unique=True)
    pseudonym = models.CharField(max_length=40, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    steps_done = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    #: The exception class of the last failure, never its message (it could quote data).
    last_error = models.CharField(max_length=120, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    #: Touched at every step; a request whose heartbeat is old is resumed by the scheduler.
    heartbeat_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
