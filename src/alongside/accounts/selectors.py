"""Reads about people, always through an Actor."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Lower

from alongside.accounts.models import Block, FutureSelf, Preferences, RoleGrant, User
from alongside.core.actor import ANONYMOUS, COMMUNITY_SCOPED_ROLES, STAFF_ROLES, Actor, Role
from alongside.core.content_warnings import TOPICS, FilterChoice


def has_mfa(user_id: int) -> bool:
    return Authenticator.objects.filter(
        user_id=user_id, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def actor_for_user(user: Any, *, ip: str = "") -> Actor:
    """Build the Actor: granted roles, with staff roles in effect only when MFA is on."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor(ip=ip) if ip else ANONYMOUS
    grants = list(RoleGrant.objects.filter(user_id=user.pk).values_list("role", "community"))
    site_roles = {Role(role) for role, community in grants if not community}
    site_roles.add(Role.MEMBER)
    community_roles: dict[str, set[Role]] = {}
    for role, community in grants:
        if community and Role(role) in COMMUNITY_SCOPED_ROLES:
            community_roles.setdefault(community, set()).add(Role(role))
    pending: set[Role] = set()
    needs_mfa = settings.STAFF_MFA_REQUIRED and (
        site_roles & STAFF_ROLES or any(Role.MODERATOR in r for r in community_roles.values())
    )
    if needs_mfa and not has_mfa(user.pk):
        pending = (site_roles & STAFF_ROLES) | {
            r for roles in community_roles.values() for r in roles if r in STAFF_ROLES
        }
        site_roles -= STAFF_ROLES
        community_roles = {c: r - STAFF_ROLES for c, r in community_roles.items()}
    return Actor(
        user_id=user.pk,
        roles=frozenset(site_roles),
        community_roles={c: frozenset(r) for c, r in community_roles.items() if r},
        age_band=user.age_band,
        pending_staff_roles=frozenset(pending),
        ip=ip,
    )


def user_roles_list(*, user_id: int) -> list[dict[str, str]]:
    return [
        {"role": role, "community": community}
        for role, community in RoleGrant.objects.filter(user_id=user_id)
        .order_by("role", "community")
        .values_list("role", "community")
    ]


@dataclass(frozen=True)
class Filters:
    """What one person chose to see: read once per request, applied everywhere."""

    topic_filters: dict[str, str] = field(default_factory=dict)
    muted_words: tuple[str, ...] = ()
    #: people whose named content is hidden from this person (blocked or muted)
    hidden_authors: frozenset[int] = frozenset()
    teen: bool = False

    def choice(self, topic: str) -> str:
        chosen = self.topic_filters.get(topic, FilterChoice.COLLAPSE.value)
        if self.teen and chosen == FilterChoice.SHOW.value:
            return FilterChoice.COLLAPSE.value  # teens always get the warning first
        return chosen

    @property
    def hidden_topics(self) -> tuple[str, ...]:
        return tuple(t for t in TOPICS if self.choice(t) == FilterChoice.HIDE.value)

    def muted_word_in(self, text: str) -> str | None:
        lowered = text.casefold()
        for word in self.muted_words:
            if word.casefold() in lowered:
                return word
        return None


NO_FILTERS = Filters()


def preferences_get(*, user_id: int) -> Preferences:
    """The person's settings; an unsaved default object when they never changed any."""
    found = Preferences.objects.filter(user_id=user_id).first()
    return found or Preferences(user_id=user_id)


def filters_for(actor: Actor) -> Filters:
    """Two queries for a signed-in person, none for a visitor."""
    if actor.user_id is None:
        return NO_FILTERS
    prefs = preferences_get(user_id=actor.user_id)
    hidden = frozenset(
        Block.objects.filter(user_id=actor.user_id).values_list("target_id", flat=True)
    )
    return Filters(
        topic_filters=dict(prefs.topic_filters or {}),
        muted_words=tuple(prefs.muted_words or ()),
        hidden_authors=hidden,
        teen=actor.is_teen,
    )


def blockers_of(*, user_ids: Iterable[int], target_id: int) -> set[int]:
    """Which of ``user_ids`` blocked ``target_id`` (mutes do not count: a mute is silent)."""
    ids = set(user_ids)
    if not ids:
        return set()
    return set(
        Block.objects.filter(
            user_id__in=ids, target_id=target_id, kind=Block.Kind.BLOCK
        ).values_list("user_id", flat=True)
    )


def is_blocked_by(*, user_id: int, target_id: int) -> bool:
    """Has ``user_id`` blocked or muted ``target_id``? (Used to silence notifications.)"""
    return Block.objects.filter(user_id=user_id, target_id=target_id).exists()


def block_list(*, user_id: int) -> list[dict[str, Any]]:
    return [
        {
            "username": b.target.username,
            "display_name": b.target.public_name,
            "kind": b.kind,
            "created_at": b.created_at,
        }
        for b in Block.objects.filter(user_id=user_id).select_related("target").order_by("-pk")
    ]


def user_ids_by_username(usernames: Iterable[str]) -> dict[str, int]:
    """Active users by username (case-insensitive), for mentions: lower-cased name -> id."""
    names = {n.lower() for n in usernames}
    if not names:
        return {}
    rows = (
        User.objects.filter(is_active=True)
        .annotate(lname=Lower("username"))
        .filter(lname__in=names)
        .values_list("lname", "pk")
    )
    return {name: int(pk) for name, pk in rows}


def community_role_holders(*, community: str, role: str) -> list[dict[str, str]]:
    """People who hold a role in one community (public: members see who moderates)."""
    return [
        {"username": g.user.username, "name": g.user.public_name}
        for g in RoleGrant.objects.filter(community=community, role=role, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    ]


def user_public(*, user_id: int) -> dict[str, Any] | None:
    found = User.objects.filter(pk=user_id).first()
    if found is None:
        return None
    return {"id": found.pk, "username": found.username, "display_name": found.public_name}


# --- future self (decision 0013) ---------------------------------------------------------------


def future_self_get(*, user_id: int) -> FutureSelf:
    """The person's option; an unsaved "off" object when they never set it."""
    found = FutureSelf.objects.filter(user_id=user_id).select_related("trusted_user").first()
    return found or FutureSelf(user_id=user_id)


def hold_hours_at(option: FutureSelf, now: datetime.datetime) -> int:
    """The hold in effect at ``now``: a scheduled shorter hold counts once its time has come."""
    if (
        option.next_hold_hours is not None
        and option.takes_effect_at is not None
        and option.takes_effect_at <= now
    ):
        return option.next_hold_hours
    return option.hold_hours


def trusted_id_of(option: FutureSelf) -> int | None:
    """The trusted person who can approve, once they accepted (and while their account is on)."""
    if option.trusted_user_id is None or option.trusted_accepted_at is None:
        return None
    user = option.trusted_user
    if user is not None and not user.is_active:
        return None
    return option.trusted_user_id


@dataclass(frozen=True)
class HoldPlan:
    """How a post written now waits: published at ``release_at`` unless the trusted person
    approves it sooner; its author may publish it from ``early_release_at``."""

    hours: int
    release_at: datetime.datetime
    early_release_at: datetime.datetime
    trusted_user_id: int | None


def hold_plan(*, user_id: int, now: datetime.datetime) -> HoldPlan | None:
    """None when the person's new posts do not wait. One query."""
    option = (
        FutureSelf.objects.filter(user_id=user_id)
        .select_related("trusted_user")
        .only(
            "user_id",
            "hold_hours",
            "next_hold_hours",
            "takes_effect_at",
            "trusted_user_id",
            "trusted_accepted_at",
            "trusted_user__is_active",
        )
        .first()
    )
    if option is None:
        return None
    hours = hold_hours_at(option, now)
    if hours <= 0:
        return None
    hold = datetime.timedelta(hours=hours)
    return HoldPlan(
        hours=hours,
        release_at=now + hold,
        early_release_at=now + hold / 2,
        trusted_user_id=trusted_id_of(option),
    )


def _person(user: User) -> dict[str, Any]:
    return {"username": user.username, "display_name": user.public_name}


def future_self_data(*, user_id: int, now: datetime.datetime) -> dict[str, Any]:
    """The option as it stands for its owner: the hold in effect, a shorter hold waiting to
    take effect, and the trusted person with where they stand."""
    option = future_self_get(user_id=user_id)
    hours = hold_hours_at(option, now)
    scheduled = None
    if (
        option.next_hold_hours is not None
        and option.takes_effect_at is not None
        and option.takes_effect_at > now
    ):
        scheduled = {
            "hold_hours": option.next_hold_hours,
            "takes_effect_at": option.takes_effect_at,
        }
    trusted = None
    if option.trusted_user is not None and option.trusted_user.is_active:
        accepted = option.trusted_accepted_at is not None
        trusted = {
            **_person(option.trusted_user),
            "status": "accepted" if accepted else "asked",
            "since": option.trusted_accepted_at if accepted else option.trusted_asked_at,
        }
    return {"hold_hours": hours, "scheduled": scheduled, "trusted": trusted}


def trusted_by_list(*, user_id: int) -> list[dict[str, Any]]:
    """People who named this person as their trusted person (asked or accepted), in one query."""
    rows = (
        FutureSelf.objects.filter(trusted_user_id=user_id, user__is_active=True)
        .select_related("user")
        .order_by("-trusted_asked_at", "pk")
    )
    return [
        {
            **_person(row.user),
            "status": "accepted" if row.trusted_accepted_at is not None else "asked",
            "since": row.trusted_accepted_at or row.trusted_asked_at,
        }
        for row in rows
    ]


def trusting_author_ids(*, trusted_id: int) -> set[int]:
    """Whose waiting posts this person may approve: those who named them and they accepted."""
    return set(
        FutureSelf.objects.filter(
            trusted_user_id=trusted_id, trusted_accepted_at__isnull=False, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def is_trusted_approver(*, trusted_id: int, author_id: int | None) -> bool:
    if author_id is None:
        return False
    return FutureSelf.objects.filter(
        user_id=author_id, trusted_user_id=trusted_id, trusted_accepted_at__isnull=False
    ).exists()


def role_holders(roles: Iterable[str], *, community: str = "") -> set[int]:
    """Ids of active people whose grant of one of ``roles`` is in effect: site-wide, or also
    for ``community`` when given, and — when staff need MFA — with MFA on (without it they act
    as members and could not open the queues these ids are told about)."""
    scope = Q(community="") | Q(community=community) if community else Q(community="")
    ids = set(
        RoleGrant.objects.filter(scope, role__in=list(roles), user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    if ids and settings.STAFF_MFA_REQUIRED:
        ids &= set(
            Authenticator.objects.filter(
                user_id__in=ids,
                type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
            ).values_list("user_id", flat=True)
        )
    return ids
