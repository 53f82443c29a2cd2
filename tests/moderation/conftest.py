"""Fixtures for moderation: a community, members through signup, moderators by role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.communities import conftest as communities_fixtures
from tests.communities.conftest import Api
from tests.conftest import grant_trust

# The communities fixtures, shared: a community made through services, members by signup.
api = communities_fixtures.api
make_community = communities_fixtures.make_community


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings: Any) -> None:
    settings.STAFF_MFA_REQUIRED = False  # MFA for staff is tested in tests/accounts


@pytest.fixture
def moderator(api: Callable[..., Api]) -> Callable[..., Api]:
    """A site moderator (or, with ``community=``, a moderator of one community)."""
    from alongside.accounts.services import role_grant

    def _make(username: str | None = None, *, role: str = "moderator", community: str = "") -> Api:
        person = api(username)
        role_grant(user_id=person.member["user_id"], role=role, community=community)
        return person

    return _make


def trusted(person: Api, level: int = 1) -> Api:
    """Give a member an earned trust level (so a plain post is not held as from a new account)."""
    grant_trust(person.member["user_id"], level)
    return person
