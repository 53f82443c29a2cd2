"""A small world for the API fuzz: one caller per role, and things their paths can name.

Random path parameters almost never name a thread or post that exists, so every operation
would only ever meet its 404. The fuzz therefore knows the ids of a community, a thread,
posts (the caller's own and another member's), a crisis case, a moderation item, an appeal,
an export and a watched word, and swaps them into half of the valid generated paths (the
``flatmap_case`` hook in test_api_fuzz.py); the rest stay random, so missing objects are
fuzzed too.

Staff get their roles as in production, MFA included; sessions are allauth app tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from tests.conftest import PASSWORD, grant_trust


@dataclass
class FuzzWorld:
    """The caller's session token (``None`` when signed out) and the ids paths may name."""

    role: str
    token: str | None
    known: dict[str, list[Any]] = field(default_factory=dict)


#: The world of the test that is running (read while Hypothesis draws a path).
_running: list[FuzzWorld] = []


def current_world() -> FuzzWorld | None:
    return _running[-1] if _running else None


def _user(username: str, *, role: str | None = None) -> Any:
    from allauth.mfa.models import Authenticator

    from alongside.accounts.models import User
    from alongside.accounts.services import role_grant
    from alongside.privacy.services import consent_grant

    user = User.objects.create_user(username=username, password=PASSWORD, birth_year=1985)
    consent_grant(user_id=user.pk, purpose="terms", version=None, source="signup")
    if role:
        # Staff roles take effect only with MFA on, as in production: give them an
        # authenticator rather than turning the requirement off.
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": "FUZZTOTPSECRET"}
        )
        role_grant(user_id=user.pk, role=role)
    return user


def _session_token(user: Any) -> str:
    """An app session token for ``user`` (allauth's token is the session key)."""
    client = Client()
    client.force_login(user)
    key = client.session.session_key
    assert key
    return key


def build_world(role: str) -> FuzzWorld:
    from alongside.accounts.selectors import actor_for_user
    from alongside.communities.access import place_for
    from alongside.communities.services import (
        community_create,
        membership_join,
        post_create,
        thread_create,
    )
    from alongside.moderation.models import Appeal, Item, ModAction, WatchedWord
    from alongside.privacy.models import ExportRequest
    from alongside.safety.cases import case_open_or_update

    other = _user("fuzz_other")
    grant_trust(other.pk)
    caller = (
        None
        if role == "anonymous"
        else _user(f"fuzz_{role}", role=None if role == "member" else role)
    )

    community = community_create(slug="fuzz", name="Fuzz", teen_friendly=True)
    other_actor = actor_for_user(other)
    written = thread_create(
        actor=other_actor,
        place=place_for(other_actor, community),
        title="A thread for the fuzz",
        body="Opening words #fuzz",
    )
    thread, other_post = written.thread, written.post
    posts = [other_post.pk]
    known: dict[str, list[Any]] = {
        "slug": [community.slug],
        "thread_id": [thread.pk],
        "username": [other.username],
        "name": ["fuzz"],
    }

    action = ModAction.objects.create(
        moderator=None,
        action="hide",
        target_type="post",
        target_id=str(other_post.pk),
        community=community.slug,
        subject=other,
        reason="Fuzz reason for hiding.",
        data={"post_id": other_post.pk, "previous": "visible"},
    )
    known["action_id"] = [action.pk]
    known["appeal_id"] = [
        Appeal.objects.create(action=action, appellant=other, text="Fuzz appeal text.").pk
    ]
    known["item_id"] = [
        Item.objects.create(
            target_type="post",
            target_id=str(other_post.pk),
            community=community.slug,
            author_id=other.pk,
        ).pk
    ]
    known["word_id"] = [WatchedWord.objects.create(pattern="fuzzword", action="flag").pk]
    case, _opened = case_open_or_update(person_id=other.pk, level="high", source="asked")
    known["case_id"] = [case.pk]
    known["export_id"] = [str(ExportRequest.objects.create(user=other).pk)]

    token = None
    if caller is not None:
        grant_trust(caller.pk)
        actor = actor_for_user(caller)
        place = place_for(actor, community)
        membership_join(actor=actor, place=place)
        own = post_create(
            actor=actor, thread=thread, place=place_for(actor, community), body="My own reply."
        )
        posts.append(own.post.pk)
        known["username"].append(caller.username)
        known["export_id"].append(str(ExportRequest.objects.create(user=caller).pk))
        token = _session_token(caller)
        # an action about the caller, so there is one they may appeal (and one they may not)
        mine = ModAction.objects.create(
            moderator=other,
            action="warn",
            target_type="user",
            target_id=str(caller.pk),
            subject=caller,
            reason="Fuzz warning.",
            data={},
        )
        known["action_id"].append(mine.pk)
    known["post_id"] = posts
    return FuzzWorld(role=role, token=token, known=known)


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Any:
    """Requests go through Django's plain WSGI handler, whose request signals close the
    database connection, and with it the test's transaction (Django's test client
    disconnects the same handler for the same reason)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(request: pytest.FixtureRequest, db: Any, settings: Any) -> Any:
    """The world for one fuzzed operation, as the role in ``request.param`` (indirect)."""
    # The fuzz never signs in with a password: a fast hasher keeps building worlds cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = build_world(request.param)
    _running.append(world)
    try:
        yield world
    finally:
        _running.remove(world)
