"""Shared infrastructure tables: keyring, audit log, event streams, job scheduling."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models


class DataKey(models.Model):
    """A user's data key, wrapped by the master key. Deleting it shreds the user's private data."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_key"
    )
    wrapped_key = models.BinaryField()
    #: Fingerprint of the master key that wrapped it (rotation rewraps row by row).
    master_key_id = models.CharField(max_length=16, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)


class AppendOnlyQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")


class AuditEntry(models.Model):
    """One audited act. Rows are never updated or deleted; each is chained to the previous by hash.

    People appear only as pseudonyms (keyed hashes of their id), never by username or email,
    so the trail survives erasure without keeping who a person was.
    """

    created_at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=40, db_index=True)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects: ClassVar[models.Manager[AuditEntry]] = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["id"]
        verbose_name_plural = "audit entries"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")


class EventStream(models.Model):
    """The last sequence number handed out in a user's event stream."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_seq = models.BigIntegerField(default=0)


class Event(models.Model):
    """One event in a user's stream, written in the transaction that caused it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seq = models.BigIntegerField()
    type = models.CharField(max_length=60)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "seq"], name="event_user_seq_unique")
        ]


class PeriodicRun(models.Model):
    """A claimed period of a periodic job: the unique key makes exactly one worker run it."""

    job = models.CharField(max_length=100)
    period_start = models.DateTimeField()
    claimed_by = models.CharField(max_length=64)
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["job", "period_start"], name="periodic_run_unique")
        ]


class WorkerHeartbeat(models.Model):
    """Workers beat every few seconds; jobs claimed by a silent worker are requeued."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.IntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(db_index=True)


class RateLimitWindow(models.Model):
    """One fixed window of a rate-limit counter (the database backend, used without Redis).

    ``key`` is a hash of the limit's key, so addresses and ids are not kept in clear; rows
    live at most a window past ``expires_at`` and are purged by a periodic job.
    """

    key = models.CharField(max_length=64)
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_window_unique")
        ]


class WriteGeneration(models.Model):
    """Two rows, counters that go up after committed writes that can change what a signed-out
    visitor sees (core/pagecache.py, decisions 0022 and 0023): id 1 after every such write,
    id 2 after those not confined to one scope (one thread). Kept pages are valid for one
    generation."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    value = models.BigIntegerField(default=0)


class ScopeGeneration(models.Model):
    """A counter per scope (``thread:<id>``): goes up after committed writes confined to that
    scope (its posts, reactions), so they leave every other scope's kept pages valid
    (core/pagecache.py, decision 0023). A row appears with the scope's first such write."""

    scope = models.CharField(max_length=100, primary_key=True)
    value = models.BigIntegerField(default=0)
