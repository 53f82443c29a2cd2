"""The "future self" option (decision 0013): my new posts wait for N hours, or until the person
I trust approves them. Only publication waits; safety does not."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from alongside.accounts.models import FutureSelf
from alongside.communities import services, tasks
from alongside.communities.models import Post, PostTag, Status, Thread
from alongside.core import scheduler
from alongside.notifications.models import Notification
from alongside.safety.services import Assessment
from tests.conftest import run_jobs

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


class Clock:
    """``timezone.now`` frozen at the real time, moved by hand (sessions stay valid)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime.datetime.now(UTC).replace(microsecond=0)
        monkeypatch.setattr("django.utils.timezone.now", lambda: self.now)

    def move(self, **delta: float) -> None:
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def hold(person: Any, hours: int, trusted: str | None = None) -> dict[str, Any]:
    response = person.client.put(
        "/api/v1/me/future-self",
        {"hold_hours": hours, "trusted_username": trusted},
        content_type="application/json",
        **person.headers,
    )
    assert response.status_code == 200, response.content
    return response.json()


def trust(author: Any, friend: Any) -> None:
    """``friend`` becomes ``author``'s trusted person (asked and accepted)."""
    hold(author, 24, friend.member["username"])
    accepted = friend.post(f"/api/v1/me/trusted-by/{author.member['username']}/accept")
    assert accepted.status_code == 200, accepted.content


def kinds(person: Any) -> list[tuple[str, str | None]]:
    items = person.get("/api/v1/notifications").json()["items"]
    return [(n["kind"], n["data"].get("event")) for n in items]


# --- the option ---------------------------------------------------------------------------------


def test_turning_the_option_on_is_immediate_and_turning_it_off_waits_one_full_hold(
    api: Any, clock: Clock
) -> None:
    alice = api()
    assert alice.get("/api/v1/me/future-self").json()["hold_hours"] == 0
    state = hold(alice, 12)
    assert state["hold_hours"] == 12 and state["scheduled"] is None

    # Off, in a hard moment: not before one full 12-hour hold.
    state = hold(alice, 0)
    assert state["hold_hours"] == 12
    assert state["scheduled"]["hold_hours"] == 0
    takes_effect = datetime.datetime.fromisoformat(state["scheduled"]["takes_effect_at"])
    assert takes_effect == clock.now + datetime.timedelta(hours=12)

    # Asking again does not move the time; asking for something else shorter restarts it.
    clock.move(hours=6)
    assert hold(alice, 0)["scheduled"]["takes_effect_at"] == state["scheduled"]["takes_effect_at"]
    restarted = hold(alice, 3)["scheduled"]
    assert restarted["hold_hours"] == 3
    assert datetime.datetime.fromisoformat(restarted["takes_effect_at"]) == clock.now + (
        datetime.timedelta(hours=12)
    )
    # Choosing the current length keeps it; a longer one starts at once.
    assert hold(alice, 12)["scheduled"] is None
    longer = hold(alice, 48)
    assert longer["hold_hours"] == 48 and longer["scheduled"] is None

    hold(alice, 1)
    clock.move(hours=48, minutes=1)
    state = alice.get("/api/v1/me/future-self").json()
    assert state["hold_hours"] == 1 and state["scheduled"] is None


def test_bad_option_input_is_refused_by_field_and_changes_nothing(api: Any) -> None:
    alice = api()
    hold(alice, 6)
    for body, field in [
        ({"hold_hours": 73, "trusted_username": None}, "hold_hours"),
        ({"hold_hours": -1, "trusted_username": None}, "hold_hours"),
        ({"hold_hours": "6", "trusted_username": None}, "hold_hours"),
        ({"hold_hours": True, "trusted_username": None}, "hold_hours"),
        ({"hold_hours": 2}, "trusted_username"),
        ({"hold_hours": 2, "trusted_username": "nobody-by-this-name"}, "trusted_username"),
        ({"hold_hours": 2, "trusted_username": alice.member["username"]}, "trusted_username"),
    ]:
        response = alice.client.put(
            "/api/v1/me/future-self", body, content_type="application/json", **alice.headers
        )
        assert response.status_code == 422, (body, response.content)
        assert response.json()["field"] == field
    state = alice.get("/api/v1/me/future-self").json()
    assert state["hold_hours"] == 6 and state["scheduled"] is None and state["trusted"] is None


# --- a waiting thread ---------------------------------------------------------------------------


def test_a_waiting_thread_is_invisible_to_everyone_but_its_author(
    api: Any, make_community: Any, settings: Any, clock: Clock
) -> None:
    from alongside.accounts.services import role_grant

    settings.STAFF_MFA_REQUIRED = False
    make_community("anxiety")
    alice, bob, mod = api(), api(), api()
    role_grant(user_id=mod.member["user_id"], role="moderator")
    hold(alice, 24)
    thread = alice.thread(
        title="Writing this at 3am",
        body=f"Everything feels too loud tonight. #nightowls @{bob.member['username']}",
    )
    assert thread["status"] == "pending"
    waiting = thread["post"]["waiting"]
    assert datetime.datetime.fromisoformat(waiting["release_at"]) == clock.now + (
        datetime.timedelta(hours=24)
    )
    assert waiting["can_publish_now"] is False

    # The author sees it, with when it will be published.
    mine = alice.get(f"/api/v1/threads/{thread['id']}").json()
    assert mine["status"] == "pending" and mine["posts"]["items"][0]["waiting"] is not None
    [listed] = alice.get("/api/v1/me/pending-posts").json()["items"]
    assert listed["id"] == thread["post"]["id"] and listed["title"] == "Writing this at 3am"

    # Nobody else does: not the thread, not a list, feed, search, tag, count or notification,
    # and a moderator no more than a member.
    for other in (bob, mod):
        other.post("/api/v1/communities/anxiety/membership")
        missing = other.get("/api/v1/threads/999999")
        hidden = other.get(f"/api/v1/threads/{thread['id']}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content
        assert other.get(f"/api/v1/posts/{thread['post']['id']}/revisions").status_code == 404
        for path in (
            "/api/v1/communities/anxiety/threads",
            "/api/v1/feed",
            "/api/v1/search?q=loud",
            "/api/v1/tags/nightowls",
            "/api/v1/tags/trending",
        ):
            assert "3am" not in other.get(path).content.decode(), path
        assert other.get("/api/v1/me/approvals").json()["items"] == []
        assert other.client.get(f"/t/{thread['id']}/", **other.headers).status_code == 404
    assert kinds(bob) == []  # the mention waits with the post

    # When the time comes, it is published as if written now: listed, mentioned, told.
    clock.move(hours=24)
    assert services.pending_release_due() == 1
    shown = bob.get(f"/api/v1/threads/{thread['id']}").json()
    assert shown["status"] == "visible" and shown["posts"]["items"][0]["waiting"] is None
    assert shown["created_at"] == shown["posts"]["items"][0]["created_at"]
    assert datetime.datetime.fromisoformat(shown["created_at"]) == clock.now
    assert [t["id"] for t in bob.get("/api/v1/feed").json()["items"]] == [thread["id"]]
    assert "3am" in bob.get("/api/v1/tags/nightowls").content.decode()
    assert kinds(bob) == [("mention", None)]
    assert kinds(alice) == [("future_self", "published")]
    assert alice.get("/api/v1/me/pending-posts").json()["items"] == []


def test_a_waiting_reply_waits_alone_and_takes_its_place_when_published(
    api: Any, make_community: Any, clock: Clock
) -> None:
    make_community("anxiety")
    alice, bob, carol = api(), api(), api()
    thread = bob.thread(title="Panic on the bus", body="It came out of nowhere today.")
    hold(alice, 2)
    waiting = alice.reply(thread["id"], body="Same here, every morning.")
    assert waiting["status"] == "pending"
    clock.move(minutes=30)
    later = carol.reply(thread["id"], body="Counting breaths helps me.")

    detail = bob.get(f"/api/v1/threads/{thread['id']}").json()
    assert detail["status"] == "visible" and detail["reply_count"] == 1
    assert [p["id"] for p in detail["posts"]["items"]] == [thread["post"]["id"], later["id"]]
    assert kinds(bob) == [("reply", None)]  # carol's only
    # Nobody can answer or react to what they cannot see.
    refused = carol.post(
        f"/api/v1/threads/{thread['id']}/posts", {"body": "hi", "reply_to": waiting["id"]}
    )
    assert refused.status_code == 422 and refused.json()["field"] == "reply_to"
    assert carol.post(f"/api/v1/posts/{waiting['id']}/reactions", {"kind": "hug"}).status_code == (
        404
    )

    clock.move(hours=2)
    assert services.pending_release_due() == 1
    detail = bob.get(f"/api/v1/threads/{thread['id']}").json()
    # Published now, so after carol's reply although written before it.
    assert [p["id"] for p in detail["posts"]["items"]] == [
        thread["post"]["id"],
        later["id"],
        waiting["id"],
    ]
    assert detail["reply_count"] == 2
    assert datetime.datetime.fromisoformat(detail["last_activity_at"]) == clock.now
    assert sorted(kinds(bob)) == [("reply", None), ("reply", None)]
    assert kinds(alice) == [("future_self", "published")]


def test_the_release_job_publishes_once_however_often_it_runs(
    api: Any, make_community: Any, clock: Clock
) -> None:
    make_community("anxiety")
    alice, bob = api(), api()
    thread = bob.thread()
    hold(alice, 1)
    replies = [alice.reply(thread["id"], body=f"Thought number {n}") for n in range(3)]
    clock.move(minutes=59)
    assert services.pending_release_due() == 0
    clock.move(minutes=1)
    # Through the worker, as the scheduler enqueues it; then again by hand: nothing twice.
    tasks.future_self_release_due.enqueue()
    run_jobs()
    assert services.pending_release_due() == 0
    assert set(Post.objects.filter(pk__in=[r["id"] for r in replies]).values_list("status")) == {
        (Status.VISIBLE,)
    }
    assert Thread.objects.get(pk=thread["id"]).reply_count == 3
    # One reply notification per reply, and one "published" per post: never a second.
    assert Notification.objects.filter(user_id=bob.member["user_id"], kind="reply").count() == 3
    assert kinds(alice) == [("future_self", "published")] * 3


def test_the_release_job_is_registered_every_minute() -> None:
    jobs = {job.name: job for job in scheduler.registered()}
    job = jobs["communities.future_self_release"]
    assert job.every == datetime.timedelta(minutes=1)
    assert scheduler.resolve_task(job) is tasks.future_self_release_due


@pytest.mark.django_db(transaction=True)
def test_two_workers_releasing_at_once_publish_each_post_once(
    make_user: Any, make_community: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locking is exercised on PostgreSQL (set DATABASE_URL)")
    from alongside.accounts.selectors import actor_for_user
    from alongside.communities.access import place_for

    community = make_community("anxiety")
    from tests.conftest import grant_trust

    author, other = make_user(), make_user()
    # 150 posts in a second would (rightly) be held as a flood from new accounts.
    for person in (author, other):
        grant_trust(person.pk, 2)
    other_actor = actor_for_user(other)
    threads = [
        services.thread_create(
            actor=other_actor,
            place=place_for(other_actor, community),
            title=f"Thread {n}",
            body="Opening words",
        ).thread
        for n in range(5)
    ]
    FutureSelf.objects.create(user=author, hold_hours=1)
    actor = actor_for_user(author)
    for n in range(150):
        thread = threads[n % 5]
        services.post_create(
            actor=actor, thread=thread, place=place_for(actor, community), body=f"Reply {n}"
        )
    later = datetime.datetime.now(UTC) + datetime.timedelta(hours=2)
    barrier = threading.Barrier(2)
    released: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            released.append(services.pending_release_due(now=later))
        except BaseException as exc:  # a deadlock would surface here
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    assert errors == []
    assert sum(released) == 150
    assert not Post.objects.filter(status=Status.PENDING).exists()
    assert (
        sum(
            Thread.objects.filter(pk__in=[t.pk for t in threads]).values_list(
                "reply_count", flat=True
            )
        )
        == 150
    )


# --- the author's choices -----------------------------------------------------------------------


def test_publish_now_only_after_half_the_wait_and_only_by_the_author(
    api: Any, make_community: Any, clock: Clock
) -> None:
    make_community("anxiety")
    alice, bob = api(), api()
    hold(alice, 8)
    thread = alice.thread()
    post_id = thread["post"]["id"]
    missing = bob.post("/api/v1/posts/999999/publish")
    hidden = bob.post(f"/api/v1/posts/{post_id}/publish")
    assert hidden.status_code == missing.status_code == 404 and hidden.content == missing.content

    clock.move(hours=3, minutes=59)
    early = alice.post(f"/api/v1/posts/{post_id}/publish")
    assert early.status_code == 409 and early.json()["code"] == "too_early"
    assert Post.objects.get(pk=post_id).status == Status.PENDING

    clock.move(minutes=1)
    assert alice.get("/api/v1/me/pending-posts").json()["items"][0]["waiting"]["can_publish_now"]
    published = alice.post(f"/api/v1/posts/{post_id}/publish")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "visible" and published.json()["waiting"] is None
    assert bob.get(f"/api/v1/threads/{thread['id']}").status_code == 200
    again = alice.post(f"/api/v1/posts/{post_id}/publish")
    assert again.status_code == 409 and again.json()["code"] == "not_pending"


def test_discarding_a_waiting_post_leaves_nothing_behind(api: Any, make_community: Any) -> None:
    make_community("anxiety")
    alice, bob = api(), api()
    thread = bob.thread()
    hold(alice, 6)
    reply = alice.reply(thread["id"], body="I shouldn't have written this #regret")
    own_thread = alice.thread(title="Not today", body="Deleting this later #regret")

    assert bob.delete(f"/api/v1/posts/{reply['id']}").status_code == 404
    assert alice.delete(f"/api/v1/posts/{reply['id']}").status_code == 204
    assert not Post.objects.filter(pk=reply["id"]).exists()  # no tombstone in bob's thread
    assert not PostTag.objects.filter(post_id=reply["id"]).exists()
    assert [
        p["id"] for p in bob.get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"]
    ] == [thread["post"]["id"]]

    from alongside.accounts.models import User
    from alongside.accounts.selectors import actor_for_user
    from alongside.communities.access import get_post_for

    actor = actor_for_user(User.objects.get(pk=alice.member["user_id"]))
    post, _place = get_post_for(actor, own_thread["post"]["id"])
    services.post_discard(actor=actor, post=post)
    assert not Thread.objects.filter(pk=own_thread["id"]).exists()
    assert alice.get("/api/v1/me/pending-posts").json()["items"] == []


def test_editing_a_waiting_post_waits_again_for_the_new_words(
    api: Any, make_community: Any, clock: Clock
) -> None:
    make_community("anxiety")
    alice = api()
    hold(alice, 4)
    thread = alice.thread()
    first = Post.objects.get(pk=thread["post"]["id"])
    clock.move(hours=3)
    edited = alice.patch(f"/api/v1/posts/{first.pk}", {"body": "Different words now."})
    assert edited.status_code == 200, edited.content
    after = Post.objects.get(pk=first.pk)
    assert after.status == Status.PENDING
    assert after.release_at == clock.now + datetime.timedelta(hours=4)
    assert after.early_release_at == clock.now + datetime.timedelta(hours=2)
    # A content warning alone is not new words: the time stays.
    alice.patch(f"/api/v1/posts/{first.pk}", {"content_warning": {"topics": ["grief"]}})
    assert Post.objects.get(pk=first.pk).release_at == after.release_at


def test_posts_written_before_the_option_is_turned_off_keep_their_time(
    api: Any, make_community: Any, clock: Clock
) -> None:
    make_community("anxiety")
    alice = api()
    hold(alice, 2)
    hold(alice, 0)  # off in 2 hours
    before = alice.thread(title="Still waiting", body="Written while it is on.")
    assert before["status"] == "pending"
    clock.move(hours=2)
    after = alice.thread(title="Published at once", body="Written once it is off.")
    assert after["status"] == "visible" and after["post"]["waiting"] is None
    assert Post.objects.get(pk=before["post"]["id"]).status == Status.PENDING
    assert services.pending_release_due() == 1


# --- safety and moderation do not wait ----------------------------------------------------------


def test_support_and_the_safety_hold_do_not_wait_for_the_future_self(
    api: Any, make_community: Any, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    """The text is assessed when it is written: support is in the response at once. A hold
    for review that safety or moderation asked for still wins once the wait is over."""
    support = {"level": "high", "resources": {"lines": []}}
    assessed: list[str] = []

    def assess(**kwargs: Any) -> Assessment:
        assessed.append(kwargs["surface"])
        return Assessment(level="high", support=support, hold=True)

    monkeypatch.setattr(services, "assess_and_record", assess)
    make_community("anxiety")
    alice, bob = api(), api()
    hold(alice, 6)
    thread = alice.thread(title="A very hard night", body="Words that worry the engine.")
    assert assessed == ["post"]
    assert thread["support"] == support and thread["status"] == "pending"
    assert thread["post"]["waiting"]["review_after"] is True

    clock.move(hours=6)
    services.pending_release_due()
    post = Post.objects.get(pk=thread["post"]["id"])
    assert post.status == Status.HELD and Thread.objects.get(pk=thread["id"]).status == Status.HELD
    assert bob.get(f"/api/v1/threads/{thread['id']}").status_code == 404
    assert kinds(alice) == [("future_self", "held")]


# --- the trusted person -------------------------------------------------------------------------


def test_the_trusted_person_is_asked_first_then_sees_and_approves_waiting_posts(
    api: Any, make_community: Any, clock: Clock
) -> None:
    make_community("anxiety")
    alice, friend, stranger = api(), api(), api()
    state = hold(alice, 24, friend.member["username"])
    assert state["trusted"]["status"] == "asked"
    assert kinds(friend) == [("future_self", "request")]
    [note] = friend.get("/api/v1/notifications").json()["items"]
    assert note["text"] == (
        f"{alice.member['username']} asks you to be their trusted person for posts they hold back."
    )
    assert note["url"] == "/settings/future-self/"
    assert friend.get("/api/v1/me/trusted-by").json()["items"][0]["status"] == "asked"

    # Until they accept, only the time applies: nothing to approve, nobody told.
    early = alice.thread(title="Before you agreed", body="First thoughts.")
    assert friend.get("/api/v1/me/approvals").json()["items"] == []
    assert friend.post(f"/api/v1/posts/{early['post']['id']}/approve", {}).status_code == 404

    assert (
        friend.post(f"/api/v1/me/trusted-by/{alice.member['username']}/accept").status_code == 200
    )
    assert ("future_self", "accepted") in kinds(alice)
    assert alice.get("/api/v1/me/future-self").json()["trusted"]["status"] == "accepted"

    reply_thread = stranger.thread(title="Checking in", body="How is everyone?")
    reply = alice.reply(reply_thread["id"], body="Honestly not great. #tired", anonymous=True)
    notes = friend.get("/api/v1/notifications").json()["items"]
    waiting_note = next(n for n in notes if n["data"].get("event") == "waiting")
    assert "not great" not in str(waiting_note)  # the words stay on the approvals page

    approvals = friend.get("/api/v1/me/approvals").json()["items"]
    assert [a["id"] for a in approvals] == [early["post"]["id"], reply["id"]]
    item = approvals[1]
    assert item["author"]["username"] == alice.member["username"]
    assert item["anonymous"] is True and item["body"] == "Honestly not great. #tired"
    assert item["community"] == {"slug": "anxiety", "name": "Anxiety"}
    assert "url" not in item and "thread_id" not in item
    # Someone else's approval is the 404 of a post that does not exist.
    missing = stranger.post("/api/v1/posts/999999/approve", {})
    hidden = stranger.post(f"/api/v1/posts/{reply['id']}/approve", {})
    assert hidden.status_code == missing.status_code == 404 and hidden.content == missing.content

    approved = friend.post(f"/api/v1/posts/{reply['id']}/approve", {"version": item["version"]})
    assert approved.status_code == 200 and approved.json() == {
        "id": reply["id"],
        "status": "visible",
    }
    # Published anonymously: to everyone, the trusted person included, it is anonymous.
    for reader in (stranger, friend):
        posts = reader.get(f"/api/v1/threads/{reply_thread['id']}").json()["posts"]["items"]
        assert posts[-1]["author"] == {
            "name": "Anonymous member",
            "username": None,
            "anonymous": True,
            "is_me": False,
        }
    approved_note = next(
        n
        for n in alice.get("/api/v1/notifications").json()["items"]
        if n["data"].get("event") == "approved"
    )
    assert approved_note["text"] == (
        f"{friend.member['username']} approved your post in “Checking in”: it is published."
    )
    assert friend.post(f"/api/v1/posts/{reply['id']}/approve", {}).status_code == 404


def test_an_edit_after_the_trusted_person_opened_the_post_is_not_approved_unseen(
    api: Any, make_community: Any, clock: Clock
) -> None:
    make_community("anxiety")
    alice, friend = api(), api()
    trust(alice, friend)
    thread = alice.thread()
    [item] = friend.get("/api/v1/me/approvals").json()["items"]
    clock.move(minutes=5)
    alice.patch(f"/api/v1/posts/{thread['post']['id']}", {"body": "Something else entirely."})
    stale = friend.post(f"/api/v1/posts/{item['id']}/approve", {"version": item["version"]})
    assert stale.status_code == 409 and stale.json()["code"] == "changed"
    assert Post.objects.get(pk=item["id"]).status == Status.PENDING
    [fresh] = friend.get("/api/v1/me/approvals").json()["items"]
    assert fresh["body"] == "Something else entirely."
    assert (
        friend.post(
            f"/api/v1/posts/{item['id']}/approve", {"version": fresh["version"]}
        ).status_code
        == 200
    )


def test_either_side_can_end_it_and_posts_keep_waiting(api: Any, make_community: Any) -> None:
    make_community("anxiety")
    alice, friend = api(), api()
    trust(alice, friend)
    thread = alice.thread()
    assert friend.delete(f"/api/v1/me/trusted-by/{alice.member['username']}").status_code == 204
    assert ("future_self", "ended") in kinds(alice)
    assert alice.get("/api/v1/me/future-self").json()["trusted"] is None
    assert friend.get("/api/v1/me/approvals").json()["items"] == []
    assert friend.post(f"/api/v1/posts/{thread['post']['id']}/approve", {}).status_code == 404
    assert Post.objects.get(pk=thread["post"]["id"]).status == Status.PENDING
    assert friend.delete(f"/api/v1/me/trusted-by/{alice.member['username']}").status_code == 404

    # The author ends it by naming nobody; the person is told.
    trust(alice, friend)
    assert hold(alice, 24, None)["trusted"] is None
    assert ("future_self", "released") in kinds(friend)


def test_blocked_people_cannot_be_named_and_a_block_ends_the_arrangement(api: Any) -> None:
    alice, friend, blocker, teen = api(), api(), api(), api(birth_year=2012)
    blocker.post("/api/v1/me/blocks", {"username": alice.member["username"], "kind": "block"})

    def name(person: Any) -> Any:
        return alice.client.put(
            "/api/v1/me/future-self",
            {"hold_hours": 6, "trusted_username": person.member["username"]},
            content_type="application/json",
            **alice.headers,
        )

    unknown = alice.client.put(
        "/api/v1/me/future-self",
        {"hold_hours": 6, "trusted_username": "no-such-member"},
        content_type="application/json",
        **alice.headers,
    )
    # Someone who blocked me, and a teen, answer exactly like a name nobody has.
    for refused in (name(blocker), name(teen)):
        assert refused.status_code == 422 and refused.json() == unknown.json()
    assert kinds(blocker) == [] and kinds(teen) == []

    trust(alice, friend)
    friend.post("/api/v1/me/blocks", {"username": alice.member["username"], "kind": "mute"})
    assert alice.get("/api/v1/me/future-self").json()["trusted"] is None
    alice.post("/api/v1/me/blocks", {"username": friend.member["username"], "kind": "block"})
    mine = name(friend)
    assert mine.status_code == 422 and mine.json()["code"] == "blocked"


def test_asking_again_and_again_notifies_once_a_day(api: Any) -> None:
    alice, friend, other = api(), api(), api()
    for _ in range(3):
        hold(alice, 6, friend.member["username"])
        hold(alice, 6, other.member["username"])
    assert kinds(friend).count(("future_self", "request")) == 1


# --- lists stay bounded -------------------------------------------------------------------------


def test_waiting_and_approval_lists_take_a_fixed_number_of_queries(
    api: Any, make_community: Any
) -> None:
    make_community("anxiety")
    alice, friend, bob = api(), api(), api()
    trust(alice, friend)
    elsewhere = bob.thread()

    def count(person: Any, path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert person.get(path).status_code == 200
        return len(ctx.captured_queries)

    alice.thread(title="One of many", body="The first.")
    small = (count(alice, "/api/v1/me/pending-posts"), count(friend, "/api/v1/me/approvals"))
    for n in range(6):
        alice.thread(title=f"One of many {n}", body=f"Number {n}", anonymous=n % 2 == 0)
        alice.reply(elsewhere["id"], body=f"And a reply {n}")
    large = (count(alice, "/api/v1/me/pending-posts"), count(friend, "/api/v1/me/approvals"))
    assert large == small
    page = alice.get("/api/v1/me/pending-posts").json()
    assert len(page["items"]) == 13 and page["next"] is None


def test_lists_page_by_cursor(api: Any, make_community: Any, clock: Clock) -> None:
    make_community("anxiety")
    alice = api()
    hold(alice, 3)
    made = []
    for n in range(23):
        clock.move(seconds=1)
        made.append(alice.thread(title=f"Thread {n:02}", body="words")["post"]["id"])
    first = alice.get("/api/v1/me/pending-posts").json()
    second = alice.get("/api/v1/me/pending-posts", cursor=first["next"]).json()
    assert [p["id"] for p in first["items"] + second["items"]] == made
    assert second["next"] is None
    bad = alice.get("/api/v1/me/pending-posts", cursor="not-a-cursor")
    assert bad.status_code == 422 and bad.json()["field"] == "cursor"


# --- export and erasure -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_export_has_the_option_and_erasure_leaves_no_waiting_post(
    api: Any, make_community: Any
) -> None:
    from tests.privacy.conftest import API, export_archive

    make_community("anxiety")
    alice, friend, bob = api(), api(), api()
    trust(alice, friend)
    thread = bob.thread()
    reply = alice.reply(thread["id"], body="Waiting words")
    own = alice.thread(title="Waiting thread", body="More waiting words")

    archive = export_archive(alice.client, alice.member["token"])
    [option] = archive["sections"]["future_self"]["items"]
    assert option["hold_hours"] == 24 and option["trusted_username"] == friend.member["username"]
    posts = archive["sections"]["posts"]["items"]
    assert {p["id"] for p in posts if p["status"] == "pending"} == {reply["id"], own["post"]["id"]}

    from tests.conftest import PASSWORD

    erased = alice.client.post(
        f"{API}/me/erase", {"password": PASSWORD}, content_type="application/json", **alice.headers
    )
    assert erased.status_code == 202
    run_jobs()
    assert not Post.objects.filter(pk__in=[reply["id"], own["post"]["id"]]).exists()
    assert not Thread.objects.filter(pk=own["id"]).exists()
    assert [
        p["id"] for p in bob.get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"]
    ] == [thread["post"]["id"]]
    assert not FutureSelf.objects.filter(user_id=alice.member["user_id"]).exists()
    assert friend.get("/api/v1/me/trusted-by").json()["items"] == []
