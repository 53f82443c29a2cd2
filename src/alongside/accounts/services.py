"""Writes about people: profile updates and role grants. Each function is one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import available_timezones

from django.db import transaction
from django.utils.translation import gettext as _

from alongside.accounts.models import LOCALES, NOTIFY_KINDS, Block, Preferences, RoleGrant, User
from alongside.core.actor import COMMUNITY_SCOPED_ROLES, Role
from alongside.core.api import ApiError
from alongside.core.audit import audit_record
from alongside.core.content_warnings import (
    MUTED_WORD_MAX_LENGTH,
    MUTED_WORDS_MAX,
    TOPICS,
    FilterChoice,
)

_LOCALE_CODES = {code for code, _label in LOCALES}


def profile_update(
    *,
    user_id: int,
    display_name: str | None = None,
    pronouns: str | None = None,
    locale: str | None = None,
    country: str | None = None,
    time_zone: str | None = None,
) -> User:
    """Validate every field first, then write all or nothing."""
    if locale is not None and locale not in _LOCALE_CODES:
        raise ApiError(
            422, "Choose one of: " + ", ".join(sorted(_LOCALE_CODES)), "invalid", "locale"
        )
    if country is not None:
        country = country.strip().upper()
        if country and (len(country) != 2 or not country.isascii() or not country.isalpha()):
            raise ApiError(422, "Use a two-letter country code.", "invalid", "country")
    if time_zone is not None and time_zone not in available_timezones():
        raise ApiError(422, "Unknown time zone.", "invalid", "time_zone")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        changed = []
        for name, value in (
            ("display_name", display_name),
            ("pronouns", pronouns),
            ("locale", locale),
            ("country", country),
            ("time_zone", time_zone),
        ):
            if value is not None and getattr(user, name) != value:
                setattr(user, name, value)
                changed.append(name)
        if changed:
            user.save(update_fields=changed)
    return user


class RoleError(ValueError):
    pass


def role_grant(
    *,
    user_id: int,
    role: str,
    community: str = "",
    granted_by_id: int | None = None,
    reason: str = "",
) -> RoleGrant:
    try:
        role_value = Role(role)
    except ValueError as exc:
        raise RoleError(
            f"unknown role {role!r}; one of: {', '.join(r.value for r in Role)}"
        ) from exc
    if community and role_value not in COMMUNITY_SCOPED_ROLES:
        raise RoleError(f"{role_value} cannot be limited to one community")
    with transaction.atomic():
        grant, created = RoleGrant.objects.get_or_create(
            user_id=user_id,
            role=role_value.value,
            community=community,
            defaults={"granted_by_id": granted_by_id},
        )
        if created:
            audit_record(
                actor_id=granted_by_id,
                action="role.grant",
                target_user_id=user_id,
                reason=reason,
                data={"role": role_value.value, "community": community},
            )
    return grant


def role_revoke(
    *,
    user_id: int,
    role: str,
    community: str = "",
    revoked_by_id: int | None = None,
    reason: str = "",
) -> bool:
    with transaction.atomic():
        deleted, _ = RoleGrant.objects.filter(
            user_id=user_id, role=role, community=community
        ).delete()
        if deleted:
            audit_record(
                actor_id=revoked_by_id,
                action="role.revoke",
                target_user_id=user_id,
                reason=reason,
                data={"role": role, "community": community},
            )
    return bool(deleted)


def _clean_topic_filters(value: Mapping[str, str]) -> dict[str, str]:
    choices = {c.value for c in FilterChoice}
    cleaned: dict[str, str] = {}
    for topic, choice in value.items():
        if topic not in TOPICS:
            raise ApiError(
                422, _("Unknown topic. One of: %s") % ", ".join(TOPICS), "invalid", "topic_filters"
            )
        if choice not in choices:
            raise ApiError(422, _("Choose show, collapse or hide."), "invalid", "topic_filters")
        if choice != FilterChoice.COLLAPSE.value:  # collapse is the default: not stored
            cleaned[topic] = choice
    return cleaned


def _clean_muted_words(words: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in words:
        word = " ".join(str(raw).split())
        if not word:
            continue
        if len(word) > MUTED_WORD_MAX_LENGTH:
            raise ApiError(
                422,
                _("Keep each muted word under %(n)d characters.") % {"n": MUTED_WORD_MAX_LENGTH},
                "too_long",
                "muted_words",
            )
        if word.casefold() not in {w.casefold() for w in cleaned}:
            cleaned.append(word)
    if len(cleaned) > MUTED_WORDS_MAX:
        raise ApiError(
            422,
            _("You can mute up to %(n)d words.") % {"n": MUTED_WORDS_MAX},
            "too_many",
            "muted_words",
        )
    return cleaned


def preferences_update(
    *,
    user_id: int,
    topic_filters: Mapping[str, str] | None = None,
    muted_words: Sequence[str] | None = None,
    notify: Mapping[str, bool] | None = None,
    quiet_hours: tuple[datetime.time | None, datetime.time | None] | None = None,
) -> Preferences:
    """Validate everything first, then write all or nothing. ``quiet_hours`` (start, end) in
    the person's local time; (None, None) switches them off; both or neither must be set."""
    cleaned: dict[str, Any] = {}
    if topic_filters is not None:
        cleaned["topic_filters"] = _clean_topic_filters(topic_filters)
    if muted_words is not None:
        cleaned["muted_words"] = _clean_muted_words(muted_words)
    if notify is not None:
        unknown = sorted(set(notify) - set(NOTIFY_KINDS))
        if unknown:
            raise ApiError(
                422,
                _("Unknown notification kind. One of: %s") % ", ".join(NOTIFY_KINDS),
                "invalid",
                "notify",
            )
        cleaned["notify"] = {k: bool(v) for k, v in notify.items() if not v}
    if quiet_hours is not None:
        start, end = quiet_hours
        if (start is None) != (end is None):
            raise ApiError(
                422, _("Give both a start and an end for quiet hours."), "invalid", "quiet_hours"
            )
        if start is not None and start == end:
            raise ApiError(
                422,
                _("Quiet hours must start and end at different times."),
                "invalid",
                "quiet_hours",
            )
        cleaned["quiet_hours_start"], cleaned["quiet_hours_end"] = start, end
    with transaction.atomic():
        prefs, _created = Preferences.objects.select_for_update().get_or_create(user_id=user_id)
        for name, value in cleaned.items():
            setattr(prefs, name, value)
        prefs.save()
    return prefs


def block_set(*, user_id: int, target_username: str, kind: str = Block.Kind.BLOCK) -> Block:
    """Block or mute someone by username. Unknown, inactive and self answer 404 alike, so
    blocking cannot be used to probe which usernames exist... except oneself, which is 422."""
    if kind not in Block.Kind.values:
        raise ApiError(422, _("Choose block or mute."), "invalid", "kind")
    target = User.objects.filter(username__iexact=target_username.strip(), is_active=True).first()
    if target is None:
        raise ApiError(404, _("Not found."), "not_found")
    if target.pk == user_id:
        raise ApiError(422, _("You cannot block yourself."), "invalid", "username")
    with transaction.atomic():
        block, _created = Block.objects.update_or_create(
            user_id=user_id, target_id=target.pk, defaults={"kind": kind}
        )
    return block


def block_remove(*, user_id: int, target_username: str) -> bool:
    with transaction.atomic():
        deleted, _n = Block.objects.filter(
            user_id=user_id, target__username__iexact=target_username.strip()
        ).delete()
    return bool(deleted)
