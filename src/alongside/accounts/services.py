"""Writes about people: profile updates and role grants. Each function is one transaction."""

from __future__ import annotations

from zoneinfo import available_timezones

from django.db import transaction

from alongside.accounts.models import LOCALES, RoleGrant, User
from alongside.core.actor import COMMUNITY_SCOPED_ROLES, Role
from alongside.core.api import ApiError
from alongside.core.audit import audit_record

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
