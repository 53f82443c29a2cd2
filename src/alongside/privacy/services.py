"""Writes about a person's privacy: consent, sessions, export and erasure.

Consent changes are recorded in the history and in the audit log. Export and erasure walk the
data inventory (``alongside.privacy.inventory``) and run as jobs enqueued after commit.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable
from functools import partial
from importlib import import_module
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.base import SessionBase
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alongside.core.actor import Actor
from alongside.core.api import ApiError
from alongside.core.audit import audit_record, pseudonym
from alongside.core.realtime import event_publish, sessions_changed
from alongside.privacy import inventory
from alongside.privacy.models import ConsentRecord, ErasureRequest, ExportRequest
from alongside.privacy.purposes import PURPOSES
from alongside.privacy.selectors import export_status

log = logging.getLogger(__name__)


def consent_set(
    *, user_id: int, purpose: str, granted: bool, version: str | None, source: str = "settings"
) -> ConsentRecord:
    """Grant or withdraw. A grant must name the version in force (what the person saw)."""
    spec = PURPOSES.get(purpose)
    if spec is None:
        raise ApiError(404, _("Unknown consent purpose."), "not_found", "purpose")
    if granted and version is not None and version != spec.version:
        raise ApiError(
            409,
            _("The wording has changed; version %(version)s is in force.")
            % {"version": spec.version},
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


def _session_store() -> type[SessionBase]:
    store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
    return store


def _sweep_sessions(user_id: int) -> int:
    """Delete every stored session that authenticates as the user, tracked or not.

    Scans the session table in batches, so it runs in the erasure job rather than in a request.
    Only database-backed session engines can be scanned; other engines rely on the tracked list
    and on the account being inactive with an unusable password (which fails every session's
    auth-hash check).
    """
    store = _session_store()
    get_model = getattr(store, "get_model_class", None)
    if get_model is None:
        return 0
    session_model = get_model()
    ended = 0
    last_key = ""
    while True:
        batch = list(
            session_model.objects.filter(session_key__gt=last_key)
            .order_by("session_key")
            .values_list("session_key", "session_data")[:500]
        )
        if not batch:
            return ended
        mine = [key for key, data in batch if store().decode(data).get(SESSION_KEY) == str(user_id)]
        if mine:
            session_model.objects.filter(session_key__in=mine).delete()
            ended += len(mine)
        last_key = batch[-1][0]


def user_sessions_end(*, user_id: int, sweep: bool = False) -> int:
    """End the user's sessions: browser sessions and app session tokens alike (both are Django
    sessions). Tracked sessions end at once; ``sweep`` also scans for untracked ones."""
    from allauth.usersessions.models import UserSession

    ended = 0
    with transaction.atomic():
        for tracked in UserSession.objects.filter(user_id=user_id):
            tracked.end()
            ended += 1
        if sweep:
            ended += _sweep_sessions(user_id)
        # Open sockets re-check their session after commit and close.
        sessions_changed(user_id=user_id)
    return ended


# --- export --------------------------------------------------------------------------------

#: A pending or running export older than this is considered abandoned (its worker died).
EXPORT_STALE_AFTER = datetime.timedelta(hours=6)
ARCHIVE_FORMAT = "alongside-export"
ARCHIVE_FORMAT_VERSION = 1


def export_request_create(*, user_id: int) -> tuple[ExportRequest, bool]:
    """Start building an archive of everything the user owns; returns (request, created).

    One export at a time: while one is waiting or being prepared, asking again returns it.
    """
    from alongside.privacy.tasks import privacy_build_export

    with transaction.atomic():
        # Serialise a person's concurrent requests (PostgreSQL; SQLite transactions already are).
        get_user_model().objects.select_for_update().filter(pk=user_id).first()
        in_flight = (
            ExportRequest.objects.filter(
                user_id=user_id,
                status__in=[ExportRequest.Status.PENDING, ExportRequest.Status.RUNNING],
                created_at__gt=timezone.now() - EXPORT_STALE_AFTER,
            )
            .order_by("-created_at")
            .first()
        )
        if in_flight is not None:
            return in_flight, False
        export = ExportRequest.objects.create(user_id=user_id)
        audit_record(
            actor_id=user_id,
            action="privacy.export_request",
            target_user_id=user_id,
            data={"export": str(export.pk)},
        )
        export_id = str(export.pk)
        transaction.on_commit(lambda: privacy_build_export.enqueue(export_id))
    return export, True


def _archive_text(export: ExportRequest, user: Any) -> str:
    with translation.override(getattr(user, "locale", None) or settings.LANGUAGE_CODE):
        document = {
            "format": ARCHIVE_FORMAT,
            "format_version": ARCHIVE_FORMAT_VERSION,
            "export_id": str(export.pk),
            "generated_at": timezone.now(),
            "about": _("Everything %(site)s stores about you, one section per kind of data.")
            % {"site": settings.SITE_NAME},
            "sections": inventory.export_sections(user.pk),
        }
        return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def export_build(*, export_id: str) -> ExportRequest | None:
    """The export job: claim the request, walk the inventory, store the archive encrypted.

    Stale or repeated runs do nothing; a person whose erasure has begun gets no archive.
    """
    with transaction.atomic():
        export = ExportRequest.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status not in (
            ExportRequest.Status.PENDING,
            ExportRequest.Status.RUNNING,
        ):
            return export
        export.status = ExportRequest.Status.RUNNING
        export.save(update_fields=["status"])
    user = get_user_model().objects.filter(pk=export.user_id, is_active=True).first()
    if user is None:
        ExportRequest.objects.filter(pk=export.pk).update(status=ExportRequest.Status.FAILED)
        return None
    # Built outside a write transaction: on SQLite a long write lock would stall everyone.
    text = _archive_text(export, user)
    with transaction.atomic():
        export = ExportRequest.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status != ExportRequest.Status.RUNNING:
            return export
        now = timezone.now()
        export.archive = text
        export.size_bytes = len(text.encode("utf-8"))
        export.status = ExportRequest.Status.READY
        export.ready_at = now
        export.expires_at = now + datetime.timedelta(days=settings.EXPORT_RETENTION_DAYS)
        export.save(update_fields=["archive", "size_bytes", "status", "ready_at", "expires_at"])
        event_publish(
            user_id=export.user_id,
            type="privacy.export_ready",
            data={"id": str(export.pk), "expires_at": export.expires_at.isoformat()},
        )
    return export


def export_archive_read(*, actor: Actor, export: ExportRequest) -> str:
    """The archive for its owner (``export`` comes from ``access.export_get_for``); audited.

    Not ready yet → 409; expired (even before the purge job has run) → 410.
    """
    status = export_status(export)
    if status == ExportRequest.Status.EXPIRED:
        raise ApiError(410, _("This download has expired. Please ask for a new one."), "expired")
    if status != ExportRequest.Status.READY or export.archive is None:
        raise ApiError(409, _("This download is not ready yet."), "not_ready")
    text = str(export.archive)
    audit_record(
        actor_id=actor.user_id,
        action="privacy.export_download",
        target_user_id=export.user_id,
        data={"export": str(export.pk)},
    )
    return text


def export_purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Remove archives past their expiry (the row stays, marked expired) and mark abandoned
    requests failed. Called by the periodic scheduler; returns how many rows changed."""
    now = now or timezone.now()
    changed = 0
    with transaction.atomic():
        expired = list(
            ExportRequest.objects.select_for_update()
            .filter(status=ExportRequest.Status.READY, expires_at__lte=now)
            .values_list("pk", flat=True)
        )
        if expired:
            changed += ExportRequest.objects.filter(pk__in=expired).update(
                status=ExportRequest.Status.EXPIRED, archive=None, size_bytes=0
            )
        changed += ExportRequest.objects.filter(
            status__in=[ExportRequest.Status.PENDING, ExportRequest.Status.RUNNING],
            created_at__lte=now - EXPORT_STALE_AFTER,
        ).update(status=ExportRequest.Status.FAILED)
    return changed


# --- erasure -------------------------------------------------------------------------------

#: An unfinished erasure whose last step is older than this is re-enqueued by the scheduler.
ERASURE_RESUME_AFTER = datetime.timedelta(minutes=10)
#: After this many runs an erasure stops retrying and waits for an operator (logged loudly).
ERASURE_MAX_ATTEMPTS = 20
#: SQLite files up to this size are vacuumed after an erasure (see ``_scrub_sqlite``).
SQLITE_VACUUM_MAX_BYTES = 512 * 1024 * 1024
SCRUB_STEP = "scrub"


def erasure_request(*, user_id: int, password: str) -> ErasureRequest:
    """Password-confirmed erasure. At once, in one transaction: the account is deactivated, its
    password made unusable, every session ended and a durable request recorded (by id and
    pseudonym). The erasure itself runs as a job after commit.

    A wrong password changes nothing.
    """
    from alongside.privacy.tasks import privacy_erase_user

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    # Checked before the transaction: Argon2 is slow and SQLite would hold its write lock.
    if user is None or not password or not user.check_password(password):
        raise ApiError(403, _("That password is not right."), "wrong_password", "password")
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user_id)
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["is_active", "password"])
        erasure, _created = ErasureRequest.objects.get_or_create(
            user_id=user_id, defaults={"pseudonym": pseudonym(user_id)}
        )
        user_sessions_end(user_id=user_id)
        audit_record(
            actor_id=user_id,
            action="privacy.erasure_request",
            target_user_id=user_id,
            data={"erasure": str(erasure.pk)},
        )
        erasure_id = str(erasure.pk)
        transaction.on_commit(lambda: privacy_erase_user.enqueue(erasure_id))
    return erasure


def erasure_steps() -> list[tuple[str, Callable[[int], int]]]:
    """The erasure in order: every inventory entry (keys first, the account row last)."""
    return [(entry.step, entry.erase_rows) for entry in inventory.entries()]


def _erasure_touch(erasure_id: Any, **fields: Any) -> None:
    ErasureRequest.objects.filter(pk=erasure_id).update(heartbeat_at=timezone.now(), **fields)


def erasure_run(*, erasure_id: str) -> ErasureRequest | None:
    """The erasure job. Each inventory step runs in its own transaction together with the
    record that it is done, so a crash part-way resumes at the first unfinished step, and a
    repeated or concurrent run repeats nothing."""
    erasure = ErasureRequest.objects.filter(pk=erasure_id).first()
    if erasure is None or erasure.status in (
        ErasureRequest.Status.DONE,
        ErasureRequest.Status.FAILED,
    ):
        return erasure
    attempts = erasure.attempts + 1
    if attempts > ERASURE_MAX_ATTEMPTS:
        _erasure_touch(erasure.pk, status=ErasureRequest.Status.FAILED)
        log.error("erasure %s gave up after %s attempts", erasure.pk, erasure.attempts)
        return ErasureRequest.objects.get(pk=erasure.pk)
    _erasure_touch(erasure.pk, status=ErasureRequest.Status.RUNNING, attempts=attempts)
    user_id = erasure.user_id
    for step, erase in erasure_steps():
        try:
            with transaction.atomic():
                locked = ErasureRequest.objects.select_for_update().get(pk=erasure.pk)
                if step in locked.steps_done:
                    continue
                erase(user_id)
                locked.steps_done = [*locked.steps_done, step]
                locked.heartbeat_at = timezone.now()
                locked.save(update_fields=["steps_done", "heartbeat_at"])
        except Exception as exc:
            # The class name only: a message could quote the data being erased.
            _erasure_touch(erasure.pk, last_error=f"{step}: {type(exc).__name__}"[:120])
            log.warning("erasure %s failed at %s (%s)", erasure.pk, step, type(exc).__name__)
            raise
    with transaction.atomic():
        locked = ErasureRequest.objects.select_for_update().get(pk=erasure.pk)
        if locked.status != ErasureRequest.Status.DONE:
            locked.status = ErasureRequest.Status.DONE
            locked.finished_at = timezone.now()
            locked.last_error = ""
            locked.save(update_fields=["status", "finished_at", "last_error"])
            audit_record(
                actor_id=None,
                action="privacy.erasure_complete",
                target_user_id=user_id,
                data={"erasure": str(locked.pk), "steps": len(locked.steps_done)},
            )
    _scrub_sqlite()
    return ErasureRequest.objects.get(pk=erasure.pk)


def erasure_resume_stalled(
    *, older_than: datetime.timedelta = ERASURE_RESUME_AFTER, now: datetime.datetime | None = None
) -> int:
    """Re-enqueue erasures that stopped part-way (worker crash, failed step). Called by the
    periodic scheduler; touching the heartbeat keeps the next tick from enqueueing twice."""
    from alongside.privacy.tasks import privacy_erase_user

    now = now or timezone.now()
    with transaction.atomic():
        stalled = [
            str(pk)
            for pk in ErasureRequest.objects.select_for_update()
            .filter(
                status__in=[ErasureRequest.Status.PENDING, ErasureRequest.Status.RUNNING],
                heartbeat_at__lte=now - older_than,
            )
            .values_list("pk", flat=True)
        ]
        if stalled:
            ErasureRequest.objects.filter(pk__in=stalled).update(heartbeat_at=now)
        for erasure_id in stalled:
            transaction.on_commit(partial(privacy_erase_user.enqueue, erasure_id))
    if stalled:
        log.info("resumed %s stalled erasure(s)", len(stalled))
    return len(stalled)


def _scrub_sqlite() -> None:
    """Leave no erased bytes in the SQLite files.

    ``secure_delete`` (set on every connection) zeroes freed cells in the main file, but the
    WAL still holds earlier page images until a checkpoint, and b-tree interior pages can keep
    stale copies of index keys. A VACUUM rebuilds the file (done for files of a modest size:
    it locks out writers while it runs); the TRUNCATE checkpoint then empties the WAL.
    Full-text indexes (FTS5) keep deleted terms in old segments until merged: each is
    optimised first, so an erased person's words are not left in a search index.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return
    path = Path(str(connection.settings_dict["NAME"]))
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'"
            )
            for (name,) in cursor.fetchall():
                if name.isidentifier():
                    cursor.execute(f"INSERT INTO {name}({name}) VALUES ('optimize')")  # noqa: S608
            if path.is_file() and path.stat().st_size <= SQLITE_VACUUM_MAX_BYTES:
                cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = cursor.fetchone()
    except DatabaseError as exc:
        log.warning("sqlite scrub after erasure failed (%s)", type(exc).__name__)
        return
    if busy and busy[0]:
        # A reader still holds an old snapshot; the WAL frames are overwritten as it is reused.
        log.warning("sqlite checkpoint after erasure was blocked by a reader")
