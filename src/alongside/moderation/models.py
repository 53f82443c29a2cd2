"""Moderation: reports, automated flags, the review queue, actions (the modlog), sanctions,
appeals, watched words, slow mode, moderator notes and the counters behind trust levels.

Invariants kept by ``services`` and ``actions`` (never by save() or signals):
- at most one open ``Item`` per target: reports and flags on the same post join it;
- an ``Item``'s ``severity`` and ``safety_first`` are the maximum of its evidence;
- every moderator action writes one ``ModAction`` row, and the audit log too;
- an action is appealed at most once (``Appeal.action`` is unique), and decided by a
  moderator who did not take the action.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alongside.core.fields import EncryptedTextField


class ReportReason(models.TextChoices):
    HARASSMENT = "harassment", _("Harassment or bullying")
    HATE = "hate", _("Hate")
    SPAM = "spam", _("Spam")
    SELF_HARM_PROMOTION = "self_harm_promotion", _("Encourages self-harm")
    ED_PROMOTION = "ed_promotion", _("Encourages eating-disorder behaviour")
    MISINFORMATION = "misinformation", _("Harmful health misinformation")
    PERSONAL_INFO = "personal_info", _("Shares someone's personal information")
    OFF_PLATFORM_CONTACT = "off_platform_contact", _("Asks to move to another app")
    SOMEONE_AT_RISK = "someone_at_risk", _("I'm worried this person is at risk")
    OTHER = "other", _("Something else")


class Item(models.Model):
    """One thing waiting for a moderator: a post (or a person) with all its evidence."""

    class TargetType(models.TextChoices):
        POST = "post", _("Post")
        USER = "user", _("Person")

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for review")
        RESOLVED = "resolved", _("Reviewed")

    target_type = models.CharField(max_length=8, choices=TargetType.choices)
    target_id = models.CharField(max_length=40)
    #: the community the target lives in ("" for people): who may moderate it
    community = models.SlugField(max_length=80, blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    #: evidence of possible harm to someone's safety (method detail, pro-self-harm): first
    safety_first = models.BooleanField(default=False)
    severity = models.PositiveSmallIntegerField(default=1)
    #: the post is held until a moderator approves it
    held = models.BooleanField(default=False)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["target_type", "target_id"],
                condition=models.Q(state="open"),
                name="moderation_item_open_unique",
            )
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["-safety_first", "-severity", "created_at", "id"],
                condition=models.Q(state="open"),
                name="moderation_item_queue",
            ),
            models.Index(fields=["author", "-id"], name="moderation_item_author"),
        ]

    def __str__(self) -> str:
        return f"Item({self.pk})"


class Flag(models.Model):
    """Evidence from automated screening or a watched word: why the item is in the queue."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=32)
    rule = models.CharField(max_length=80)
    severity = models.PositiveSmallIntegerField(default=1)
    action = models.CharField(max_length=8)
    excerpt = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)


class Report(models.Model):
    """A member's report. Its target may not exist or be hidden from the reporter: the
    reporter is answered alike, and such a report joins no item."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_reports"
    )
    target_type = models.CharField(max_length=8)
    target_id = models.CharField(max_length=160)
    reason = models.CharField(max_length=24, choices=ReportReason.choices)
    note = models.CharField(max_length=1000, blank=True, default="")
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["reporter", "-id"], name="moderation_report_reporter"),
        ]


class ModAction(models.Model):
    """One moderator action: the modlog. ``subject`` is the person it concerns."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)
    target_type = models.CharField(max_length=8)
    target_id = models.CharField(max_length=40)
    community = models.SlugField(max_length=80, blank=True, default="")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions_on",
    )
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500)
    #: what ``reverse`` needs (previous status, previous community, sanction id …); never text
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    #: set when the action was undone (by an appeal or a later action)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["community", "-created_at"], name="moderation_action_log"),
            models.Index(fields=["subject", "-created_at"], name="moderation_action_subject"),
            models.Index(fields=["created_at"], name="moderation_action_time"),
        ]


class Sanction(models.Model):
    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning")
        MUTE = "mute", _("Muted: cannot post")
        SUSPENSION = "suspension", _("Suspended: cannot sign in")
        BAN = "ban", _("Banned")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    action = models.ForeignKey(
        ModAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="sanctions"
    )
    starts_at = models.DateTimeField(default=timezone.now)
    #: None: until revoked (bans)
    ends_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "kind", "-ends_at"], name="moderation_sanction_user"),
        ]


class Appeal(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a moderator")
        UPHELD = "upheld", _("Decision kept")
        OVERTURNED = "overturned", _("Decision reversed")

    action = models.OneToOneField(ModAction, on_delete=models.CASCADE, related_name="appeal")
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_appeals"
    )
    text = models.CharField(max_length=2000)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)


class WatchedWord(models.Model):
    """A word or phrase a community (or the whole site, ``community=""``) watches for."""

    class Action(models.TextChoices):
        BLOCK = "block", _("Refuse the post")
        HOLD = "hold", _("Hold for approval")
        FLAG = "flag", _("Flag for moderators")
        CENSOR = "censor", _("Replace with asterisks")
        WARN = "warn", _("Add a content warning")
        LINK = "link", _("Link to a resource")

    community = models.SlugField(max_length=80, blank=True, default="")
    pattern = models.CharField(max_length=200)
    action = models.CharField(max_length=8, choices=Action.choices)
    #: content-warning topic (warn) or resource address (link)
    argument = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["community", "pattern", "action"], name="moderation_watched_word_unique"
            )
        ]


class WatchListVersion(models.Model):
    """Bumped on every watched-word change: processes recompile their cached lists."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveIntegerField(default=0)


class SlowMode(models.Model):
    """A per-person delay between posts in one thread."""

    thread_id = models.BigIntegerField(primary_key=True)
    seconds = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)


class ModeratorNote(models.Model):
    """A staff note about a person: encrypted under that person's key (erasure shreds it),
    readable by moderators only, every reading audited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderator_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = EncryptedTextField(owner_field="subject")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["subject", "-created_at"], name="moderation_note_subject"),
        ]


class TrustStats(models.Model):
    """What trust levels are computed from: counters only, never what was read."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    level = models.PositiveSmallIntegerField(default=0)
    topics_entered = models.PositiveIntegerField(default=0)
    posts_read = models.PositiveIntegerField(default=0)
    reading_seconds = models.PositiveIntegerField(default=0)
    days_visited = models.PositiveIntegerField(default=0)
    last_visit_on = models.DateField(null=True, blank=True)
    replies = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)


class ThreadVisit(models.Model):
    """Counts a thread once per person per day (then forgotten after a while)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread_id = models.BigIntegerField()
    day = models.DateField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["user", "thread_id", "day"], name="moderation_thread_visit_unique"
            )
        ]
