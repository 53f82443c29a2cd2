"""The queue: screening holds, evidence, ordering, claims, actions, the modlog and appeals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.communities.conftest import Api
from tests.moderation.conftest import trusted

pytestmark = pytest.mark.django_db

CONTACT = "Feeling low tonight. Call me on 07700 900123 or add me on Telegram"


def _queue(moderator: Api) -> list[dict[str, Any]]:
    response = moderator.get("/api/v1/moderation/queue")
    assert response.status_code == 200, response.content
    return response.json()["items"]


def _held_thread(api: Callable[..., Api], make_community: Callable[..., Any]) -> tuple[Api, dict]:
    make_community("anxiety")
    author = api()
    thread = author.thread(title="Anyone around", body=CONTACT)
    return author, thread


def test_a_new_accounts_contact_details_are_held_shown_with_evidence_and_approving_publishes(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    _author, thread = _held_thread(api, make_community)
    reader = api()
    assert reader.get(f"/api/v1/threads/{thread['id']}").status_code == 404

    mod = moderator()
    [item] = _queue(mod)
    assert item["held"] is True
    assert {"personal_info", "off_platform_contact"} <= set(item["flag_kinds"])
    detail = mod.get(item["url"].replace("/mod/items/", "/api/v1/moderation/items/").rstrip("/"))
    assert detail.status_code == 200
    excerpts = {f["excerpt"] for f in detail.json()["flags"]}
    assert "07700 900123" in excerpts and "add me on Telegram" in excerpts

    done = mod.post(f"/api/v1/moderation/items/{item['id']}/actions", {"action": "approve"})
    assert done.status_code == 200, done.content
    assert done.json()["item_state"] == "resolved"
    assert reader.get(f"/api/v1/threads/{thread['id']}").status_code == 200
    assert _queue(mod) == []


def test_a_trusted_member_is_not_held_for_a_plain_post(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("anxiety")
    member = trusted(api())
    thread = member.thread(body="A long week, but I went for a walk today.")
    assert api().get(f"/api/v1/threads/{thread['id']}").status_code == 200
    assert _queue(moderator()) == []


def test_links_from_a_new_account_are_held(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("anxiety")
    thread = api().thread(body="This helped me: https://example.org/breathing")
    assert api().get(f"/api/v1/threads/{thread['id']}").status_code == 404
    [item] = _queue(moderator())
    assert "spam_link" in item["flag_kinds"]


def test_two_moderators_cannot_both_act_on_a_claimed_item(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    _held_thread(api, make_community)
    first, second = moderator(), moderator()
    [item] = _queue(first)
    claim = first.post(f"/api/v1/moderation/items/{item['id']}/claim")
    assert claim.status_code == 200 and claim.json()["claimed_by_me"] is True

    assert second.post(f"/api/v1/moderation/items/{item['id']}/claim").status_code == 409
    refused = second.post(
        f"/api/v1/moderation/items/{item['id']}/actions",
        {"action": "remove", "reason": "Contact details are not allowed here."},
    )
    assert refused.status_code == 409 and refused.json()["code"] == "claimed"
    assert _queue(second)[0]["claimed_by_other"] is True

    assert first.delete(f"/api/v1/moderation/items/{item['id']}/claim").status_code == 200
    ok = second.post(
        f"/api/v1/moderation/items/{item['id']}/actions",
        {"action": "remove", "reason": "Contact details are not allowed here."},
    )
    assert ok.status_code == 200
    again = first.post(
        f"/api/v1/moderation/items/{item['id']}/actions",
        {"action": "hide", "reason": "Contact details are not allowed here."},
    )
    assert again.status_code == 409 and again.json()["code"] == "resolved"


def test_an_expired_claim_no_longer_blocks_others(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    import datetime

    from alongside.moderation.models import Item

    _held_thread(api, make_community)
    first, second = moderator(), moderator()
    [item] = _queue(first)
    first.post(f"/api/v1/moderation/items/{item['id']}/claim")
    Item.objects.filter(pk=item["id"]).update(
        claimed_until=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    )
    assert second.post(f"/api/v1/moderation/items/{item['id']}/claim").status_code == 200


def test_every_action_is_in_the_modlog_and_reaches_the_author_with_an_appeal_link(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    author, _thread = _held_thread(api, make_community)
    mod = moderator("mod_one")
    [item] = _queue(mod)
    reason = "Sharing phone numbers puts you at risk."
    acted = mod.post(
        f"/api/v1/moderation/items/{item['id']}/actions", {"action": "remove", "reason": reason}
    )
    assert acted.status_code == 200

    log = api().get("/api/v1/communities/anxiety/modlog").json()["items"]
    assert [(e["action"], e["reason"]) for e in log] == [("remove", reason)]
    assert "mod_one" not in str(log) and "07700" not in str(log)

    notes = author.get("/api/v1/notifications").json()["items"]
    moderation = [n for n in notes if n["kind"] == "moderation"]
    assert moderation and moderation[0]["data"]["reason"] == reason
    appeal_url = moderation[0]["data"]["appeal_url"]
    assert appeal_url == f"/moderation/actions/{acted.json()['id']}/appeal/"
    assert author.client.get(appeal_url).status_code == 200


def test_an_appeal_goes_to_a_different_moderator_and_overturning_reverses(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("anxiety")
    author = trusted(api())
    thread = author.thread(body="I think the new rules are unfair to people like me.")
    first, second = moderator(), moderator()
    reporter = api()
    assert (
        reporter.post(
            "/api/v1/reports",
            {"target_type": "thread", "target_id": thread["id"], "reason": "harassment"},
        ).status_code
        == 202
    )
    [item] = _queue(first)
    action = first.post(
        f"/api/v1/moderation/items/{item['id']}/actions",
        {"action": "hide", "reason": "Hidden while we look into the report."},
    ).json()
    assert reporter.get(f"/api/v1/threads/{thread['id']}").status_code == 404

    appeal = author.post(
        f"/api/v1/moderation/actions/{action['id']}/appeal",
        {"text": "I was sharing my own experience, not attacking anyone."},
    )
    assert appeal.status_code == 201
    twice = author.post(
        f"/api/v1/moderation/actions/{action['id']}/appeal", {"text": "Please look again at it."}
    )
    assert twice.status_code == 409
    # someone else cannot appeal it: the same 404 as a missing action
    assert (
        reporter.post(
            f"/api/v1/moderation/actions/{action['id']}/appeal",
            {"text": "Not mine to appeal at all."},
        ).json()
        == reporter.post(
            "/api/v1/moderation/actions/999999/appeal", {"text": "Not mine to appeal at all."}
        ).json()
    )

    assert first.get("/api/v1/moderation/appeals").json()["items"] == []
    [pending] = second.get("/api/v1/moderation/appeals").json()["items"]
    own = first.post(f"/api/v1/moderation/appeals/{pending['id']}/decide", {"decision": "overturn"})
    assert own.status_code == 403
    decided = second.post(
        f"/api/v1/moderation/appeals/{pending['id']}/decide",
        {"decision": "overturn", "note": "Fair point, restored."},
    )
    assert decided.status_code == 200 and decided.json()["state"] == "overturned"
    assert reporter.get(f"/api/v1/threads/{thread['id']}").status_code == 200
    mine = author.get("/api/v1/me/moderation").json()["actions"]
    assert mine[0]["reversed"] is True and mine[0]["appeal"]["state"] == "overturned"
    kinds = [n["data"].get("action") for n in author.get("/api/v1/notifications").json()["items"]]
    assert "appeal_overturned" in kinds
    texts = [n["text"] for n in author.get("/api/v1/notifications").json()["items"]]
    assert "Your appeal was reviewed: the decision was reversed." in texts


def test_safety_evidence_sorts_first_then_severity_then_age(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    from alongside.moderation.screening import Finding
    from alongside.moderation.services import item_record

    def finding(kind: str, severity: int) -> Finding:
        return Finding(kind, severity, "flag", "test", 0, 1, "x")

    old_mild = item_record(
        target_type="user",
        target_id="1",
        community="",
        author_id=None,
        findings=[finding("harassment", 2)],
    )
    severe = item_record(
        target_type="user",
        target_id="2",
        community="",
        author_id=None,
        findings=[finding("threat", 4)],
    )
    safety = item_record(
        target_type="user",
        target_id="3",
        community="",
        author_id=None,
        findings=[finding("pro_self_harm", 1)],
    )
    new_mild = item_record(
        target_type="user",
        target_id="4",
        community="",
        author_id=None,
        findings=[finding("spam_link", 2)],
    )
    ids = [i["id"] for i in _queue(moderator())]
    assert ids == [safety.pk, severe.pk, old_mild.pk, new_mild.pk]


def test_reports_and_flags_on_one_post_are_one_item(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    from alongside.core.actor import Actor, Role
    from alongside.moderation.services import watched_word_set

    make_community("anxiety")
    mod = moderator()
    watched_word_set(
        actor=Actor(user_id=mod.member["user_id"], roles=frozenset({Role.MODERATOR})),
        community="",
        pattern="grr",
        action="flag",
    )
    thread = trusted(api()).thread(body="Grr, what a day.")
    post_id = mod.get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"][0]["id"]
    for reason in ("spam", "personal_info"):
        api().post(
            "/api/v1/reports", {"target_type": "post", "target_id": post_id, "reason": reason}
        )
    [item] = _queue(mod)
    assert item["held"] is False  # flagged, published, and reported: one item
    assert item["flag_kinds"] == ["watched_word"]
    assert item["report_reasons"] == {"spam": 1, "personal_info": 1}


def test_a_community_moderator_sees_only_their_communitys_items(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("anxiety")
    make_community("grief")
    api().thread("anxiety", body="Add me on Telegram please")
    api().thread("grief", body="Add me on Telegram please")
    local = moderator(community="grief")
    items = _queue(local)
    assert [i["community"] for i in items] == ["grief"]
    other = next(i for i in _queue(moderator()) if i["community"] == "anxiety")
    assert local.get(f"/api/v1/moderation/items/{other['id']}").status_code == 404


def test_members_cannot_see_the_queue_or_items(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    _held_thread(api, make_community)
    [item] = _queue(moderator())
    member = api()
    assert member.get("/api/v1/moderation/queue").status_code == 404
    forbidden = member.get(f"/api/v1/moderation/items/{item['id']}")
    missing = member.get("/api/v1/moderation/items/99999999")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content


def test_the_queue_lists_in_a_fixed_number_of_queries(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_community("anxiety")
    mod = moderator()
    api().thread(body="Add me on Telegram please")
    with CaptureQueriesContext(connection) as one:
        assert len(_queue(mod)) == 1
    for _n in range(5):
        api().thread(body="Add me on Telegram please")
    with CaptureQueriesContext(connection) as six:
        assert len(_queue(mod)) == 6
    assert len(six) == len(one)


def test_queue_changes_reach_moderators_live_after_commit(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    from alongside.core.models import Event

    mod = moderator()
    _held_thread(api, make_community)
    events = Event.objects.filter(user_id=mod.member["user_id"], type="moderation.queue")
    assert events.count() == 1 and events.first().data["change"] == "created"


def test_an_unknown_action_and_a_missing_reason_are_clear_errors(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    _held_thread(api, make_community)
    mod = moderator()
    [item] = _queue(mod)
    unknown = mod.post(f"/api/v1/moderation/items/{item['id']}/actions", {"action": "explode"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "action"
    short = mod.post(
        f"/api/v1/moderation/items/{item['id']}/actions", {"action": "remove", "reason": "no"}
    )
    assert short.status_code == 422 and short.json()["field"] == "reason"
    assert _queue(mod)[0]["id"] == item["id"]  # nothing changed


def test_only_admins_ban(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    _held_thread(api, make_community)
    mod = moderator()
    admin = moderator(role="admin")
    [item] = _queue(mod)
    body = {"action": "ban", "reason": "Repeated spam after warnings."}
    assert mod.post(f"/api/v1/moderation/items/{item['id']}/actions", body).status_code == 403
    assert admin.post(f"/api/v1/moderation/items/{item['id']}/actions", body).status_code == 200


def test_a_post_waiting_for_its_authors_future_self_shows_no_words_in_the_queue(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    from alongside.accounts.models import FutureSelf

    make_community("anxiety")
    author = api()
    FutureSelf.objects.create(user_id=author.member["user_id"], hold_hours=24)
    author.thread(body=CONTACT)
    mod = moderator()
    [item] = _queue(mod)
    assert item["post_status"] == "pending" and item["excerpt"] == ""
    detail = mod.get(f"/api/v1/moderation/items/{item['id']}")
    assert b"07700" not in detail.content and b"Telegram" not in detail.content
    assert b"A hard week" not in detail.content
    assert {f["kind"] for f in detail.json()["flags"]} >= {"personal_info"}


def test_an_anonymous_author_stays_hidden_until_revealed_with_a_recorded_reason(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    from alongside.core.models import AuditEntry

    make_community("anxiety")
    author = trusted(api("quiet_writer"))
    author.thread(body="Add me on Telegram if you want", anonymous=True)
    mod = moderator()
    [item] = _queue(mod)
    detail = mod.get(f"/api/v1/moderation/items/{item['id']}")
    assert detail.json()["anonymous_author_hidden"] is True
    assert b"quiet_writer" not in detail.content and detail.json()["history"] == []
    short = mod.post(
        f"/api/v1/moderation/items/{item['id']}/actions",
        {"action": "reveal_anonymous_author", "reason": "why"},
    )
    assert short.status_code == 422
    revealed = mod.post(
        f"/api/v1/moderation/items/{item['id']}/actions",
        {"action": "reveal_anonymous_author", "reason": "Repeated contact requests to teens."},
    )
    assert revealed.status_code == 200
    assert revealed.json()["author"]["username"] == "quiet_writer"
    assert AuditEntry.objects.filter(action="post.author_reveal").count() == 1
    kinds = [n["kind"] for n in author.get("/api/v1/notifications").json()["items"]]
    assert "moderation" not in kinds  # a reveal is recorded, not announced
