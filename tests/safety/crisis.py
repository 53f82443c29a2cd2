"""Helpers for the crisis-queue tests: members through signup, responders with the role, posts
through the API. Texts are the issue's own examples, kept minimal."""

from __future__ import annotations

import itertools
from typing import Any

from django.test import Client

from alongside.core.actor import Role
from tests.conftest import PASSWORD, auth, signup

#: The issue's example of imminent risk (the engine's contract: imminent, subject self).
IMMINENT = "I've been saving my pills and I'm taking them tonight"
#: Suicidal ideation without a plan (high, subject self).
HIGH = "I want to kill myself"
#: Worry about someone else (high, subject other).
FRIEND = "My friend said she wants to kill herself"
CALM = "Some days are heavier than others, but the walk helped."

_counter = itertools.count(1)


def community(slug: str = "support", **kwargs: Any) -> Any:
    from alongside.communities.services import community_create

    kwargs.setdefault("name", slug.title())
    return community_create(slug=slug, **kwargs)


def member(username: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """A member signed up through the API: {'token', 'user_id', 'username'}."""
    return signup(Client(), username or f"person{next(_counter)}", **kwargs)


def staff(role: Role | str, username: str | None = None, **fields: Any) -> Any:
    from alongside.accounts.models import User
    from alongside.accounts.services import role_grant

    user = User.objects.create_user(
        username=username or f"{role}{next(_counter)}", password=PASSWORD, birth_year=1980, **fields
    )
    role_grant(user_id=user.pk, role=str(role))
    return user


def responder(username: str | None = None, **fields: Any) -> Any:
    return staff(Role.CRISIS_RESPONDER, username, **fields)


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(token: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    client = Client()
    call = getattr(client, method.lower())
    if body is None and method.upper() == "GET":
        return call(path, **auth(token))
    return call(path, body or {}, content_type="application/json", **auth(token))


def thread(token: str, body: str, *, slug: str = "support", **extra: Any) -> dict[str, Any]:
    response = api(
        token,
        "POST",
        f"/api/v1/communities/{slug}/threads",
        {"title": extra.pop("title", "A hard week"), "body": body, **extra},
    )
    assert response.status_code == 201, response.content
    return response.json()


def reply(token: str, thread_id: int, body: str, **extra: Any) -> dict[str, Any]:
    response = api(token, "POST", f"/api/v1/threads/{thread_id}/posts", {"body": body, **extra})
    assert response.status_code == 201, response.content
    return response.json()


def safety_events(user_id: int) -> list[dict[str, Any]]:
    """The ``safety.case`` events in a user's stream, oldest first."""
    from alongside.core.models import Event

    return list(
        Event.objects.filter(user_id=user_id, type="safety.case").order_by("seq").values("data")
    )
