"""Privacy inventory entries for accounts (see alongside.privacy.inventory).

Also registers the allauth tables that hold data about a person (email addresses, MFA
authenticators, sessions): accounts is the app that brings allauth in.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.utils.translation import gettext_lazy as _

from alongside.accounts.models import Block, FutureSelf, Preferences, RoleGrant, User
from alongside.privacy import inventory
from alongside.privacy.inventory import Erase, Phase
from alongside.privacy.services import user_sessions_end


def _profile(user_id: int) -> list[dict[str, Any]]:
    # Never the password hash, permissions or staff flags: they are not about the person.
    return [
        {
            "id": user.pk,
            "username": user.username,
            "email": user.email,
            "display_name": user.display_name,
            "pronouns": user.pronouns,
            "locale": user.locale,
            "country": user.country,
            "time_zone": user.time_zone,
            "birth_year": user.birth_year,
            "age_band": user.age_band.value if user.age_band else None,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        }
        for user in User.objects.filter(pk=user_id)
    ]


def _mfa(user_id: int) -> list[dict[str, Any]]:
    # The type and dates only: ``data`` holds TOTP secrets, recovery seeds and credentials.
    return [
        {"type": a.type, "created_at": a.created_at, "last_used_at": a.last_used_at}
        for a in Authenticator.objects.filter(user_id=user_id).order_by("pk")
    ]


def _blocks(user_id: int) -> list[dict[str, Any]]:
    # The people this person blocked, by the name they chose to block. Blocks of this person
    # by others are those people's data: not exported, and deleted with the account (CASCADE).
    return [
        {"username": b.target.username, "kind": b.kind, "created_at": b.created_at}
        for b in Block.objects.filter(user_id=user_id).select_related("target").order_by("pk")
    ]


def _future_self(user_id: int) -> list[dict[str, Any]]:
    # The person's own choice, with the trusted person they named by the name they named.
    return [
        {
            "hold_hours": f.hold_hours,
            "next_hold_hours": f.next_hold_hours,
            "takes_effect_at": f.takes_effect_at,
            "trusted_username": f.trusted_user.username if f.trusted_user else None,
            "trusted_asked_at": f.trusted_asked_at,
            "trusted_accepted_at": f.trusted_accepted_at,
            "changed_at": f.changed_at,
        }
        for f in FutureSelf.objects.filter(user_id=user_id).select_related("trusted_user")
    ]


def _end_sessions(user_id: int) -> int:
    return user_sessions_end(user_id=user_id, sweep=True)


inventory.register(
    User,
    section="profile",
    description=_("Your account and profile."),
    user_field="pk",
    export=_profile,
    erase=Erase.DELETE,
    phase=Phase.ACCOUNT,
)
inventory.register(
    RoleGrant,
    section="roles",
    description=_("Roles you hold on this site."),
    export=("role", "community", "created_at"),
    erase=Erase.DELETE,
    # A role this person granted to someone else stays that person's; on_delete clears the link.
    other_user_fields=("granted_by",),
)
inventory.register(
    EmailAddress,
    section="email_addresses",
    description=_("Email addresses on your account."),
    export=("email", "verified", "primary"),
    erase=Erase.DELETE,
)
inventory.register(
    Authenticator,
    section="mfa_methods",
    description=_("Two-step sign-in methods you set up (without their secrets)."),
    export=_mfa,
    erase=Erase.DELETE,
)
inventory.register(
    UserSession,
    section="sessions",
    description=_("Devices and browsers signed in to your account."),
    export=("created_at", "last_seen_at", "ip", "user_agent"),
    erase=_end_sessions,
)
inventory.register(
    Preferences,
    section="preferences",
    description=_("Your settings: content filters, muted words, notifications, quiet hours."),
    export=(
        "topic_filters",
        "muted_words",
        "notify",
        "quiet_hours_start",
        "quiet_hours_end",
        "updated_at",
    ),
    erase=Erase.DELETE,
)
inventory.register(
    Block,
    section="blocks",
    description=_("People you blocked or muted."),
    export=_blocks,
    erase=Erase.DELETE,
    # Someone else's block of this person is theirs; it goes when this account goes (CASCADE).
    other_user_fields=("target",),
)
inventory.register(
    FutureSelf,
    section="future_self",
    description=_("Your “future self” option: how long your new posts wait, and whom you trust."),
    export=_future_self,
    erase=Erase.DELETE,
    # Being someone's trusted person is part of their option; erasing this account clears the
    # link there (SET_NULL) and their posts keep waiting for the time they chose.
    other_user_fields=("trusted_user",),
)
