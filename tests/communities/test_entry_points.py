"""Every thread and reply goes through safety and moderation inside the write transaction."""

from __future__ import annotations

from typing import Any

import pytest

from alongside.communities import services
from alongside.communities.models import Post, Status, Thread
from alongside.moderation.services import ScreenResult, Verdict
from alongside.safety.services import Assessment

pytestmark = pytest.mark.django_db


def test_every_text_is_handed_to_safety_and_moderation_with_its_row(
    make_community: Any, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, str, str, bool]] = []

    def assess(**kwargs: Any) -> Assessment:
        from django.db import connection

        # inside the transaction, and the row already exists
        assert connection.in_atomic_block
        assert Post.objects.filter(pk=kwargs["object_id"]).exists()
        seen.append(("safety", kwargs["surface"], kwargs["text"], connection.in_atomic_block))
        return Assessment()

    def screen(**kwargs: Any) -> ScreenResult:
        seen.append(("moderation", kwargs["surface"], kwargs["text"], True))
        return ScreenResult()

    monkeypatch.setattr(services, "assess_and_record", assess)
    monkeypatch.setattr(services, "screen", screen)
    make_community("anxiety")
    alice = api()
    thread = alice.thread(title="Title words", body="Body words")
    alice.reply(thread["id"], body="Reply words")
    alice.patch(f"/api/v1/posts/{thread['post']['id']}", {"body": "Edited words"})
    assert [(who, surface, text) for who, surface, text, _ in seen] == [
        ("safety", "post", "Title words\nBody words"),
        ("moderation", "post", "Title words\nBody words"),
        ("safety", "reply", "Reply words"),
        ("moderation", "reply", "Reply words"),
        ("safety", "post", "Title words\nEdited words"),
        ("moderation", "post", "Title words\nEdited words"),
    ]


def test_a_block_verdict_refuses_the_post_and_writes_nothing(
    make_community: Any, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        services,
        "screen",
        lambda **kw: ScreenResult(verdict=Verdict.BLOCK, message="Links are not allowed yet."),
    )
    make_community("anxiety")
    response = api().thread_response(title="Buy now", body="spam spam #deal")
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Links are not allowed yet.",
        "code": "blocked",
        "field": "body",
    }
    assert Thread.objects.count() == Post.objects.count() == 0


def test_held_posts_are_seen_only_by_their_author_and_moderators(
    make_community: Any, api: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from alongside.accounts.services import role_grant

    settings.STAFF_MFA_REQUIRED = False
    make_community("anxiety")
    alice, bob, mod = api(), api(), api()
    role_grant(user_id=mod.member["user_id"], role="moderator", community="anxiety")
    thread = alice.thread()
    monkeypatch.setattr(services, "screen", lambda **kw: ScreenResult(verdict=Verdict.HOLD))
    held = bob.reply(thread["id"], body="call me on this number")
    assert held["status"] == "held"
    assert [
        p["id"] for p in alice.get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"]
    ] == [thread["post"]["id"]]
    assert held["id"] in [
        p["id"] for p in bob.get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"]
    ]
    assert held["id"] in [
        p["id"] for p in mod.get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"]
    ]
    assert Thread.objects.get(pk=thread["id"]).reply_count == 0
    # nobody was notified about a post they cannot see
    assert alice.get("/api/v1/notifications").json()["items"] == []
    assert Post.objects.get(pk=held["id"]).status == Status.HELD


def test_distress_returns_support_and_adds_an_automatic_warning(
    make_community: Any, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    support = {"level": "high", "hotlines_url": "/help"}
    monkeypatch.setattr(
        services,
        "assess_and_record",
        lambda **kw: Assessment(level="high", support=support, content_warning_topics=("suicide",)),
    )
    make_community("anxiety")
    thread = api().thread(title="Everything is too much", body="I can't keep going like this.")
    assert thread["support"] == support
    assert [t["slug"] for t in thread["post"]["content_warning"]["topics"]] == ["suicide"]
    assert thread["post"]["status"] == "visible"  # support, not silence
