"""Anonymous means anonymous: nothing another member can reach names the author."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alongside.core.models import AuditEntry, Event

pytestmark = pytest.mark.django_db


def _identity(api: Any) -> list[str]:
    from alongside.accounts.models import User

    user = User.objects.get(pk=api.member["user_id"])
    # Author objects carry no id at all; a stray id would show up under one of these keys.
    return [user.username, user.display_name, f'"author_id": {user.pk}', f'"user_id": {user.pk}']


def _assert_nothing_names(author: Any, *texts: str) -> None:
    needles = [n for n in _identity(author) if n]
    for text in texts:
        for needle in needles:
            assert needle not in text, (needle, text[:400])


def test_anonymous_thread_hides_its_author_everywhere_others_look(
    make_community: Any, api: Any, settings: Any
) -> None:
    from alongside.accounts.services import profile_update, role_grant

    settings.STAFF_MFA_REQUIRED = False
    make_community("anxiety")
    author, reader, responder = api("hidden_author"), api("curious_reader"), api("responder_one")
    profile_update(user_id=author.member["user_id"], display_name="Distinctive Name")
    role_grant(user_id=responder.member["user_id"], role="crisis_responder")
    reader.post("/api/v1/communities/anxiety/membership")

    thread = author.thread(
        title="Nobody knows I feel this way",
        body="Writing it down for once. Mentioning @curious_reader so they see it. #lonely",
        anonymous=True,
    )
    assert thread["author"] == {
        "name": "Anonymous member",
        "username": None,
        "anonymous": True,
        "is_me": True,
    }
    # The reader replies; the anonymous author replies back, anonymously, quoting them.
    reply = reader.reply(thread["id"], body="You're not alone in this.")
    back = author.reply(thread["id"], body="Thank you.", anonymous=True, reply_to=reply["id"])
    reader.post(f"/api/v1/posts/{back['id']}/reactions", {"kind": "hug"})

    seen = [
        reader.get(f"/api/v1/threads/{thread['id']}").content.decode(),
        reader.get(f"/api/v1/threads/{thread['id']}/posts").content.decode(),
        reader.get("/api/v1/communities/anxiety/threads").content.decode(),
        reader.get("/api/v1/feed").content.decode(),
        reader.get("/api/v1/feed?sort=needs_support").content.decode(),
        reader.get("/api/v1/search?q=writing").content.decode(),
        reader.get("/api/v1/search?q=thank").content.decode(),
        reader.get("/api/v1/tags/lonely").content.decode(),
        reader.get("/api/v1/notifications").content.decode(),
        reader.client.get(f"/t/{thread['id']}/", **reader.headers).content.decode(),
        json.dumps(list(Event.objects.filter(user_id=reader.member["user_id"]).values("data"))),
    ]
    assert "Nobody knows I feel this way" in seen[0]
    assert "writing" in seen[5].lower()
    assert "Anonymous member" in seen[8]  # the mention and the reply reached the reader
    _assert_nothing_names(author, *seen)

    # The author sees the thread as theirs.
    mine = author.get(f"/api/v1/threads/{thread['id']}").json()
    assert mine["author"]["is_me"] is True
    assert [p["author"]["is_me"] for p in mine["posts"]["items"]] == [True, False, True]
    theirs = reader.get(f"/api/v1/threads/{thread['id']}").json()
    assert [p["author"]["is_me"] for p in theirs["posts"]["items"]] == [False, True, False]

    # Members cannot reveal; a responder can, with a reason, and it is audited.
    post_id = thread["post"]["id"]
    assert (
        reader.post(
            f"/api/v1/posts/{post_id}/reveal", {"reason": "I just want to know"}
        ).status_code
        == 403
    )
    assert responder.post(f"/api/v1/posts/{post_id}/reveal", {"reason": "short"}).status_code == 422
    revealed = responder.post(
        f"/api/v1/posts/{post_id}/reveal", {"reason": "Risk review of this thread"}
    )
    assert revealed.status_code == 200
    assert revealed.json()["author"]["username"] == "hidden_author"
    entry = AuditEntry.objects.get(action="post.author_reveal")
    assert entry.reason == "Risk review of this thread"
    assert entry.data["post_id"] == post_id


def test_export_of_another_member_never_names_an_anonymous_author(
    make_community: Any, api: Any
) -> None:
    from alongside.privacy.inventory import export_sections

    make_community("anxiety")
    author, reader = api("anon_writer"), api("other_reader")
    thread = author.thread(body="quiet words", anonymous=True)
    reader.reply(thread["id"], body="Sending you a hug")
    reader.post(f"/api/v1/posts/{thread['post']['id']}/reactions", {"kind": "hug"})
    exported = json.dumps(export_sections(reader.member["user_id"]), default=str)
    _assert_nothing_names(author, exported)
    own = json.dumps(export_sections(author.member["user_id"]), default=str)
    assert "quiet words" in own and '"anonymous": true' in own
