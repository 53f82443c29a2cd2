"""Writes about people: profile updates and role grants. Each function is one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import available_timezones

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alongside.accounts.models import (
    FUTURE_SELF_MAX_HOURS,
    LOCALES,
    NOTIFY_KINDS,
    Block,
    FutureSelf,
    Preferences,
    RoleGrant,
    User,
)
from alongside.accounts.selectors import hold_hours_at
from alongside.core.actor import COMMUNITY_SCOPED_ROLES, AgeBand, Role
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
        # Whoever blocks or mutes someone stops trusting them, and stops being trusted by them.
        _trust_end_between(user_id, target.pk)
    return block


def block_remove(*, user_id: int, target_username: str) -> bool:
    with transaction.atomic():
        deleted, _n = Block.objects.filter(
            user_id=user_id, target__username__iexact=target_username.strip()
        ).delete()
    return bool(deleted)


# --- future self (decision 0013) ---------------------------------------------------------------

#: A trusted-person request notifies the person at most once a day for the same asker.
TRUST_REQUEST_NOTIFY_EVERY = 24 * 3600


def _future_self_notify(*, user_id: int, event: str, other: User, actor_user_id: int) -> None:
    """Tell one side of a trusted-person arrangement what the other side did."""
    from alongside.notifications.services import notify

    notify(
        user_id=user_id,
        kind="future_self",
        data={
            "event": event,
            "name": other.public_name,
            "url": reverse("account-settings-future-self"),
        },
        actor_user_id=actor_user_id,
        group_key=f"future_self:{event}:{other.pk}",
    )


def _trust_end_between(user_id: int, other_id: int) -> None:
    """End trust in both directions between two people (inside the caller's transaction)."""
    FutureSelf.objects.filter(
        Q(user_id=user_id, trusted_user_id=other_id) | Q(user_id=other_id, trusted_user_id=user_id)
    ).update(trusted_user=None, trusted_asked_at=None, trusted_accepted_at=None)


def _clean_hold_hours(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(422, _("Give a whole number of hours."), "invalid", "hold_hours")
    if not 0 <= value <= FUTURE_SELF_MAX_HOURS:
        raise ApiError(
            422,
            _("Choose from 0 (off) to %(n)d hours.") % {"n": FUTURE_SELF_MAX_HOURS},
            "invalid",
            "hold_hours",
        )
    return value


def _trusted_candidate(author: User, username: str) -> User:
    """The member to ask. Unknown, inactive, someone who blocked the asker and someone of
    the other age group all get the same answer, so asking reveals nothing about them."""
    refusal = ApiError(
        422,
        _("We can't ask this member. Check the username."),
        "not_available",
        "trusted_username",
    )
    target = User.objects.filter(username__iexact=username.strip(), is_active=True).first()
    if target is None:
        raise refusal
    if target.pk == author.pk:
        raise ApiError(
            422, _("Your trusted person has to be someone else."), "invalid", "trusted_username"
        )
    if Block.objects.filter(user_id=author.pk, target_id=target.pk).exists():
        raise ApiError(
            422,
            _("You blocked or muted this member, so you can't ask them."),
            "blocked",
            "trusted_username",
        )
    if Block.objects.filter(user_id=target.pk, target_id=author.pk).exists():
        raise refusal
    # Teens and adults are not paired: the trusted person reads posts before anyone else does.
    if (author.age_band == AgeBand.TEEN) != (target.age_band == AgeBand.TEEN):
        raise refusal
    return target


def future_self_update(
    *,
    user_id: int,
    hold_hours: int,
    trusted_username: str | None,
    now: datetime.datetime | None = None,
) -> FutureSelf:
    """Set how long my new posts wait and whom I trust to approve them sooner.

    A longer hold (or turning the option on) takes effect at once; a shorter one (or turning
    it off) only after one full hold as it is now, and asking again restarts that wait: a bad
    moment cannot undo in one click what a calmer one chose. Posts already waiting keep their
    time. Naming a new trusted person asks them; they count once they accept. ``None``
    (or an empty name) ends the arrangement with the current trusted person.
    """
    hours = _clean_hold_hours(hold_hours)
    name = (trusted_username or "").strip()
    if len(name) > 150:
        raise ApiError(
            422, _("Usernames are at most 150 characters."), "too_long", "trusted_username"
        )
    now = now or timezone.now()
    with transaction.atomic():
        author = User.objects.select_for_update().get(pk=user_id)
        option, _created = FutureSelf.objects.select_for_update().get_or_create(user_id=user_id)
        current = hold_hours_at(option, now)
        if option.takes_effect_at is not None and option.takes_effect_at <= now:
            # A scheduled change whose time came: it is the hold now.
            option.hold_hours, option.next_hold_hours, option.takes_effect_at = current, None, None
        if hours >= current:
            option.hold_hours, option.next_hold_hours, option.takes_effect_at = hours, None, None
        elif option.next_hold_hours != hours:
            option.next_hold_hours = hours
            option.takes_effect_at = now + datetime.timedelta(hours=current)
        previous = option.trusted_user if option.trusted_user_id else None
        target = None
        if name and (previous is None or previous.username.casefold() != name.casefold()):
            target = _trusted_candidate(author, name)
        if target is not None or (not name and previous is not None):
            option.trusted_user = target
            option.trusted_asked_at = now if target is not None else None
            option.trusted_accepted_at = None
        option.save()
        if previous is not None and previous.pk != option.trusted_user_id and previous.is_active:
            _future_self_notify(
                user_id=previous.pk, event="released", other=author, actor_user_id=author.pk
            )
        if target is not None and cache.add(
            f"future_self:asked:{author.pk}:{target.pk}", 1, TRUST_REQUEST_NOTIFY_EVERY
        ):
            _future_self_notify(
                user_id=target.pk, event="request", other=author, actor_user_id=author.pk
            )
    return option


def trusted_accept(*, user_id: int, author_username: str) -> FutureSelf:
    """Agree to be someone's trusted person. 404 when they did not ask (or asked no longer)."""
    with transaction.atomic():
        option = (
            FutureSelf.objects.select_for_update()
            .select_related("user")
            .filter(
                trusted_user_id=user_id,
                user__username__iexact=author_username.strip(),
                user__is_active=True,
            )
            .first()
        )
        if option is None:
            raise ApiError(404, _("Not found."), "not_found")
        if option.trusted_accepted_at is None:
            option.trusted_accepted_at = timezone.now()
            option.save(update_fields=["trusted_accepted_at", "changed_at"])
            me = User.objects.get(pk=user_id)
            _future_self_notify(
                user_id=option.user_id, event="accepted", other=me, actor_user_id=user_id
            )
    return option


def trusted_end(*, user_id: int, author_username: str) -> None:
    """Say no to a request, or stop being someone's trusted person. Their posts keep waiting
    for the time they chose; they are told, kindly. 404 when there is nothing to end."""
    with transaction.atomic():
        option = (
            FutureSelf.objects.select_for_update()
            .filter(trusted_user_id=user_id, user__username__iexact=author_username.strip())
            .first()
        )
        if option is None:
            raise ApiError(404, _("Not found."), "not_found")
        was_accepted = option.trusted_accepted_at is not None
        option.trusted_user = None
        option.trusted_asked_at = option.trusted_accepted_at = None
        option.save(
            update_fields=[
                "trusted_user",
                "trusted_asked_at",
                "trusted_accepted_at",
                "changed_at",
            ]
        )
        me = User.objects.get(pk=user_id)
        _future_self_notify(
            user_id=option.user_id,
            event="ended" if was_accepted else "declined",
            other=me,
            actor_user_id=user_id,
        )
