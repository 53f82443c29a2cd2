"""Reads about people, always through an Actor."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings

from alongside.accounts.models import RoleGrant
from alongside.core.actor import ANONYMOUS, COMMUNITY_SCOPED_ROLES, STAFF_ROLES, Actor, Role


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
