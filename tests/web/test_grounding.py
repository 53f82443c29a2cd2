"""The grounding page is a crisis path, like the help page: it works logged out, without
JavaScript, without the database, cache or Redis, and is never rate-limited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, override_settings

from alongside.safety.directory import DATA_FILE

SITE_CSS = DATA_FILE.parents[2] / "core" / "static" / "alongside" / "site.css"


def test_grounding_works_logged_out_without_touching_the_database(client: Client) -> None:
    # No `db` fixture: any database query would raise, so this proves a visitor needs none.
    response = client.get("/help/grounding/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Grounding exercises</h1>" in body
    # 5-4-3-2-1, step by step, as text.
    for step in (
        "Name five things you can see",
        "four things you can touch",
        "three things you can hear",
        "two things you can smell",
        "one thing you can taste",
    ):
        assert step in body
    # Paced breathing as plain steps, with the counts in words.
    assert "count to four" in body and "count to six" in body
    # Crisis lines are one link away, and a person to talk to.
    from alongside.safety.support import talk_url

    assert 'href="/help"' in body
    assert f'href="{talk_url()}"' in body
    assert response.headers["Content-Security-Policy"]


def test_the_page_needs_no_javascript(client: Client) -> None:
    body = client.get("/help/grounding/").content.decode()
    # The breathing guide opens with a native <details>, not a script; the only scripts on
    # the page are the site's shared enhancements, none inline (CSP forbids inline code).
    assert re.search(r"<details class=\"pacer\">\s*<summary", body)
    for tag in re.findall(r"<script[^>]*>", body):
        assert "src=" in tag, tag
    assert "onclick" not in body


def test_the_animation_respects_reduced_motion_and_starts_only_when_opened() -> None:
    css = SITE_CSS.read_text(encoding="utf-8")
    motion = css.index("@media (prefers-reduced-motion: no-preference) {\n  .pacer[open]")
    assert "animation: pacer-breathe" in css[motion : motion + 200]
    # Never running by default: no rule outside that query animates the circle.
    assert not re.search(r"^\.pacer__circle \{[^}]*animation", css, re.M)
    reduce = css.index("@media (prefers-reduced-motion: reduce) {\n  .pacer__circle")
    assert "display: none" in css[reduce : reduce + 120]


@pytest.mark.django_db
def test_members_are_pointed_to_their_plan_or_invited_to_make_one(
    client: Client, make_user: Any
) -> None:
    from alongside.safety.services import safety_plan_save

    user = make_user()
    client.force_login(user)
    assert 'href="/safety-plan/edit"' in client.get("/help/grounding/").content.decode()
    safety_plan_save(user_id=user.pk, sections={"coping_strategies": "Walk by the river"})
    assert 'href="/safety-plan"' in client.get("/help/grounding/").content.decode()


@pytest.mark.django_db
def test_grounding_in_simplified_chinese_has_the_chinese_shell(client: Client) -> None:
    client.cookies["django_language"] = "zh-hans"
    response = client.get("/help/grounding/")
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in response.content.decode()


@pytest.mark.django_db
@override_settings(
    CACHES={
        "default": {
            "BACKEND": "alongside.core.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:6390/0",  # nothing listens here
        }
    }
)
def test_grounding_works_when_redis_is_unreachable(client: Client, make_user: Any) -> None:
    from django.core.cache import cache

    assert cache.get("probe") is None  # really the unreachable Redis, degrading
    assert client.get("/help/grounding/").status_code == 200
    client.force_login(make_user())
    response = client.get("/help/grounding/")
    assert response.status_code == 200
    assert "Name five things you can see" in response.content.decode()


@pytest.mark.django_db
def test_grounding_renders_for_a_signed_in_member_while_the_database_is_unreachable(
    make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    client = Client(raise_request_exception=False)
    client.force_login(make_user())

    def unreachable(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr(SessionStore, "load", unreachable)
    response = client.get("/help/grounding/")
    assert response.status_code == 200
    assert b"Name five things you can see" in response.content
    assert response.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_grounding_is_never_rate_limited(client: Client) -> None:
    assert {client.get("/help/grounding/").status_code for _ in range(60)} == {200}


@pytest.mark.django_db
def test_the_help_page_links_to_grounding_and_to_helping_someone(client: Client) -> None:
    body = client.get("/help?country=GB").content.decode()
    assert 'href="/help/grounding/"' in body
    assert 'id="worried"' in body
