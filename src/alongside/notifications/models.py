"""Notifications: what happened that concerns a person, listed and pushed live.

A notification never records who caused it. Replies and reactions may come from anonymous
posts, so ``data`` holds only what the recipient may see, prepared by the app that notifies.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        MENTION = "mention", _("Mention")
        REACTION = "reaction", _("Support reaction")
        MODERATION = "moderation", _("Moderator action")
        #: Crisis queue: a case needs a responder (sent to crisis responders and admins only).
        SAFETY = "safety", _("Crisis queue")
        #: "Future self" (decision 0013): a trusted-person request or answer, a post waiting for
        #: the trusted person's approval, or the author's post published after waiting.
        FUTURE_SELF = "future_self", _("Posts held for your future self")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    #: Safe for the recipient to see: thread and post ids, title, excerpt, url, content warning.
    data = models.JSONField(default=dict, blank=True)
    #: Notifications with the same key are merged while unread ("3 people sent support").
    group_key = models.CharField(max_length=200, blank=True, default="")
    count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    #: Set while quiet hours hold the live push: the push goes out at this time (UTC).
    deliver_after = models.DateTimeField(null=True, blank=True)
    #: When the live push last went out; null while it is held.
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "-id"], name="notification_user_list"),
            # The release job scans only held notifications.
            models.Index(
                fields=["deliver_after"],
                condition=models.Q(delivered_at__isnull=True),
                name="notification_held",
            ),
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # At most one unread notification per group: two reactions arriving at once are
            # merged instead of creating two rows (the loser of the race retries as an update).
            # Its index also serves the batching lookup (user, group_key, unread).
            models.UniqueConstraint(
                fields=["user", "group_key"],
                condition=models.Q(read_at__isnull=True) & ~models.Q(group_key=""),
                name="notification_unread_group_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"notification {self.pk} ({self.kind})"
