"""Communities through the API: threads, replies, visibility, edits, reactions, bookmarks."""

from __future__ import annotations

from typing import Any

import pytest

from alongside.communities.models import Community, Post, PostRevision, Status, Thread

pytestmark = pytest.mark.django_db


def test_member_starts_a_thread_and_another_replies(make_community: Any, api: Any) -> None:
    make_community("anxiety")
    alice, bob = api(), api()
    thread = alice.thread(title="Panic at work", body="It came out of nowhere. #panic")
    assert thread["author"]["username"] == alice.member["username"]
    assert thread["author"]["is_me"] is True
    assert thread["tags"] == ["panic"]
    assert thread["post"]["is_opening"] is True
    reply = bob.reply(thread["id"], body="Breathing slowly helped me.")
    detail = alice.get(f"/api/v1/threads/{thread['id']}").json()
    assert [p["id"] for p in detail["posts"]["items"]] == [thread["post"]["id"], reply["id"]]
    assert detail["reply_count"] == 1
    # Writing joined both of them to the community.
    listed = bob.get("/api/v1/communities").json()["items"]
    assert [c["is_member"] for c in listed if c["slug"] == "anxiety"] == [True]


def test_bad_input_answers_with_the_field_and_writes_nothing(make_community: Any, api: Any) -> None:
    make_community("anxiety")
    alice = api()
    cases = [
        ({"title": "", "body": "text"}, "title"),
        ({"title": "ok title", "body": "   "}, "body"),
        (
            {"title": "ok title", "body": "x", "content_warning": {"topics": ["nope"]}},
            "content_warning.topics",
        ),
        ({"title": "ok title", "body": "x", "tags": ["not a tag!"]}, "tags"),
        ({"title": "ok title", "body": "x" * 20_001}, "body"),
    ]
    for body, field in cases:
        response = alice.post("/api/v1/communities/anxiety/threads", body)
        assert response.status_code == 422, (body, response.content)
        assert response.json()["field"] == field
    assert Thread.objects.count() == Post.objects.count() == 0
    # A body that is not an object, and a body with a null byte in the title
    response = alice.client.post(
        "/api/v1/communities/anxiety/threads",
        "[1]",
        content_type="application/json",
        **alice.headers,
    )
    assert response.status_code in (400, 422)
    response = alice.post(
        "/api/v1/communities/anxiety/threads", {"title": "\x00\x00", "body": "hello"}
    )
    assert response.status_code == 422 and response.json()["field"] == "title"
    assert Thread.objects.count() == 0


def test_private_community_is_invisible_until_invited(
    make_community: Any, api: Any, settings: Any
) -> None:
    from alongside.accounts.services import role_grant

    settings.STAFF_MFA_REQUIRED = False
    make_community("lounge", visibility=Community.Visibility.PRIVATE)
    mod, guest = api(), api()
    role_grant(user_id=mod.member["user_id"], role="moderator", community="lounge")
    missing = guest.get("/api/v1/communities/nowhere")
    hidden = guest.get("/api/v1/communities/lounge")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert guest.post("/api/v1/communities/lounge/membership").status_code == 404
    assert "lounge" not in [c["slug"] for c in guest.get("/api/v1/communities").json()["items"]]
    thread = mod.thread("lounge", title="Debrief", body="How was everyone's week?")
    assert guest.get(f"/api/v1/threads/{thread['id']}").status_code == 404
    invited = mod.post(
        "/api/v1/communities/lounge/invitations", {"username": guest.member["username"]}
    )
    assert invited.status_code == 201
    assert guest.post("/api/v1/communities/lounge/membership").status_code == 200
    assert guest.get(f"/api/v1/threads/{thread['id']}").status_code == 200


def test_members_only_community_needs_joining_to_read(make_community: Any, api: Any) -> None:
    make_community("parents", visibility=Community.Visibility.MEMBERS)
    alice, bob = api(), api()
    assert alice.thread_response("parents").status_code == 403  # join first
    alice.post("/api/v1/communities/parents/membership")
    thread = alice.thread("parents")
    assert bob.get("/api/v1/communities/parents").json()["can_read"] is False
    assert bob.get("/api/v1/communities/parents/threads").status_code == 403
    assert bob.get(f"/api/v1/threads/{thread['id']}").status_code == 404
    assert bob.post("/api/v1/communities/parents/membership").status_code == 200
    assert bob.get(f"/api/v1/threads/{thread['id']}").status_code == 200
    assert bob.delete("/api/v1/communities/parents/membership").status_code == 200
    assert bob.get(f"/api/v1/threads/{thread['id']}").status_code == 404


def test_teens_see_only_communities_marked_for_them(make_community: Any, api: Any) -> None:
    make_community("students", teen_friendly=True)
    make_community("recovery")
    adult, teen = api(), api(birth_year=2011)
    thread = adult.thread("recovery")
    slugs = [c["slug"] for c in teen.get("/api/v1/communities").json()["items"]]
    assert slugs == ["students"]
    assert teen.get("/api/v1/communities/recovery").status_code == 404
    assert teen.get(f"/api/v1/threads/{thread['id']}").status_code == 404
    assert (
        teen.post(
            "/api/v1/communities/recovery/threads", {"title": "hi there", "body": "x"}
        ).status_code
        == 404
    )


def test_public_threads_are_readable_signed_out(make_community: Any, api: Any) -> None:
    from django.test import Client

    make_community("anxiety")
    thread = api().thread()
    visitor = Client()
    assert visitor.get(f"/api/v1/threads/{thread['id']}").status_code == 200
    assert visitor.get("/api/v1/communities/anxiety/threads").status_code == 200
    assert (
        visitor.post(
            f"/api/v1/threads/{thread['id']}/posts", {"body": "hi"}, content_type="application/json"
        ).status_code
        == 401
    )


def test_author_edits_and_moderators_see_the_history(
    make_community: Any, api: Any, settings: Any
) -> None:
    from alongside.accounts.services import role_grant

    settings.STAFF_MFA_REQUIRED = False
    make_community("anxiety")
    alice, bob, mod = api(), api(), api()
    role_grant(user_id=mod.member["user_id"], role="moderator", community="anxiety")
    thread = alice.thread(body="first words")
    post_id = thread["post"]["id"]
    edited = alice.patch(f"/api/v1/posts/{post_id}", {"body": "better words", "title": "New"})
    assert edited.status_code == 200 and edited.json()["edited"] is True
    assert bob.patch(f"/api/v1/posts/{post_id}", {"body": "mine now"}).status_code == 403
    assert bob.get(f"/api/v1/posts/{post_id}/revisions").status_code == 403
    history = mod.get(f"/api/v1/posts/{post_id}/revisions").json()["items"]
    assert [h["body"] for h in history] == ["first words"]
    assert history[0]["edited_by"] == "author"
    # Moderators add warnings (with a note the author is told), but do not change words.
    assert mod.patch(f"/api/v1/posts/{post_id}", {"body": "x", "note": "n" * 12}).status_code == 403
    warned = mod.patch(
        f"/api/v1/posts/{post_id}",
        {"content_warning": {"topics": ["grief"]}, "note": "Adding a warning for loss."},
    )
    assert warned.status_code == 200
    assert warned.json()["content_warning"]["by_moderator"] is True
    assert Thread.objects.get(pk=thread["id"]).title == "New"
    kinds = [n["kind"] for n in alice.get("/api/v1/notifications").json()["items"]]
    assert "moderation" in kinds


def test_author_delete_leaves_a_tombstone_and_keeps_replies(make_community: Any, api: Any) -> None:
    make_community("anxiety")
    alice, bob = api(), api()
    thread = alice.thread(body="words to take back")
    reply = bob.reply(thread["id"])
    assert alice.delete(f"/api/v1/posts/{thread['post']['id']}").status_code == 204
    detail = bob.get(f"/api/v1/threads/{thread['id']}").json()
    opening, kept = detail["posts"]["items"]
    assert opening["status"] == "deleted" and opening["body"] == "" and opening["body_html"] == ""
    assert opening["author"]["username"] is None
    assert kept["id"] == reply["id"] and kept["body"]
    assert detail["title"] != "A hard week"
    assert Post.objects.get(pk=thread["post"]["id"]).body == ""
    # gone from the community list
    items = bob.get("/api/v1/communities/anxiety/threads").json()["items"]
    assert thread["id"] not in [t["id"] for t in items]


def test_moderator_removes_and_locks_with_reasons(
    make_community: Any, api: Any, settings: Any
) -> None:
    from alongside.accounts.services import role_grant
    from alongside.core.models import AuditEntry

    settings.STAFF_MFA_REQUIRED = False
    make_community("anxiety")
    make_community("grief")
    alice, bob, mod, other_mod = api(), api(), api(), api()
    role_grant(user_id=mod.member["user_id"], role="moderator", community="anxiety")
    role_grant(user_id=other_mod.member["user_id"], role="moderator", community="grief")
    thread = alice.thread()
    reply = bob.reply(thread["id"])
    # Another community's moderator is an ordinary member here.
    assert other_mod.delete(f"/api/v1/posts/{reply['id']}?reason=off topic here").status_code == 403
    assert mod.delete(f"/api/v1/posts/{reply['id']}").status_code == 422  # reason required
    assert (
        mod.delete(f"/api/v1/posts/{reply['id']}?reason=Personal details shared").status_code == 204
    )
    assert Post.objects.get(pk=reply["id"]).status == Status.REMOVED
    assert Post.objects.get(pk=reply["id"]).body  # kept for review and appeal
    seen = alice.get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"]
    assert seen[1]["status"] == "removed" and seen[1]["body"] == ""
    lock = mod.post(
        f"/api/v1/threads/{thread['id']}/lock", {"locked": True, "reason": "Cooling down"}
    )
    assert lock.status_code == 200 and lock.json()["locked"] is True
    refused = bob.post(f"/api/v1/threads/{thread['id']}/posts", {"body": "one more"})
    assert refused.status_code == 409 and refused.json()["code"] == "locked"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"post.remove", "thread.lock"} <= actions
    assert "moderation" in [n["kind"] for n in bob.get("/api/v1/notifications").json()["items"]]


def test_support_reactions_count_without_names(make_community: Any, api: Any) -> None:
    make_community("anxiety")
    alice, bob, carol = api(), api(), api()
    thread = alice.thread()
    post_id = thread["post"]["id"]
    assert bob.post(f"/api/v1/posts/{post_id}/reactions", {"kind": "hug"}).json()["reactions"] == {
        "hug": 1
    }
    carol.post(f"/api/v1/posts/{post_id}/reactions", {"kind": "hug"})
    carol.post(f"/api/v1/posts/{post_id}/reactions", {"kind": "hug"})  # idempotent
    assert bob.post(f"/api/v1/posts/{post_id}/reactions", {"kind": "like"}).status_code == 422
    post = bob.get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"][0]
    assert post["reactions"] == {"hug": 2} and post["my_reactions"] == ["hug"]
    assert Thread.objects.get(pk=thread["id"]).support_count == 2
    removed = bob.delete(f"/api/v1/posts/{post_id}/reactions/hug")
    assert removed.json()["reactions"] == {"hug": 1}
    # One batched notification for the author, without names.
    notes = [
        n for n in alice.get("/api/v1/notifications").json()["items"] if n["kind"] == "reaction"
    ]
    assert len(notes) == 1 and notes[0]["count"] == 2
    assert bob.member["username"] not in str(notes) and carol.member["username"] not in str(notes)


def test_bookmarks(make_community: Any, api: Any) -> None:
    make_community("anxiety")
    alice, bob = api(), api()
    thread = alice.thread()
    assert bob.put(f"/api/v1/threads/{thread['id']}/bookmark").json()["bookmarked"] is True
    assert [t["id"] for t in bob.get("/api/v1/me/bookmarks").json()["items"]] == [thread["id"]]
    assert bob.get(f"/api/v1/threads/{thread['id']}").json()["bookmarked"] is True
    bob.delete(f"/api/v1/threads/{thread['id']}/bookmark")
    assert bob.get("/api/v1/me/bookmarks").json()["items"] == []


def test_reply_to_must_be_in_the_thread(make_community: Any, api: Any) -> None:
    make_community("anxiety")
    alice = api()
    one, two = alice.thread(), alice.thread(title="Another one")
    response = alice.post(
        f"/api/v1/threads/{one['id']}/posts", {"body": "x", "reply_to": two["post"]["id"]}
    )
    assert response.status_code == 422 and response.json()["field"] == "reply_to"
    quoted = alice.reply(one["id"], reply_to=one["post"]["id"])
    assert quoted["reply_to"]["id"] == one["post"]["id"]


def test_edit_keeps_revisions_and_delete_erases_them(make_community: Any, api: Any) -> None:
    make_community("anxiety")
    alice = api()
    thread = alice.thread(body="draft one")
    alice.patch(f"/api/v1/posts/{thread['post']['id']}", {"body": "draft two"})
    assert PostRevision.objects.count() == 1
    alice.delete(f"/api/v1/posts/{thread['post']['id']}")
    assert PostRevision.objects.count() == 0


def test_invalid_cursor_is_a_clear_error(make_community: Any, api: Any) -> None:
    make_community("anxiety")
    alice = api()
    thread = alice.thread()
    for path in (
        "/api/v1/communities/anxiety/threads",
        f"/api/v1/threads/{thread['id']}",
        "/api/v1/feed",
        "/api/v1/search?q=week",
    ):
        sep = "&" if "?" in path else "?"
        for cursor in ("not-base64!!", "WzFd" * 200, "eyJhIjoxfQ", "W251bGwsbnVsbF0"):
            response = alice.get(f"{path}{sep}cursor={cursor}")
            assert response.status_code == 422, (path, cursor, response.content)
            assert response.json()["field"] == "cursor"


def test_blocked_tags_do_not_trend_and_show_support(
    make_community: Any, api: Any, settings: Any
) -> None:
    from alongside.accounts.services import role_grant

    settings.STAFF_MFA_REQUIRED = False
    make_community("anxiety")
    alice, admin = api(), api()
    role_grant(user_id=admin.member["user_id"], role="admin")
    alice.thread(body="Walking helps #sleep #badtag")
    alice.thread(title="Second one", body="Again #sleep")
    assert alice.post("/api/v1/tags/badtag/block", {"reason": "x"}).status_code == 403
    assert admin.post("/api/v1/tags/badtag/block", {"reason": "promotes harm"}).status_code == 200
    from django.core.cache import cache

    cache.clear()
    trending = alice.get("/api/v1/tags/trending").json()["items"]
    assert [t["name"] for t in trending] == ["sleep"] and trending[0]["uses"] == 2
    page = alice.get("/api/v1/tags/badtag").json()
    assert page["blocked"] is True and page["items"] == []
    assert len(alice.get("/api/v1/tags/sleep").json()["items"]) == 2
