"""Fixtures for communities: communities made through services, members through signup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.conftest import auth, grant_trust


@pytest.fixture
def person(make_member: Callable[..., dict[str, Any]]) -> Callable[..., Any]:
    """A member signed in with a browser session (``test_pages.Person``)."""
    from tests.communities.test_pages import Person

    def _make(username: str | None = None, **kwargs: Any) -> Person:
        return Person(make_member(username, **kwargs))

    return _make


@pytest.fixture
def make_community(db: Any) -> Callable[..., Any]:
    from alongside.communities.services import community_create

    def _make(slug: str = "anxiety", **kwargs: Any) -> Any:
        kwargs.setdefault("name", slug.title())
        return community_create(slug=slug, **kwargs)

    return _make


class Api:
    """A member talking to the API with their session token."""

    def __init__(self, member: dict[str, Any]) -> None:
        from alongside.accounts.models import User

        self.member = member
        self.client = Client()
        # Signed in both ways: the token for the API, a session for the pages.
        self.client.force_login(User.objects.get(pk=member["user_id"]))
        self.headers = auth(member["token"])

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, **self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(path, body or {}, content_type="application/json", **self.headers)

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.patch(path, body, content_type="application/json", **self.headers)

    def put(self, path: str) -> Any:
        return self.client.put(path, **self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(path, **self.headers)

    def thread_response(self, slug: str = "anxiety", **body: Any) -> Any:
        body.setdefault("title", "A hard week")
        body.setdefault("body", "Some days are heavier than others.")
        return self.post(f"/api/v1/communities/{slug}/threads", body)

    def thread(self, slug: str = "anxiety", **body: Any) -> dict[str, Any]:
        response = self.thread_response(slug, **body)
        assert response.status_code == 201, response.content
        return response.json()

    def trusted(self, level: int = 2) -> Api:
        """Give this member an earned trust level (tests/conftest.py ``grant_trust``)."""
        grant_trust(self.member["user_id"], level)
        return self

    def reply(self, thread_id: int, **body: Any) -> dict[str, Any]:
        body.setdefault("body", "I hear you. You are not alone.")
        response = self.post(f"/api/v1/threads/{thread_id}/posts", body)
        assert response.status_code == 201, response.content
        return response.json()


@pytest.fixture
def api(make_member: Callable[..., dict[str, Any]]) -> Callable[..., Api]:
    def _make(username: str | None = None, **kwargs: Any) -> Api:
        return Api(make_member(username, **kwargs))

    return _make
