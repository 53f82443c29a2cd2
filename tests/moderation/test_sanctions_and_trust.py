"""Sanctions (the ladder, posting refused, sign-in refused), slow mode, trust levels, notes."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.communities.conftest import Api
from tests.conftest import PASSWORD
from tests.moderation.conftest import trusted

pytestmark = pytest.mark.django_db


def _item_for(
    api: Callable[..., Api], mod: Api, author: Api, body: str = "Some words."
) -> tuple[int, dict]:
    thread = author.thread(body=body)
    api().post(
        "/api/v1/reports", {"target_type": "thread", "target_id": thread["id"], "reason": "spam"}
    )
    [item] = mod.get("/api/v1/moderation/queue").json()["items"]
    return item["id"], thread


def _act(mod: Api, item_id: int, action: str, **extra: Any) -> Any:
    body = {"action": action, "reason": "Please keep to the community rules.", **extra}
    return mod.post(f"/api/v1/moderation/items/{item_id}/actions", body)


def test_a_muted_member_is_refused_posting_with_the_end_date(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("anxiety")
    mod, author = moderator(), trusted(api())
    item_id, thread = _item_for(api, mod, author)
    muted = _act(mod, item_id, "mute", hours=2)
    assert muted.status_code == 200 and muted.json()["until"]
    refused = author.post(f"/api/v1/threads/{thread['id']}/posts", {"body": "Hello again."})
    assert refused.status_code == 403
    assert refused.json()["code"] == "muted" and "UTC" in refused.json()["detail"]


def test_repeated_warnings_climb_the_ladder_to_a_mute(
    api: Callable[..., Api],
    make_community: Callable[..., Any],
    moderator: Callable[..., Api],
    settings: Any,
) -> None:
    settings.MODERATION_SANCTIONS = {"mute_after_warnings": 2, "mute_hours": 3}
    make_community("anxiety")
    mod, author = moderator(), trusted(api())
    item_id, _thread = _item_for(api, mod, author)
    assert _act(mod, item_id, "warn").json()["follow_ups"] == []
    second = _act(mod, item_id, "warn").json()
    assert second["follow_ups"] == ["mute"]
    assert author.thread_response(body="Trying to post.").status_code == 403


def test_a_suspended_member_cannot_sign_in_and_is_told_until_when(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("anxiety")
    mod, author = moderator(), trusted(api())
    item_id, _thread = _item_for(api, mod, author)
    assert _act(mod, item_id, "suspend", days=3).status_code == 200
    # the app token ended at once
    assert author.get("/api/v1/me").status_code == 401
    browser = Client()
    response = browser.post(
        "/accounts/login/", {"login": author.member["username"], "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/suspended/"
    page = browser.get("/suspended/")
    assert b"sign in again after" in page.content
    assert browser.get("/api/v1/me").status_code == 401
    app = Client().post(
        "/_allauth/app/v1/auth/login",
        {"username": author.member["username"], "password": PASSWORD},
        content_type="application/json",
    )
    assert app.status_code == 401 and app.json()["meta"]["is_authenticated"] is False


def test_slow_mode_spaces_one_persons_replies_with_retry_after(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("anxiety")
    mod, author = moderator(), trusted(api())
    item_id, thread = _item_for(api, mod, author)
    assert _act(mod, item_id, "slow_mode", seconds=600).status_code == 200
    replier = trusted(api())
    replier.reply(thread["id"])
    refused = replier.post(f"/api/v1/threads/{thread['id']}/posts", {"body": "And another."})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 500
    replier_two = trusted(api())
    replier_two.reply(thread["id"])  # the delay is per person


def test_trust_rises_when_thresholds_are_met_with_a_frozen_clock(make_user: Any) -> None:
    from alongside.moderation.trust import reading_record, trust_level, trust_recompute

    user = make_user()
    start = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    for n in range(4):
        reading_record(user_id=user.pk, thread_id=n + 1, posts_seen=10, now=start)
    trust_recompute(now=start)
    assert trust_level(user.pk) == 0  # four threads entered: not yet
    # same day: no count (the insert that conflicts reports it, on SQLite and PostgreSQL)
    assert reading_record(user_id=user.pk, thread_id=1, posts_seen=10, now=start) is False
    trust_recompute(now=start)
    assert trust_level(user.pk) == 0
    assert reading_record(user_id=user.pk, thread_id=5, posts_seen=10, now=start) is True
    trust_recompute(now=start)
    assert trust_level(user.pk) == 1  # 5 threads, 50 posts, 15 minutes estimated


def test_trust_reaches_level_two_over_days_and_drops_with_a_warning(make_user: Any) -> None:
    from alongside.communities.models import Community, Post, Thread
    from alongside.moderation.models import Sanction
    from alongside.moderation.trust import reading_record, trust_level, trust_recompute

    user = make_user()
    start = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    for day in range(15):
        for n in range(2):
            reading_record(
                user_id=user.pk,
                thread_id=day * 10 + n,
                posts_seen=10,
                now=start + datetime.timedelta(days=day),
            )
    end = start + datetime.timedelta(days=15)
    trust_recompute(now=end)
    assert trust_level(user.pk) == 1  # no replies yet
    community = Community.objects.create(slug="t", name="T")
    thread = Thread.objects.create(community=community, title="T")
    for _n in range(3):
        Post.objects.create(thread=thread, author=user, body="A reply.", body_html="")
    trust_recompute(now=end)
    assert trust_level(user.pk) == 2
    Sanction.objects.create(
        user=user, kind="warning", starts_at=end, ends_at=end + datetime.timedelta(days=90)
    )
    trust_recompute(now=end)
    assert trust_level(user.pk) == 1


def test_reading_a_thread_page_counts_once_a_day(
    api: Callable[..., Api], make_community: Callable[..., Any]
) -> None:
    from alongside.moderation.models import TrustStats

    make_community("anxiety")
    thread = trusted(api()).thread(body="Hello.")
    reader = api()
    reader.client.get(f"/t/{thread['id']}/")
    reader.client.get(f"/t/{thread['id']}/")
    stats = TrustStats.objects.get(user_id=reader.member["user_id"])
    assert stats.topics_entered == 1 and stats.days_visited == 1 and stats.posts_read == 1


def test_moderator_notes_are_encrypted_staff_only_and_reading_is_audited(
    api: Callable[..., Api], moderator: Callable[..., Api]
) -> None:
    from alongside.core.models import AuditEntry
    from alongside.moderation.models import ModeratorNote

    member = api("noted_member")
    mod = moderator()
    added = mod.post(
        "/api/v1/moderation/users/noted_member/notes", {"text": "Prefers gentle reminders."}
    )
    assert added.status_code == 201
    raw = ModeratorNote.objects.values_list("text", flat=True).get()
    assert b"gentle" not in bytes(raw)
    listed = mod.get("/api/v1/moderation/users/noted_member/notes").json()["items"]
    assert listed[0]["text"] == "Prefers gentle reminders."
    assert AuditEntry.objects.filter(action="moderation.notes_read").count() == 1
    assert member.get("/api/v1/moderation/users/noted_member/notes").status_code == 404
    assert api().get("/api/v1/moderation/users/nobody_here/notes").status_code == 404


def test_actions_are_audited_and_reversible_actions_restore_state(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    from alongside.communities.models import Thread
    from alongside.core.models import AuditEntry

    make_community("anxiety")
    make_community("grief")
    mod, author = moderator(), trusted(api())
    item_id, thread = _item_for(api, mod, author)
    assert _act(mod, item_id, "lock").status_code == 200
    moved = _act(mod, item_id, "move", community="grief")
    assert moved.status_code == 200
    assert Thread.objects.get(pk=thread["id"]).locked is True
    assert Thread.objects.get(pk=thread["id"]).community.slug == "grief"
    assert AuditEntry.objects.filter(action__startswith="moderation.").count() >= 2
    bad = _act(mod, item_id, "move", community="nowhere")
    assert bad.status_code == 422 and bad.json()["field"] == "community"
    warned = _act(mod, item_id, "add_content_warning", topics=["grief"])
    assert warned.status_code == 200
    assert Thread.objects.get(pk=thread["id"]).cw_topics == ",grief,"


def test_trust_comes_back_when_a_mute_ends_through_the_periodic_jobs(make_user: Any) -> None:
    from alongside.core.scheduler import registered
    from alongside.moderation.models import Sanction, TrustStats
    from alongside.moderation.services import sanctions_expire
    from alongside.moderation.trust import trust_level, trust_recompute

    assert {"moderation.trust_recompute", "moderation.sanctions_expire"} <= {
        job.name for job in registered()
    }
    user = make_user()
    TrustStats.objects.create(user=user, topics_entered=5, posts_read=30, reading_seconds=600)
    start = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    Sanction.objects.create(
        user=user, kind="mute", starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    trust_recompute(now=start + datetime.timedelta(hours=1))
    assert trust_level(user.pk) == 0
    sanctions_expire(now=start + datetime.timedelta(hours=3))
    assert trust_level(user.pk) == 1
