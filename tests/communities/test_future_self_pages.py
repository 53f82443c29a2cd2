"""The "future self" pages work without JavaScript: the setting, my waiting posts (publish now,
discard), the thread page's notice, and the trusted person's approvals (decision 0013)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from alongside.accounts.models import FutureSelf
from alongside.communities.models import Post, Status, Thread
from tests.communities.test_pages import Person

pytestmark = pytest.mark.django_db


def write(who: Person, *, title: str = "Late and tired", body: str = "Can't switch off.") -> Any:
    response = who.post(
        "/c/anxiety/new/", {"title": title, "body": body, "cw_text": "", "tags": ""}
    )
    assert response.status_code in (302, 303), response.content[:300]
    return Thread.objects.filter(author_id=who.user_id).latest("pk")


def test_the_settings_page_links_to_the_option_and_saves_it(person: Any) -> None:
    alice, friend = person(), person()
    settings_page = alice.html("/settings/")
    assert 'href="/settings/future-self/"' in settings_page
    page = alice.html("/settings/future-self/")
    assert "Off: your new posts are published at once." in page
    assert re.search(r'<label for="id_hold_hours">', page)
    assert re.search(r'<label for="id_trusted_username">', page)

    saved = alice.post(
        "/settings/future-self/", {"hold_hours": "12", "trusted_username": friend.username}
    )
    assert saved.status_code == 303 and saved["Location"] == "/settings/future-self/"
    option = FutureSelf.objects.get(user_id=alice.user_id)
    assert option.hold_hours == 12 and option.trusted_user_id == friend.user_id
    page = alice.html("/settings/future-self/")
    assert "Your new posts wait 12 hours" in page and "Until they agree" in page

    # Off waits one full hold, and the page says when.
    alice.post("/settings/future-self/", {"hold_hours": "0", "trusted_username": friend.username})
    page = alice.html("/settings/future-self/")
    assert "this option will be off" in page

    refused = alice.post(
        "/settings/future-self/", {"hold_hours": "12", "trusted_username": "nobody-at-all"}
    )
    assert refused.status_code == 422
    assert "We can&#x27;t ask this member" in refused.content.decode()
    assert FutureSelf.objects.get(user_id=alice.user_id).trusted_user_id == friend.user_id


def test_the_trusted_person_agrees_and_approves_on_the_pages(
    person: Any, make_community: Any
) -> None:
    make_community("anxiety")
    alice, friend, stranger = person(), person(), person()
    alice.post("/settings/future-self/", {"hold_hours": "24", "trusted_username": friend.username})
    page = friend.html("/settings/future-self/")
    assert alice.username in page and "Agree" in page
    # Someone who was not asked cannot answer for them.
    assert (
        stranger.post(
            "/settings/future-self/trusted-by/", {"username": alice.username, "action": "accept"}
        ).status_code
        == 404
    )
    agreed = friend.post(
        "/settings/future-self/trusted-by/", {"username": alice.username, "action": "accept"}
    )
    assert agreed.status_code == 303

    thread = write(alice, title="Please read first", body="I am not sure about this one.")
    approvals = friend.html("/approvals/")
    assert "Please read first" in approvals and "I am not sure about this one." in approvals
    assert f'href="/t/{thread.pk}/"' not in approvals
    assert "Nothing is waiting for you." in stranger.html("/approvals/")
    post = Post.objects.get(thread=thread)
    version = re.search(r'name="version" value="([^"]+)"', approvals)
    assert version is not None
    assert stranger.post(f"/p/{post.pk}/approve/", {"version": version[1]}).status_code == 404
    approved = friend.post(f"/p/{post.pk}/approve/", {"version": version[1]})
    assert approved.status_code == 303 and approved["Location"] == "/approvals/"
    assert Post.objects.get(pk=post.pk).status == Status.VISIBLE
    assert "Please read first" in stranger.html(f"/t/{thread.pk}/")


def test_the_author_sees_the_wait_and_can_discard_or_publish_on_the_thread_page(
    person: Any, make_community: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_community("anxiety")
    alice, bob = person(), person()
    alice.post("/settings/future-self/", {"hold_hours": "2", "trusted_username": ""})
    thread = write(alice)
    post = Post.objects.get(thread=thread)
    page = alice.html(f"/t/{thread.pk}/")
    assert "Waiting to be published:" in page and "only you can see this thread" in page
    assert f'action="/p/{post.pk}/discard/"' in page
    assert f'action="/p/{post.pk}/publish/"' not in page  # not before half the wait
    assert "You can publish it yourself from" in page
    assert bob.get(f"/t/{thread.pk}/").status_code == 404
    waiting = alice.html("/waiting/")
    assert "Late and tired" in waiting and f'href="/p/{post.pk}/edit/"' in waiting

    # An hour later (half of two), "Publish now" appears and works.
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1, minutes=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    page = alice.html(f"/t/{thread.pk}/")
    assert f'action="/p/{post.pk}/publish/"' in page
    published = alice.post(f"/p/{post.pk}/publish/")
    assert published.status_code == 303
    assert published["Location"] == f"/t/{thread.pk}/#post-{post.pk}"
    assert bob.get(f"/t/{thread.pk}/").status_code == 200

    # A second thread is discarded from the waiting page: gone, back to that page.
    second = write(alice, title="Never mind", body="Second thoughts.")
    second_post = Post.objects.get(thread=second)
    assert bob.post(f"/p/{second_post.pk}/discard/").status_code == 404
    dropped = alice.post(f"/p/{second_post.pk}/discard/", {"next": "/waiting/"})
    assert dropped.status_code == 303 and dropped["Location"] == "/waiting/"
    assert not Thread.objects.filter(pk=second.pk).exists()
    assert "Nothing is waiting" in alice.html("/waiting/")


def test_a_waiting_reply_shows_only_to_its_author_on_the_thread_page(
    person: Any, make_community: Any
) -> None:
    make_community("anxiety")
    alice, bob = person(), person()
    thread = write(bob, title="Morning walks", body="Does anyone else walk to calm down?")
    alice.post("/settings/future-self/", {"hold_hours": "6", "trusted_username": ""})
    response = alice.post(f"/t/{thread.pk}/reply/", {"body": "Every day, rain or not."})
    assert response.status_code == 303
    assert "Every day, rain or not." in alice.html(f"/t/{thread.pk}/")
    assert "Every day, rain or not." not in bob.html(f"/t/{thread.pk}/")
    assert Thread.objects.get(pk=thread.pk).reply_count == 0
