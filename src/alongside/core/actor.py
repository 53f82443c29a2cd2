"""The ``Actor``: who is acting, with which roles, built once per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"
    PEER_SUPPORTER = "peer_supporter"
    MODERATOR = "moderator"
    CRISIS_RESPONDER = "crisis_responder"
    PROFESSIONAL = "professional"
    CLINICIAN = "clinician"
    ADMIN = "admin"


#: Roles that see other people's private data or act on them: they need MFA.
STAFF_ROLES = frozenset({Role.MODERATOR, Role.CRISIS_RESPONDER, Role.CLINICIAN, Role.ADMIN})
#: Roles that may be scoped to one community.
COMMUNITY_SCOPED_ROLES = frozenset({Role.MODERATOR, Role.PEER_SUPPORTER})


class AgeBand(StrEnum):
    TEEN = "teen"
    ADULT = "adult"


@dataclass(frozen=True)
class Actor:
    """Who is acting. ``roles`` are the roles in effect now (staff roles only with MFA on)."""

    user_id: int | None = None
    roles: frozenset[Role] = frozenset()
    #: community slug -> roles held only there
    community_roles: dict[str, frozenset[Role]] = field(default_factory=dict)
    age_band: AgeBand | None = None
    #: staff roles granted but not in effect because MFA is not set up
    pending_staff_roles: frozenset[Role] = frozenset()
    ip: str = ""

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_teen(self) -> bool:
        return self.age_band == AgeBand.TEEN

    def has_role(self, role: Role, community: str | None = None) -> bool:
        if role in self.roles or Role.ADMIN in self.roles:
            return True
        return community is not None and role in self.community_roles.get(community, frozenset())

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES) or any(
            Role.MODERATOR in r for r in self.community_roles.values()
        )


ANONYMOUS = Actor()
