"""Demo data for ``alongside demo`` and ``alongside seed-demo``: pseudonymous members of every
age band and role, all sharing one published password.

This module composes the other apps' services (accounts, privacy), unlike the rest of
``core``; it is imported only by the demo commands, never by the running site. Everything
here is idempotent: running it again leaves the same people, roles and consents.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction

#: Shared by every demo account and printed by ``alongside demo``. Demo data must never be
#: loaded into a site that serves real people (``seed-demo`` refuses in production mode).
DEMO_PASSWORD = "harbour-lights-demo"


@dataclass(frozen=True)
class DemoMember:
    username: str
    display_name: str
    pronouns: str
    #: Age this year: birth years are computed so that teens stay teens as years pass.
    age: int
    locale: str
    country: str
    time_zone: str
    roles: tuple[str, ...] = ()
    #: community slug -> roles held only there
    community_roles: tuple[tuple[str, str], ...] = ()

    @property
    def birth_year(self) -> int:
        return datetime.datetime.now(datetime.UTC).year - self.age


MEMBERS: tuple[DemoMember, ...] = (
    DemoMember("river_stone", "River", "she/her", 34, "en", "GB", "Europe/London"),
    DemoMember("quiet_harbor", "Harbor", "they/them", 15, "en", "US", "America/New_York"),
    DemoMember("maple_morning", "Maple", "he/him", 17, "en", "CA", "America/Toronto"),
    DemoMember("xiao_yu", "小雨", "她", 16, "zh-hans", "CN", "Asia/Shanghai"),
    DemoMember("bamboo_grove", "竹林", "他", 29, "zh-hans", "SG", "Asia/Singapore"),
    DemoMember("morning_walk", "Walker", "", 67, "en", "IE", "Europe/Dublin"),
    DemoMember(
        "lantern_keeper",
        "Lantern",
        "she/they",
        41,
        "en",
        "AU",
        "Australia/Sydney",
        roles=("peer_supporter",),
    ),
    DemoMember(
        "lin_wei",
        "林薇",
        "她",
        38,
        "zh-hans",
        "CN",
        "Asia/Shanghai",
        community_roles=(("anxiety", "peer_supporter"),),
    ),
    DemoMember(
        "tide_watcher",
        "Tide",
        "he/him",
        45,
        "en",
        "NZ",
        "Pacific/Auckland",
        roles=("moderator",),
    ),
    DemoMember(
        "north_star",
        "North Star",
        "she/her",
        36,
        "en",
        "US",
        "America/Chicago",
        roles=("crisis_responder",),
    ),
    DemoMember(
        "dr_willow",
        "Dr Willow",
        "she/her",
        52,
        "en",
        "GB",
        "Europe/London",
        roles=("professional",),
    ),
    DemoMember(
        "cedar_clinic",
        "Dr Cedar",
        "he/him",
        47,
        "en",
        "US",
        "America/Los_Angeles",
        roles=("clinician",),
    ),
    DemoMember(
        "harbor_admin",
        "Site admin",
        "they/them",
        39,
        "en",
        "GB",
        "Europe/London",
        roles=("admin",),
    ),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    roles: tuple[str, ...]
    age_band: str
    locale: str
    country: str


def _seed_member(spec: DemoMember) -> DemoLogin:
    from alongside.accounts.models import RoleGrant, User
    from alongside.accounts.services import role_grant, role_revoke
    from alongside.privacy.selectors import consent_is_granted
    from alongside.privacy.services import consent_grant

    user = User.objects.filter(username=spec.username).first()
    if user is None:
        user = User(username=spec.username)
    user.display_name = spec.display_name
    user.pronouns = spec.pronouns
    user.birth_year = spec.birth_year
    user.locale = spec.locale
    user.country = spec.country
    user.time_zone = spec.time_zone
    user.is_active = True
    # Hashing is slow on purpose (Argon2): only when the password is not already the demo one.
    if not user.has_usable_password() or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
    user.save()

    wanted = {(role, "") for role in spec.roles} | {
        (role, community) for community, role in spec.community_roles
    }
    held = set(RoleGrant.objects.filter(user=user).values_list("role", "community"))
    for role, community in sorted(wanted - held):
        role_grant(user_id=user.pk, role=role, community=community, reason="demo data")
    for role, community in sorted(held - wanted):
        role_revoke(user_id=user.pk, role=role, community=community, reason="demo data")

    if not consent_is_granted(user_id=user.pk, purpose="terms"):
        consent_grant(user_id=user.pk, purpose="terms", version=None, source="demo")

    roles = tuple(spec.roles) + tuple(f"{role}@{c}" for c, role in spec.community_roles)
    band = user.age_band
    return DemoLogin(
        username=spec.username,
        roles=roles or ("member",),
        age_band=str(band) if band else "",
        locale=spec.locale,
        country=spec.country,
    )


def seed_demo() -> list[DemoLogin]:
    """Create or refresh the demo members; returns their logins (all use DEMO_PASSWORD)."""
    with transaction.atomic():
        return [_seed_member(spec) for spec in MEMBERS]


def format_logins(logins: list[DemoLogin]) -> str:
    lines = [
        f"Demo logins. The password for every account is: {DEMO_PASSWORD}",
        "",
        f"  {'username':<16}{'roles':<28}{'age band':<10}{'language':<10}country",
    ]
    for login in logins:
        lines.append(
            f"  {login.username:<16}{', '.join(login.roles):<28}{login.age_band:<10}"
            f"{login.locale:<10}{login.country}"
        )
    return "\n".join(lines)
