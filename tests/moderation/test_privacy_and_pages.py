"""Privacy of moderation data (export, erasure) and the pages (queue, item, modlog,
transparency, appeals) working without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.communities.conftest import Api
from tests.moderation.conftest import trusted

pytestmark = pytest.mark.django_db


def _acted_on(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> tuple[Api, Api, Api, dict, int]:
    make_community("anxiety")
    author, reporter, mod = trusted(api()), api(), moderator()
    thread = author.thread(body="Words someone did not like.")
    reporter.post(
        "/api/v1/reports",
        {"target_type": "thread", "target_id": thread["id"], "reason": "spam", "note": "Ads."},
    )
    [item] = mod.get("/api/v1/moderation/queue").json()["items"]
    action = mod.post(
        f"/api/v1/moderation/items/{item['id']}/actions",
        {"action": "hide", "reason": "Looks like advertising to us."},
    ).json()
    return author, reporter, mod, thread, action["id"]


def test_export_holds_my_reports_and_the_actions_on_me_without_the_moderator(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    from alongside.moderation.models import ModAction, Report
    from alongside.privacy import inventory

    author, reporter, mod, _thread, _action = _acted_on(api, make_community, moderator)
    reports = inventory.entry_for(Report).export_rows(reporter.member["user_id"])
    assert reports == [
        {
            "target_type": "thread",
            "target_id": reports[0]["target_id"],
            "reason": "spam",
            "note": "Ads.",
            "created_at": reports[0]["created_at"],
            "outcome": "action_taken",
        }
    ]
    actions = inventory.entry_for(ModAction).export_rows(author.member["user_id"])
    assert [a["action"] for a in actions] == ["hide"]
    assert mod.member["username"] not in str(actions)


def test_erasure_deletes_my_reports_and_notes_about_me_and_unlinks_the_modlog(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    from alongside.moderation.models import ModAction, ModeratorNote, Report
    from alongside.privacy import inventory

    author, reporter, mod, _thread, _action = _acted_on(api, make_community, moderator)
    mod.post(
        f"/api/v1/moderation/users/{author.member['username']}/notes", {"text": "A kind note."}
    )
    for entry in inventory.entries():
        entry.erase_rows(reporter.member["user_id"])
        entry.erase_rows(author.member["user_id"])
    assert Report.objects.count() == 0
    assert ModeratorNote.objects.count() == 0
    logged = ModAction.objects.get()
    assert logged.subject_id is None and logged.reason  # the public log keeps its entry
    assert api().get("/api/v1/communities/anxiety/modlog").json()["items"][0]["action"] == "hide"


def test_the_queue_and_item_pages_work_without_javascript(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("anxiety")
    api().thread(body="Add me on Telegram, it is easier there")
    mod = moderator()
    queue = mod.client.get("/mod/queue/")
    assert queue.status_code == 200 and b"off_platform_contact" in queue.content
    fragment = mod.client.get("/mod/queue/", HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content and "HX-Request" in fragment["Vary"]
    [item] = mod.get("/api/v1/moderation/queue").json()["items"]
    page = mod.client.get(f"/mod/items/{item['id']}/")
    assert page.status_code == 200 and b'<label for="reason">' in page.content
    claimed = mod.client.post(f"/mod/items/{item['id']}/claim/")
    assert claimed.status_code == 303
    refused = mod.client.post(f"/mod/items/{item['id']}/act/", {"action": "remove", "reason": "no"})
    assert refused.status_code == 422
    done = mod.client.post(
        f"/mod/items/{item['id']}/act/",
        {"action": "remove", "reason": "Moving to other apps is not safe here."},
    )
    assert done.status_code == 303 and done["Location"] == "/mod/queue/"


def test_appeal_pages_for_the_author_and_for_moderators(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    author, _reporter, _mod, _thread, action_id = _acted_on(api, make_community, moderator)
    form = author.client.get(f"/moderation/actions/{action_id}/appeal/")
    assert form.status_code == 200
    sent = author.client.post(
        f"/moderation/actions/{action_id}/appeal/", {"text": "It was not an advert at all."}
    )
    assert sent.status_code == 303
    mine = author.client.get("/moderation/")
    assert b"Looks like advertising to us." in mine.content
    other = moderator()
    appeals = other.client.get("/mod/appeals/")
    assert b"It was not an advert at all." in appeals.content


def test_modlog_and_transparency_pages_show_counts_and_no_names(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    author, _reporter, mod, _thread, _action = _acted_on(api, make_community, moderator)
    log = api().client.get("/c/anxiety/modlog/")
    assert log.status_code == 200 and b"Looks like advertising to us." in log.content
    for name in (mod.member["username"], author.member["username"]):
        assert name.encode() not in log.content
    numbers = api().client.get("/transparency/")
    assert numbers.status_code == 200 and b"hide" in numbers.content and b"spam" in numbers.content
