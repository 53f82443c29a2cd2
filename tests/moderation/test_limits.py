"""Posting limits: a flood from one account is refused with 429 and Retry-After, while the
crisis paths stay reachable."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from alongside.communities.services import community_create
from tests.conftest import auth, signup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits_on(settings: Any) -> None:
    settings.ALONGSIDE_RATE_LIMITS_ENABLED = True
    settings.REDIS_URL = ""


def test_a_thread_flood_from_one_new_account_gets_429_while_help_stays_open() -> None:
    community_create(slug="anxiety", name="Anxiety")
    client = Client()
    member = signup(client)
    statuses = []
    for number in range(5):
        response = client.post(
            "/api/v1/communities/anxiety/threads",
            {"title": f"Thread number {number}", "body": "Same words again"},
            content_type="application/json",
            **auth(member["token"]),
        )
        statuses.append(response.status_code)
    assert statuses[:3] == [201, 201, 201]
    assert statuses[3] == 429
    limited = client.post(
        "/api/v1/communities/anxiety/threads",
        {"title": "One more", "body": "again"},
        content_type="application/json",
        **auth(member["token"]),
    )
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert 0 < int(limited["Retry-After"]) <= 60
    assert client.get("/help/").status_code == 200
    assert client.get("/api/v1/help/hotlines?country=GB").status_code == 200
    assert (
        client.post(
            "/api/v1/safety/assess",
            {"text": "I am having a hard day"},
            content_type="application/json",
            **auth(member["token"]),
        ).status_code
        == 200
    )


def test_limits_can_be_set_in_settings(settings: Any) -> None:
    settings.ALONGSIDE_RATE_LIMITS = {"thread_create": {"new": [[1, 60]]}}
    community_create(slug="calm", name="Calm")
    client = Client()
    member = signup(client)
    codes = [
        client.post(
            "/api/v1/communities/calm/threads",
            {"title": f"Title {n}", "body": "hello"},
            content_type="application/json",
            **auth(member["token"]),
        ).status_code
        for n in range(2)
    ]
    assert codes == [201, 429]
