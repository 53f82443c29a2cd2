"""People: the custom user (a pseudonym, never a real name), their profile and roles."""

from __future__ import annotations

import datetime
from typing import ClassVar
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from alongside.core.actor import AgeBand, Role

MIN_AGE = 13
ADULT_AGE = 18
LOCALES = [("en", "English"), ("zh-hans", "简体中文")]
TIME_ZONES = sorted(available_timezones())
#: Notification kinds a person can switch off. Moderator actions on their own content always
#: reach them (they carry the reason and the way to appeal).
NOTIFY_KINDS = ("reply", "mention", "reaction")


def age_this_year(birth_year: int, today: datetime.date | None = None) -> int:
    today = today or datetime.datetime.now(datetime.UTC).date()
    return today.year - birth_year


def age_band_for(birth_year: int | None, today: datetime.date | None = None) -> AgeBand | None:
    """Teen until the year a person turns 19: with a birth year alone, a person who turns 18
    this year may still be 17, and teen protections err on the side of the young."""
    if birth_year is None:
        return None
    return AgeBand.TEEN if age_this_year(birth_year, today) <= ADULT_AGE else AgeBand.ADULT


def is_too_young(birth_year: int, today: datetime.date | None = None) -> bool:
    """Under 13 this whole year: no account."""
    return age_this_year(birth_year, today) < MIN_AGE


class User(AbstractUser):
    """A member. ``username`` is a pseudonym; email is optional (needed only for resets)."""

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]

    email = models.EmailField(_("email address"), blank=True, default="")
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    locale = models.CharField(_("language"), max_length=10, choices=LOCALES, default="en")
    country = models.CharField(_("country"), max_length=2, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(birth_year__isnull=True) | models.Q(birth_year__gte=1900),
                name="user_birth_year_plausible",
            )
        ]

    @property
    def age_band(self) -> AgeBand | None:
        return age_band_for(self.birth_year)

    @property
    def public_name(self) -> str:
        return self.display_name or self.username


class RoleGrant(models.Model):
    """A role held by a user, site-wide (empty community) or in one community."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(max_length=32, choices=[(r.value, r.value) for r in Role])
    community = models.SlugField(max_length=80, blank=True, default="")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "role", "community"], name="role_grant_unique")
        ]


class Preferences(models.Model):
    """Personal settings that shape what a person sees and when they are disturbed.

    ``topic_filters`` maps a content-warning topic to show/collapse/hide (absent: collapse);
    ``muted_words`` collapse posts that contain them; ``notify`` maps a notification kind to
    on/off (absent: on); quiet hours (local time in the person's time zone) hold live pushes.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="preferences",
    )
    topic_filters = models.JSONField(default=dict, blank=True)
    muted_words = models.JSONField(default=list, blank=True)
    notify = models.JSONField(default=dict, blank=True)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class Block(models.Model):
    """``user`` no longer wants to see ``target``.

    ``block``: the target's named content is hidden from the user, and the target cannot reply
    to or mention the user. ``mute``: hidden only; the target notices nothing. Neither touches
    anonymous posts (decision 0011: a block that hid anonymous posts would reveal who wrote them).
    """

    class Kind(models.TextChoices):
        BLOCK = "block", _("Block")
        MUTE = "mute", _("Mute")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks"
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocked_by"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.BLOCK)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "target"], name="block_unique"),
            models.CheckConstraint(
                condition=~models.Q(user=models.F("target")), name="block_not_self"
            ),
        ]


#: The longest a person may ask for their own posts to wait (three days).
FUTURE_SELF_MAX_HOURS = 72


class FutureSelf(models.Model):
    """The "future self" option (decision 0013): hold my own new posts for ``hold_hours``, and
    let a trusted person I named release them sooner by approving them.

    Lengthening the hold (or turning it on) is immediate; shortening it (or turning it off) is
    stored as ``next_hold_hours`` and takes effect at ``takes_effect_at``, one full current hold
    later, so the option cannot be switched off in one click on a bad day. The trusted person
    counts only once they accepted (``trusted_accepted_at``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="future_self",
    )
    hold_hours = models.PositiveSmallIntegerField(default=0)
    next_hold_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    takes_effect_at = models.DateTimeField(null=True, blank=True)
    trusted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trusted_for",
    )
    trusted_asked_at = models.DateTimeField(null=True, blank=True)
    trusted_accepted_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(hold_hours__lte=FUTURE_SELF_MAX_HOURS),
                name="future_self_hold_bounded",
            ),
            models.CheckConstraint(
                condition=models.Q(next_hold_hours__isnull=True)
                | models.Q(next_hold_hours__lte=FUTURE_SELF_MAX_HOURS),
                name="future_self_next_hold_bounded",
            ),
            models.CheckConstraint(
                condition=models.Q(next_hold_hours__isnull=True)
                | models.Q(takes_effect_at__isnull=False),
                name="future_self_change_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(trusted_user=models.F("user")),
                name="future_self_trusted_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"FutureSelf({self.pk})"
