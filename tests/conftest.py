"""Shared fixtures. Tests talk HTTP where they can (Django test client, headless app API)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from alongside.core.actor import Role

PASSWORD = "a calm harbour 42"
_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _clear_caches() -> None:
    from django.core.cache import cache

    from alongside.core.crypto import keyring

    cache.clear()
    keyring.clear()


@pytest.fixture(autouse=True)
def _posting_limits_off(settings: Any) -> None:
    """Tests write many threads in a second; the rate-limit tests turn limits back on."""
    settings.ALONGSIDE_RATE_LIMITS_ENABLED = False


@pytest.fixture
def client() -> Client:
    return Client()


def signup(
    client: Client,
    username: str | None = None,
    *,
    birth_year: int = 1990,
    password: str = PASSWORD,
    email: str | None = None,
) -> dict[str, Any]:
    """Sign up through the headless app API; returns {'token', 'user_id', 'username'}."""
    username = username or f"member{next(_counter)}"
    body: dict[str, Any] = {
        "username": username,
        "password": password,
        "birth_year": birth_year,
        "accept_terms": True,
    }
    if email:
        body["email"] = email
    response = client.post("/_allauth/app/v1/auth/signup", body, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    return {
        "token": data["meta"]["session_token"],
        "user_id": data["data"]["user"]["id"],
        "username": username,
    }


@pytest.fixture
def make_member(db: Any, client: Client) -> Callable[..., dict[str, Any]]:
    def _make(username: str | None = None, **kwargs: Any) -> dict[str, Any]:
        return signup(Client(), username, **kwargs)

    return _make


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    """A user created directly (for tests that are not about signup)."""
    from alongside.accounts.models import User
    from alongside.accounts.services import role_grant

    def _make(
        username: str | None = None,
        *,
        birth_year: int = 1990,
        roles: list[Role | str] | None = None,
        **fields: Any,
    ) -> Any:
        user = User.objects.create_user(
            username=username or f"user{next(_counter)}",
            password=PASSWORD,
            birth_year=birth_year,
            **fields,
        )
        for role in roles or []:
            role_grant(user_id=user.pk, role=str(role))
        return user

    return _make


def auth(token: str) -> dict[str, str]:
    return {"HTTP_X_SESSION_TOKEN": token}


def run_jobs(max_rounds: int = 20) -> int:
    """Run every ready job in the database queue, as a worker would; returns how many ran."""
    from alongside.core.jobs import run_pending_jobs

    return run_pending_jobs(max_rounds=max_rounds)


def grant_trust(user_id: int, level: int = 1) -> None:
    """Give a member an earned trust level: tests that write many posts in a second (or a
    plain post) would otherwise be held, rightly, as coming from a new account."""
    from alongside.moderation.models import TrustStats

    TrustStats.objects.update_or_create(user_id=user_id, defaults={"level": level})
