"""Notifications: who is told what, when the live push goes out, and what the recipient sees.

Other apps create notifications by calling ``services.notify`` inside their write transaction;
these tests call it directly and read the results through the API and the page.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client, RequestFactory

from alongside.accounts.models import Preferences, User
from alongside.accounts.services import block_set, preferences_update
from alongside.core import scheduler
from alongside.core.models import Event
from alongside.notifications import services, tasks
from alongside.notifications.context import unread
from alongside.notifications.models import Notification
from alongside.notifications.services import notify, quiet_hours_end
from alongside.privacy import inventory
from tests.conftest import auth

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications"
UTC = datetime.UTC


class _Clock:
    """A frozen ``timezone.now`` that tests move by hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: datetime.datetime) -> None:
        self.now = start
        monkeypatch.setattr("django.utils.timezone.now", lambda: self.now)

    def move(self, **delta: float) -> None:
        self.now += datetime.timedelta(**delta)


def _reply(title: str = "Nights are hard", **extra: Any) -> dict[str, Any]:
    return {
        "thread_id": 7,
        "post_id": 11,
        "thread_title": title,
        "excerpt": "I read your post and I have been there too.",
        "url": "/threads/7#post-11",
        "actor_name": "Anonymous member",
        "content_warning": None,
        **extra,
    }


def _list(client: Client, token: str, cursor: str | None = None) -> Any:
    path = API + (f"?cursor={cursor}" if cursor else "")
    return client.get(path, **auth(token))


def _read(client: Client, token: str, body: dict[str, Any] | None) -> Any:
    if body is None:  # no request body at all
        return client.post(API + "/read", content_type="application/json", **auth(token))
    return client.post(API + "/read", body, content_type="application/json", **auth(token))


def _events(user_id: int) -> list[Event]:
    return list(Event.objects.filter(user_id=user_id, type="notification").order_by("seq"))


# --- listing and reading -------------------------------------------------------------------


def test_a_reply_is_listed_with_a_plain_sentence_and_a_link(client: Client, make_member) -> None:
    member = make_member()
    notify(user_id=member["user_id"], kind="reply", data=_reply(), actor_user_id=None)

    body = _list(client, member["token"]).json()

    assert body["unread"] == 1
    assert body["next"] is None
    [item] = body["items"]
    assert item["kind"] == "reply"
    assert item["text"] == "Anonymous member replied to your thread “Nights are hard”."
    assert item["url"] == "/threads/7#post-11"
    assert item["read"] is False
    assert item["count"] == 1
    assert item["data"]["excerpt"] == "I read your post and I have been there too."
    assert item["data"]["filtered"] is False
    assert item["created_at"].endswith("Z")


def test_the_list_is_newest_first_and_pages_by_cursor(
    client: Client, make_member, django_assert_max_num_queries
) -> None:
    member = make_member()
    for n in range(35):
        notify(user_id=member["user_id"], kind="mention", data=_reply(title=f"Thread {n}"))

    with django_assert_max_num_queries(12):
        first = _list(client, member["token"]).json()
    assert len(first["items"]) == 30
    assert first["items"][0]["data"]["thread_title"] == "Thread 34"
    assert first["next"]
    second = _list(client, member["token"], first["next"]).json()
    assert [i["data"]["thread_title"] for i in second["items"]] == [
        f"Thread {n}" for n in range(4, -1, -1)
    ]
    assert second["next"] is None
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 35
    assert first["unread"] == second["unread"] == 35


@pytest.mark.parametrize("cursor", ["abc", "MTIz", "WyJ4Il0", "WzBd", "W10", "x" * 500])
def test_a_bad_cursor_is_a_422_naming_the_field(client: Client, make_member, cursor) -> None:
    member = make_member()
    response = _list(client, member["token"], cursor)
    assert response.status_code == 422
    assert response.json()["field"] == "cursor"
    assert response.json()["code"] == "invalid"


def test_notifications_need_a_signed_in_person(client: Client) -> None:
    assert client.get(API).status_code == 401
    assert client.post(API + "/read", {}, content_type="application/json").status_code == 401


def test_one_person_never_sees_anothers_notifications(client: Client, make_member) -> None:
    alice, bob = make_member(), make_member()
    notify(user_id=alice["user_id"], kind="reply", data=_reply("Alice's thread"))
    body = _list(client, bob["token"]).json()
    assert body == {"items": [], "next": None, "unread": 0}


def test_marking_read_by_id_touches_only_my_own(client: Client, make_member) -> None:
    alice, bob = make_member(), make_member()
    mine = [notify(user_id=alice["user_id"], kind="reply", data=_reply()) for _ in range(3)]
    theirs = notify(user_id=bob["user_id"], kind="reply", data=_reply())
    assert all(mine) and theirs

    response = _read(client, alice["token"], {"ids": [mine[0].pk, theirs.pk, 2**70]})

    assert response.status_code == 200
    assert response.json() == {"unread": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    items = {i["id"]: i["read"] for i in _list(client, alice["token"]).json()["items"]}
    assert items == {mine[0].pk: True, mine[1].pk: False, mine[2].pk: False}


@pytest.mark.parametrize("body", [{}, {"ids": None}, None])
def test_marking_read_without_ids_marks_all(client: Client, make_member, body) -> None:
    member = make_member()
    for _ in range(3):
        notify(user_id=member["user_id"], kind="reply", data=_reply())
    assert _read(client, member["token"], body).json() == {"unread": 0}
    assert not Notification.objects.filter(user_id=member["user_id"], read_at=None).exists()
    # Other open pages of the person hear that the count changed.
    event = Event.objects.filter(user_id=member["user_id"], type="notifications.read").get()
    assert event.data == {"unread_count": 0}


@pytest.mark.parametrize(
    ("body", "field"),
    [({"ids": "all"}, "ids"), ({"ids": ["x"]}, "ids.0"), ({"ids": list(range(501))}, "ids")],
)
def test_marking_read_with_bad_ids_is_a_422(client: Client, make_member, body, field) -> None:
    member = make_member()
    notify(user_id=member["user_id"], kind="reply", data=_reply())
    response = _read(client, member["token"], body)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert Notification.objects.filter(user_id=member["user_id"], read_at=None).count() == 1


# --- who is told ---------------------------------------------------------------------------


def test_nobody_is_notified_of_their_own_action(make_user) -> None:
    user = make_user()
    assert notify(user_id=user.pk, kind="reply", data=_reply(), actor_user_id=user.pk) is None
    assert not Notification.objects.exists()


@pytest.mark.parametrize("kind", ["block", "mute"])
def test_blocked_or_muted_people_never_notify(make_user, kind) -> None:
    recipient, other = make_user(), make_user()
    block_set(user_id=recipient.pk, target_username=other.username, kind=kind)
    for notification_kind in ("reply", "mention", "reaction"):
        result = notify(
            user_id=recipient.pk,
            kind=notification_kind,
            data=_reply(),
            actor_user_id=other.pk,
        )
        assert result is None
    assert not Notification.objects.exists()
    assert not Event.objects.filter(user_id=recipient.pk).exists()


def test_a_block_in_the_other_direction_does_not_silence_the_blocker(make_user) -> None:
    """Only the recipient's own blocks silence notifications to them."""
    recipient, other = make_user(), make_user()
    block_set(user_id=other.pk, target_username=recipient.username)
    assert notify(user_id=recipient.pk, kind="reply", data=_reply(), actor_user_id=other.pk)


def test_a_kind_switched_off_is_not_stored(make_user) -> None:
    user = make_user()
    preferences_update(user_id=user.pk, notify={"reaction": False})
    assert notify(user_id=user.pk, kind="reaction", data=_reply()) is None
    assert notify(user_id=user.pk, kind="reply", data=_reply()) is not None
    assert list(Notification.objects.values_list("kind", flat=True)) == ["reply"]


def test_moderator_actions_always_reach_the_person(client: Client, make_member) -> None:
    member = make_member()
    preferences_update(
        user_id=member["user_id"], notify={"reply": False, "mention": False, "reaction": False}
    )
    # Even a stored "off" for moderation (which the settings never offer) does not silence it.
    Preferences.objects.filter(user_id=member["user_id"]).update(
        notify={"reply": False, "mention": False, "reaction": False, "moderation": False}
    )
    notify(
        user_id=member["user_id"],
        kind="moderation",
        data={
            "action": "hide",
            "thread_title": "Nights are hard",
            "reason": "Shares a method of self-harm.",
            "appeal_url": "/appeals/new?post=11",
            "url": "/threads/7#post-11",
        },
        actor_user_id=999_999,
    )
    [item] = _list(client, member["token"]).json()["items"]
    assert item["kind"] == "moderation"
    assert item["text"] == "A moderator hid your post in “Nights are hard”."
    assert item["data"]["reason"] == "Shares a method of self-harm."
    page = Client()
    page.force_login(User.objects.get(pk=member["user_id"]))
    html = page.get("/notifications/").content.decode()
    assert "Shares a method of self-harm." in html
    assert 'href="/appeals/new?post=11"' in html


def test_an_inactive_account_is_not_notified(make_user) -> None:
    user = make_user(is_active=False)
    assert notify(user_id=user.pk, kind="reply", data=_reply()) is None
    assert notify(user_id=987_654, kind="reply", data=_reply()) is None


def test_the_actor_is_stored_nowhere(make_user) -> None:
    """The author may be anonymous: the actor is used for the checks, then forgotten."""
    recipient = make_user()
    author = make_user(username="secretauthor")
    notification = notify(
        user_id=recipient.pk, kind="reply", data=_reply(), actor_user_id=author.pk
    )
    assert notification is not None
    user_fields = [
        f.name for f in Notification._meta.get_fields() if f.is_relation and f.related_model is User
    ]
    assert user_fields == ["user"]
    event = Event.objects.get(user_id=recipient.pk, type="notification")
    assert "secretauthor" not in str(event.data)
    assert "secretauthor" not in str(Notification.objects.values().get())


def test_data_that_is_not_json_is_refused(make_user) -> None:
    user = make_user()
    with pytest.raises(TypeError):
        notify(user_id=user.pk, kind="reply", data={"when": object()})
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(user_id=user.pk, kind="like", data={})


def test_a_link_to_another_site_is_replaced_by_the_list(client: Client, make_member) -> None:
    member = make_member()
    for url in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        notify(user_id=member["user_id"], kind="reply", data=_reply(url=url))
    urls = {i["url"] for i in _list(client, member["token"]).json()["items"]}
    assert urls == {"/notifications/"}


# --- batching --------------------------------------------------------------------------------


def test_reactions_are_batched_and_not_pushed_again_within_ten_minutes(
    client: Client, make_member, make_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock(monkeypatch, datetime.datetime(2026, 5, 4, 12, 0, tzinfo=UTC))
    member = make_member()
    uid = member["user_id"]
    reactors = [make_user() for _ in range(4)]
    data = {"thread_title": "Nights are hard", "post_id": 11, "url": "/threads/7#post-11"}

    for reactor in reactors[:3]:
        clock.move(minutes=1)
        notify(user_id=uid, kind="reaction", data=data, actor_user_id=reactor.pk, group_key="r:11")

    body = _list(client, member["token"]).json()
    [item] = body["items"]
    assert item["count"] == 3
    assert item["text"] == "3 people sent support for your post in “Nights are hard”."
    assert body["unread"] == 1
    assert len(_events(uid)) == 1  # the first reaction buzzed; the next two only counted

    clock.move(minutes=11)
    notify(user_id=uid, kind="reaction", data=data, actor_user_id=reactors[3].pk, group_key="r:11")
    events = _events(uid)
    assert len(events) == 2
    assert events[-1].data["count"] == 4
    assert events[-1].data["id"] == item["id"]


def test_after_reading_a_batch_new_reactions_start_a_new_notification(make_user) -> None:
    user = make_user()
    first = notify(user_id=user.pk, kind="reaction", data={}, group_key="r:1")
    notify(user_id=user.pk, kind="reaction", data={}, group_key="r:1")
    assert first is not None
    services.notifications_mark_read(user_id=user.pk, ids=[first.pk])
    second = notify(user_id=user.pk, kind="reaction", data={}, group_key="r:1")
    assert second is not None
    assert second.pk != first.pk
    assert list(Notification.objects.order_by("pk").values_list("count", flat=True)) == [2, 1]


def test_a_reaction_racing_another_into_a_new_group_is_merged(
    make_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two first reactions at once: the loser's insert meets the unique group and merges."""
    user = make_user()
    first = notify(user_id=user.pk, kind="reaction", data={}, group_key="r:9")
    assert first is not None
    real = services._unread_in_group
    calls: list[str] = []

    def not_yet_committed(**kwargs: Any) -> Notification | None:
        calls.append(kwargs["group_key"])
        return None if len(calls) == 1 else real(**kwargs)  # the first look sees no group yet

    monkeypatch.setattr(services, "_unread_in_group", not_yet_committed)
    second = notify(user_id=user.pk, kind="reaction", data={"n": 2}, group_key="r:9")
    assert second is not None
    assert second.pk == first.pk
    assert len(calls) == 2
    assert list(Notification.objects.values_list("count", "data")) == [(2, {"n": 2})]


# --- quiet hours -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local_now", "expected_end"),
    [
        # Tokyo is UTC+9 all year. Quiet 22:00-07:00 local.
        ("2026-03-10T23:00", "2026-03-10T22:00"),  # before midnight: ends tomorrow 07:00
        ("2026-03-11T01:30", "2026-03-10T22:00"),  # after midnight: ends today 07:00
        ("2026-03-11T06:59", "2026-03-10T22:00"),
        ("2026-03-11T07:00", None),  # the end itself is outside
        ("2026-03-11T12:00", None),
        ("2026-03-11T21:59", None),
        ("2026-03-11T22:00", "2026-03-11T22:00"),
    ],
)
def test_quiet_hours_wrap_midnight_in_the_persons_time_zone(local_now, expected_end) -> None:
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    now = datetime.datetime.fromisoformat(local_now).replace(tzinfo=tokyo)
    end = quiet_hours_end(
        now=now,
        start=datetime.time(22, 0),
        end=datetime.time(7, 0),
        time_zone="Asia/Tokyo",
    )
    expected = (
        datetime.datetime.fromisoformat(expected_end).replace(tzinfo=UTC) if expected_end else None
    )
    assert end == expected


def test_quiet_hours_within_one_day_and_across_a_clock_change() -> None:
    at = datetime.datetime(2026, 6, 1, 13, 30, tzinfo=UTC)
    assert quiet_hours_end(
        now=at, start=datetime.time(13), end=datetime.time(15), time_zone="UTC"
    ) == datetime.datetime(2026, 6, 1, 15, tzinfo=UTC)
    assert (
        quiet_hours_end(now=at, start=datetime.time(15), end=datetime.time(17), time_zone="UTC")
        is None
    )
    # London moves to summer time at 01:00 UTC on 29 March 2026: 07:00 local is then 06:00 UTC.
    night = datetime.datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert quiet_hours_end(
        now=night, start=datetime.time(22), end=datetime.time(7), time_zone="Europe/London"
    ) == datetime.datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    # No quiet hours, or an unknown zone (treated as UTC).
    assert quiet_hours_end(now=night, start=None, end=None, time_zone="UTC") is None
    assert quiet_hours_end(
        now=night, start=datetime.time(22), end=datetime.time(7), time_zone="Nowhere/City"
    ) == datetime.datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


def test_quiet_hours_hold_the_push_until_the_release_job(
    client: Client, make_member, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = make_member()
    uid = member["user_id"]
    User.objects.filter(pk=uid).update(time_zone="Asia/Tokyo")
    preferences_update(user_id=uid, quiet_hours=(datetime.time(22), datetime.time(7)))
    clock = _Clock(monkeypatch, datetime.datetime(2026, 3, 10, 14, 0, tzinfo=UTC))  # 23:00 JST

    notification = notify(user_id=uid, kind="reply", data=_reply())

    assert notification is not None
    assert notification.deliver_after == datetime.datetime(2026, 3, 10, 22, 0, tzinfo=UTC)
    assert notification.delivered_at is None
    assert _events(uid) == []
    # Held from the live push only: the list shows it straight away.
    assert _list(client, member["token"]).json()["unread"] == 1

    clock.move(hours=7, minutes=59)  # 06:59 JST
    assert services.notifications_release_held() == 0
    assert _events(uid) == []

    clock.move(minutes=1)  # 07:00 JST
    assert tasks.notifications_release_held.call() == 1
    [event] = _events(uid)
    assert event.data["id"] == notification.pk
    assert event.data["unread_count"] == 1
    notification.refresh_from_db()
    assert notification.delivered_at == clock.now
    # A second worker (or the next minute) finds nothing more to send.
    assert services.notifications_release_held() == 0
    assert len(_events(uid)) == 1


def test_a_held_notification_read_meanwhile_is_released_without_a_push(
    make_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(time_zone="UTC")
    preferences_update(user_id=user.pk, quiet_hours=(datetime.time(22), datetime.time(7)))
    clock = _Clock(monkeypatch, datetime.datetime(2026, 3, 10, 23, 0, tzinfo=UTC))
    notification = notify(user_id=user.pk, kind="reply", data=_reply())
    assert notification is not None
    services.notifications_mark_read(user_id=user.pk)
    clock.move(hours=9)
    assert services.notifications_release_held() == 1
    assert _events(user.pk) == []


def test_a_reaction_during_quiet_hours_joins_the_held_batch(
    make_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(time_zone="UTC")
    preferences_update(user_id=user.pk, quiet_hours=(datetime.time(22), datetime.time(7)))
    clock = _Clock(monkeypatch, datetime.datetime(2026, 3, 10, 23, 0, tzinfo=UTC))
    for _ in range(3):
        clock.move(minutes=20)
        notify(user_id=user.pk, kind="reaction", data={}, group_key="r:5")
    clock.move(hours=8)
    assert services.notifications_release_held() == 1
    [event] = _events(user.pk)
    assert event.data["count"] == 3


@pytest.mark.django_db(transaction=True)
def test_two_workers_releasing_at_once_push_each_notification_once(make_user) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locking is exercised on PostgreSQL (set DATABASE_URL)")
    user = make_user()
    past = datetime.datetime.now(UTC) - datetime.timedelta(minutes=1)
    Notification.objects.bulk_create(
        Notification(user=user, kind="reply", data={"n": n}, deliver_after=past) for n in range(300)
    )
    barrier = threading.Barrier(2)
    released: list[int] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            released.append(services.notifications_release_held())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(released) == 300
    pushed = [e.data["id"] for e in _events(user.pk)]
    assert len(pushed) == len(set(pushed)) == 300
    assert not Notification.objects.filter(delivered_at=None).exists()


def test_the_release_job_runs_every_minute() -> None:
    jobs = {job.name: job for job in scheduler.registered()}
    job = jobs["notifications.release_held"]
    assert job.every == datetime.timedelta(minutes=1)
    assert scheduler.resolve_task(job) is tasks.notifications_release_held


# --- live push and transactions --------------------------------------------------------------


def test_a_live_notification_is_an_event_shaped_like_the_api_item(
    client: Client, make_member, django_capture_on_commit_callbacks
) -> None:
    member = make_member()
    with django_capture_on_commit_callbacks() as callbacks:
        notification = notify(user_id=member["user_id"], kind="reply", data=_reply())
    assert notification is not None
    assert len(callbacks) == 1  # the push, after commit
    [event] = _events(member["user_id"])
    [item] = _list(client, member["token"]).json()["items"]
    assert {k: v for k, v in event.data.items() if k != "unread_count"} == item
    assert event.data["unread_count"] == 1


def test_a_rolled_back_write_notifies_nobody(make_user, django_capture_on_commit_callbacks):
    user = make_user()

    class Boom(Exception):
        pass

    def reply_then_fail() -> None:
        with transaction.atomic():
            assert notify(user_id=user.pk, kind="reply", data=_reply()) is not None
            raise Boom

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Boom):
        reply_then_fail()
    assert callbacks == []
    assert not Notification.objects.exists()
    assert not Event.objects.filter(user_id=user.pk).exists()


# --- display filters -------------------------------------------------------------------------


def _warned(topics: list[str], text: str = "") -> dict[str, Any]:
    return _reply(
        excerpt="Last night I thought about the razor again.",
        content_warning={"topics": topics, "text": text},
    )


def test_a_hidden_topic_drops_the_excerpt_everywhere(client: Client, make_member) -> None:
    member = make_member()
    uid = member["user_id"]
    preferences_update(user_id=uid, topic_filters={"self_harm": "hide"})
    notify(user_id=uid, kind="reply", data=_warned(["self_harm"]))

    [item] = _list(client, member["token"]).json()["items"]
    assert "excerpt" not in item["data"]
    assert item["data"]["filtered"] is True
    [event] = _events(uid)
    assert "razor" not in str(event.data)
    page = Client()
    page.force_login(User.objects.get(pk=uid))
    html = page.get("/notifications/").content.decode()
    assert "razor" not in html
    assert "hidden by your content filters" in html
    # Stored as given: showing the topic again later shows the excerpt again.
    preferences_update(user_id=uid, topic_filters={"self_harm": "show"})
    [item] = _list(client, member["token"]).json()["items"]
    assert item["data"]["excerpt"].startswith("Last night")
    assert item["data"]["collapsed"] is False


def test_a_collapsed_topic_keeps_the_excerpt_behind_its_warning(
    client: Client, make_member
) -> None:
    member = make_member()
    notify(user_id=member["user_id"], kind="reply", data=_warned(["self_harm"], "razor"))
    [item] = _list(client, member["token"]).json()["items"]
    assert item["data"]["collapsed"] is True
    assert item["data"]["content_warning_label"] == "Self-harm, razor"
    page = Client()
    page.force_login(User.objects.get(pk=member["user_id"]))
    html = page.get("/notifications/").content.decode()
    assert "<details" in html
    assert "Content warning: Self-harm, razor</summary>" in html.replace("\n", "")


def test_a_teen_who_chose_show_still_gets_the_warning_first(client: Client, make_member) -> None:
    this_year = datetime.datetime.now(UTC).year
    teen = make_member(birth_year=this_year - 15)
    preferences_update(user_id=teen["user_id"], topic_filters={"self_harm": "show"})
    notify(user_id=teen["user_id"], kind="reply", data=_warned(["self_harm"]))
    [item] = _list(client, teen["token"]).json()["items"]
    assert item["data"]["collapsed"] is True


def test_muted_words_drop_the_excerpt_and_the_title(client: Client, make_member) -> None:
    member = make_member()
    preferences_update(user_id=member["user_id"], muted_words=["Razor", "funeral"])
    notify(user_id=member["user_id"], kind="reply", data=_warned([]))
    notify(user_id=member["user_id"], kind="mention", data=_reply(title="After the funeral"))
    mention, reply = _list(client, member["token"]).json()["items"]
    assert "excerpt" not in reply["data"]
    assert reply["data"]["filtered"] is True
    assert mention["data"]["thread_title"] == ""
    assert "funeral" not in mention["text"]
    assert mention["text"] == "Anonymous member mentioned you."


# --- page ------------------------------------------------------------------------------------


def test_the_page_needs_login(client: Client) -> None:
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post("/notifications/read/").status_code == 302


def test_the_page_lists_newest_first_and_marks_all_read(
    client: Client, make_user, django_assert_max_num_queries
) -> None:
    user = make_user()
    for n in range(3):
        notify(user_id=user.pk, kind="reply", data=_reply(title=f"Thread {n}"))
    client.force_login(user)

    with django_assert_max_num_queries(15):  # 14 + the nav badge count
        response = client.get("/notifications/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Thread 2") < html.index("Thread 1") < html.index("Thread 0")
    assert 'action="/notifications/read/"' in html
    assert "Mark all as read" in html
    assert 'href="/threads/7#post-11"' in html
    assert response["Cache-Control"] == "no-store, private"
    assert "HX-Request" in response["Vary"]

    response = client.post("/notifications/read/")
    assert response.status_code == 303
    assert response["Location"] == "/notifications/"
    assert not Notification.objects.filter(read_at=None).exists()
    after = client.get("/notifications/").content.decode()
    assert "All notifications are marked as read." in after
    assert "Mark all as read" not in after


def test_one_notification_can_be_marked_read_from_the_page(client: Client, make_user) -> None:
    user, other = make_user(), make_user()
    mine = notify(user_id=user.pk, kind="reply", data=_reply())
    keep = notify(user_id=user.pk, kind="reply", data=_reply())
    theirs = notify(user_id=other.pk, kind="reply", data=_reply())
    assert mine and keep and theirs
    client.force_login(user)
    response = client.post("/notifications/read/", {"ids": [mine.pk, theirs.pk]})
    assert response.status_code == 303
    assert set(Notification.objects.filter(read_at=None).values_list("pk", flat=True)) == {
        keep.pk,
        theirs.pk,
    }
    assert client.post("/notifications/read/", {"ids": ["1; DROP"]}).status_code == 400


def test_load_more_pages_with_a_link_and_with_htmx(client: Client, make_user) -> None:
    user = make_user()
    for n in range(32):
        notify(user_id=user.pk, kind="mention", data=_reply(title=f"Thread {n}"))
    client.force_login(user)
    html = client.get("/notifications/").content.decode()
    assert "Load more" in html
    cursor = html.split('href="?cursor=')[1].split('"')[0]

    plain = client.get(f"/notifications/?cursor={cursor}").content.decode()
    assert "Thread 1" in plain
    assert "Thread 31" not in plain
    assert "<!doctype html>" in plain.lower()

    fragment = client.get(f"/notifications/?cursor={cursor}", HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<!doctype html>" not in body.lower()
    assert 'hx-swap-oob="beforeend:#notification-list"' in body
    assert "Thread 0" in body
    assert client.get("/notifications/?cursor=nonsense").status_code == 404


def test_the_page_says_so_when_there_is_nothing(client: Client, make_user) -> None:
    client.force_login(make_user())
    html = client.get("/notifications/").content.decode()
    assert "Nothing here yet." in html
    assert "Mark all as read" not in html
    assert 'src="/static/notifications/live.js"' in html


# --- context processor -----------------------------------------------------------------------


def test_the_unread_count_for_the_badge_is_one_query(make_user, django_assert_num_queries) -> None:
    from django.contrib.auth.models import AnonymousUser

    user = make_user()
    notify(user_id=user.pk, kind="reply", data=_reply())
    notify(user_id=user.pk, kind="reply", data=_reply())
    request = RequestFactory().get("/")
    request.user = user
    with django_assert_num_queries(1):
        assert unread(request) == {"notifications_unread": 2}
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread(request) == {"notifications_unread": 0}


# --- privacy inventory -----------------------------------------------------------------------


def test_notifications_are_in_the_export_and_deleted_on_erasure(make_user) -> None:
    user, other = make_user(), make_user()
    notify(user_id=user.pk, kind="reply", data=_reply())
    notify(user_id=other.pk, kind="reply", data=_reply())
    entry = inventory.entry_for(Notification)
    assert entry is not None
    [row] = entry.export_rows(user.pk)
    assert row["kind"] == "reply"
    assert row["data"]["thread_title"] == "Nights are hard"
    assert set(row) == {"kind", "data", "count", "created_at", "updated_at", "read_at"}
    assert entry.erase_rows(user.pk) == 1
    assert not Notification.objects.filter(user_id=user.pk).exists()
    assert Notification.objects.filter(user_id=other.pk).count() == 1
