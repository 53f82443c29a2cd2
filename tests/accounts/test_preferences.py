"""Personal settings: content filters, muted words, notifications, quiet hours and blocks,
through the API (PATCH /me, /me/blocks) and the settings page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from alongside.accounts.models import Block, Preferences, User
from alongside.core.content_warnings import TOPICS
from tests.conftest import auth

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
BLOCKS = "/api/v1/me/blocks"
THIS_YEAR = datetime.datetime.now(datetime.UTC).year


def _patch(client: Client, token: str, body: dict[str, Any]) -> Any:
    return client.patch(ME, body, content_type="application/json", **auth(token))


def _prefs(user_id: int) -> Preferences | None:
    return Preferences.objects.filter(user_id=user_id).first()


# --- GET /me ---------------------------------------------------------------------------------


def test_me_shows_every_default_in_effect(client: Client, make_member) -> None:
    member = make_member()
    prefs = client.get(ME, **auth(member["token"])).json()["preferences"]
    assert prefs == {
        "topic_filters": dict.fromkeys(TOPICS, "collapse"),
        "muted_words": [],
        "notify": {"reply": True, "mention": True, "reaction": True},
        "quiet_hours": None,
    }


def test_patch_saves_filters_words_notifications_and_quiet_hours(
    client: Client, make_member
) -> None:
    member = make_member()
    response = _patch(
        client,
        member["token"],
        {
            "topic_filters": {"self_harm": "hide", "grief": "show"},
            "muted_words": ["  funeral ", "Razor", "razor", ""],
            "notify": {"reaction": False},
            "quiet_hours": {"start": "22:30", "end": "07:00"},
        },
    )
    assert response.status_code == 200, response.content
    prefs = response.json()["preferences"]
    assert prefs["topic_filters"]["self_harm"] == "hide"
    assert prefs["topic_filters"]["grief"] == "show"
    assert prefs["topic_filters"]["suicide"] == "collapse"
    assert prefs["muted_words"] == ["funeral", "Razor"]
    assert prefs["notify"] == {"reply": True, "mention": True, "reaction": False}
    assert prefs["quiet_hours"] == {"start": "22:30", "end": "07:00"}
    saved = _prefs(member["user_id"])
    assert saved is not None
    assert saved.quiet_hours_start == datetime.time(22, 30)
    assert client.get(ME, **auth(member["token"])).json()["preferences"] == prefs


@pytest.mark.parametrize("off", [None, {"start": None, "end": None}])
def test_quiet_hours_null_switches_them_off(client: Client, make_member, off) -> None:
    member = make_member()
    _patch(client, member["token"], {"quiet_hours": {"start": "22:00", "end": "06:00"}})
    response = _patch(client, member["token"], {"quiet_hours": off})
    assert response.status_code == 200
    assert response.json()["preferences"]["quiet_hours"] is None


def test_a_teen_who_chose_show_sees_collapse_in_effect(client: Client, make_member) -> None:
    teen = make_member(birth_year=THIS_YEAR - 15)
    response = _patch(client, teen["token"], {"topic_filters": {"grief": "show"}})
    assert response.json()["preferences"]["topic_filters"]["grief"] == "collapse"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"topic_filters": {"gambling": "hide"}}, "topic_filters"),
        ({"topic_filters": {"self_harm": "blur"}}, "topic_filters"),
        ({"topic_filters": ["self_harm"]}, "topic_filters"),
        ({"notify": {"likes": False}}, "notify"),
        ({"notify": {"reply": "no"}}, "notify.reply"),
        ({"quiet_hours": {"start": "22:00"}}, "quiet_hours"),
        ({"quiet_hours": {"end": "07:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "10pm", "end": "07:00"}}, "quiet_hours.start"),
        ({"muted_words": ["x" * 41]}, "muted_words"),
        ({"muted_words": [f"word{n}" for n in range(51)]}, "muted_words"),
        ({"muted_words": [1, 2]}, "muted_words.0"),
    ],
)
def test_bad_preferences_are_a_422_naming_the_field_and_change_nothing(
    client: Client, make_member, body, field
) -> None:
    member = make_member()
    response = _patch(
        client,
        member["token"],
        {"display_name": "Changed", "topic_filters": {"grief": "hide"}, **body},
    )
    assert response.status_code == 422, response.content
    error = response.json()
    assert error["field"] == field
    assert error["code"] in {"invalid", "too_long", "too_many"}
    assert error["detail"]
    # All or nothing: neither the profile nor any preference was written.
    assert User.objects.get(pk=member["user_id"]).display_name == ""
    assert _prefs(member["user_id"]) is None


def test_a_bad_profile_field_keeps_valid_preferences_unwritten(client: Client, make_member) -> None:
    member = make_member()
    response = _patch(
        client, member["token"], {"time_zone": "Mars/Base", "muted_words": ["funeral"]}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "time_zone"
    assert _prefs(member["user_id"]) is None


def test_preferences_need_a_signed_in_person(client: Client) -> None:
    response = client.patch(ME, {"muted_words": ["x"]}, content_type="application/json")
    assert response.status_code == 401


# --- blocks API ------------------------------------------------------------------------------


def test_block_list_block_and_unblock(client: Client, make_member) -> None:
    me, other = make_member(), make_member()
    User.objects.filter(pk=other["user_id"]).update(display_name="Quiet Fern")
    token = me["token"]
    assert client.get(BLOCKS, **auth(token)).json() == {"items": [], "next": None}

    response = client.post(
        BLOCKS,
        {"username": other["username"].upper(), "kind": "mute"},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 200, response.content
    block = response.json()
    assert block["username"] == other["username"]
    assert block["display_name"] == "Quiet Fern"
    assert block["kind"] == "mute"

    # Blocking again changes the kind; there is still one entry.
    client.post(
        BLOCKS, {"username": other["username"]}, content_type="application/json", **auth(token)
    )
    [item] = client.get(BLOCKS, **auth(token)).json()["items"]
    assert item["kind"] == "block"

    response = client.delete(f"{BLOCKS}/{other['username']}", **auth(token))
    assert response.status_code == 204
    assert not Block.objects.exists()
    again = client.delete(f"{BLOCKS}/{other['username']}", **auth(token))
    assert again.status_code == 404
    assert again.json()["code"] == "not_found"


def test_blocking_an_unknown_or_inactive_name_is_a_404(client: Client, make_member, make_user):
    me = make_member()
    gone = make_user(is_active=False)
    for name in ("nobody-here", gone.username):
        response = client.post(
            BLOCKS, {"username": name}, content_type="application/json", **auth(me["token"])
        )
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert client.delete(f"{BLOCKS}/nobody-here", **auth(me["token"])).status_code == 404
    assert not Block.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "SELF", "kind": "block"}, "username"),
        ({"username": "other", "kind": "ban"}, "kind"),
        ({"username": ""}, "username"),
        ({}, "username"),
    ],
)
def test_bad_block_requests_are_a_422(client: Client, make_member, body, field) -> None:
    me = make_member()
    make_member("other")
    if body.get("username") == "SELF":
        body = {**body, "username": me["username"].upper()}
    response = client.post(BLOCKS, body, content_type="application/json", **auth(me["token"]))
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not Block.objects.exists()


def test_blocks_need_a_signed_in_person(client: Client) -> None:
    assert client.get(BLOCKS).status_code == 401
    assert (
        client.post(BLOCKS, {"username": "x"}, content_type="application/json").status_code == 401
    )
    assert client.delete(f"{BLOCKS}/x").status_code == 401


def test_my_blocks_are_mine_alone(client: Client, make_member) -> None:
    alice, bob, carol = make_member(), make_member(), make_member()
    client.post(
        BLOCKS,
        {"username": carol["username"]},
        content_type="application/json",
        **auth(alice["token"]),
    )
    assert client.get(BLOCKS, **auth(bob["token"])).json()["items"] == []
    # Bob cannot remove Alice's block: for him there is no such block.
    assert client.delete(f"{BLOCKS}/{carol['username']}", **auth(bob["token"])).status_code == 404
    assert Block.objects.count() == 1


# --- settings page ---------------------------------------------------------------------------


def test_the_settings_page_shows_the_new_sections(client: Client, make_user) -> None:
    client.force_login(make_user())
    html = client.get("/settings/").content.decode()
    for text in (
        "Content filters",
        "Muted words",
        'name="topic_self_harm"',
        "<legend",
        "Notifications",
        'name="notify_reply"',
        'name="quiet_hours_start"',
        'type="time"',
        "Blocked and muted people",
        'action="/settings/blocks/"',
    ):
        assert text in html, text


def test_content_filters_form_saves_with_a_303(client: Client, make_user) -> None:
    user = make_user()
    client.force_login(user)
    form = {f"topic_{t}": "collapse" for t in TOPICS}
    form.update(
        {"topic_self_harm": "hide", "topic_grief": "show", "muted_words": "funeral\n\nrazor"}
    )
    response = client.post("/settings/filters/", form)
    assert response.status_code == 303
    assert response["Location"] == "/settings/#filters"
    prefs = _prefs(user.pk)
    assert prefs is not None
    assert prefs.topic_filters == {"self_harm": "hide", "grief": "show"}
    assert prefs.muted_words == ["funeral", "razor"]
    html = client.get("/settings/").content.decode()
    assert "Your content filters are saved." in html
    assert (
        '<input type="radio" name="topic_self_harm" value="hide" id="id_topic_self_harm_2" '
        "required checked>" in html
    )


def test_content_filter_errors_show_next_to_the_field_and_save_nothing(
    client: Client, make_user
) -> None:
    user = make_user()
    client.force_login(user)
    form = {f"topic_{t}": "collapse" for t in TOPICS}
    form.update({"topic_abuse": "blur", "muted_words": "x" * 41})
    response = client.post("/settings/filters/", form)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-describedby="id_topic_abuse_error"' in html
    assert 'id="id_topic_abuse_error"' in html
    assert _prefs(user.pk) is None

    form["topic_abuse"] = "hide"
    response = client.post("/settings/filters/", form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Keep each muted word under 40 characters." in html
    assert 'aria-describedby="id_muted_words_helptext id_muted_words_error"' in html
    assert _prefs(user.pk) is None


def test_notification_settings_form_saves_with_a_303(client: Client, make_user) -> None:
    user = make_user()
    client.force_login(user)
    response = client.post(
        "/settings/notifications/",
        {"notify_reply": "on", "quiet_hours_start": "22:00", "quiet_hours_end": "07:30"},
    )
    assert response.status_code == 303
    assert response["Location"] == "/settings/#notifications"
    prefs = _prefs(user.pk)
    assert prefs is not None
    assert prefs.notify == {"mention": False, "reaction": False}
    assert (prefs.quiet_hours_start, prefs.quiet_hours_end) == (
        datetime.time(22),
        datetime.time(7, 30),
    )
    html = client.get("/settings/").content.decode()
    assert 'value="22:00"' in html
    assert 'name="notify_reply" id="id_notify_reply" checked' in html

    # Both empty: quiet hours off.
    client.post("/settings/notifications/", {"notify_reply": "on"})
    prefs.refresh_from_db()
    assert prefs.quiet_hours_start is None


def test_half_quiet_hours_in_the_form_is_an_error_by_the_field(client: Client, make_user) -> None:
    user = make_user()
    client.force_login(user)
    response = client.post("/settings/notifications/", {"quiet_hours_start": "22:00"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Give both a start and an end, or leave both empty." in html
    assert 'id="id_quiet_hours_end_error"' in html
    assert 'aria-describedby="id_quiet_hours_end_error"' in html
    assert _prefs(user.pk) is None


def test_blocking_and_unblocking_from_the_settings_page(client: Client, make_user) -> None:
    user, other = make_user(), make_user(display_name="Quiet Fern")
    client.force_login(user)
    response = client.post("/settings/blocks/", {"username": other.username, "kind": "block"})
    assert response.status_code == 303
    assert response["Location"] == "/settings/#blocks"
    html = client.get("/settings/").content.decode()
    assert "You blocked Quiet Fern." in html
    assert "Unblock Quiet Fern" in html

    response = client.post("/settings/blocks/remove/", {"username": other.username})
    assert response.status_code == 303
    assert not Block.objects.exists()
    assert "You have not blocked or muted anyone." in client.get("/settings/").content.decode()


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("no-such-person", "There is no member with this username."),
        ("SELF", "You cannot block yourself."),
    ],
)
def test_block_form_errors_show_by_the_username(client: Client, make_user, username, message):
    user = make_user()
    client.force_login(user)
    if username == "SELF":
        username = user.username
    response = client.post("/settings/blocks/", {"username": username, "kind": "block"})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'id="id_username_error"' in html
    assert not Block.objects.exists()


def test_settings_forms_need_login(client: Client) -> None:
    for path in (
        "/settings/filters/",
        "/settings/notifications/",
        "/settings/blocks/",
        "/settings/blocks/remove/",
    ):
        response = client.post(path, {})
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/")
        assert client.get(path).status_code in (302, 405)


def test_the_settings_posts_refuse_get(client: Client, make_user) -> None:
    client.force_login(make_user())
    for path in ("/settings/filters/", "/settings/notifications/", "/settings/blocks/"):
        assert client.get(path).status_code == 405, path
    assert client.post("/settings/blocks/remove/", {}).status_code == 400


# --- privacy inventory -----------------------------------------------------------------------


def test_preferences_and_blocks_are_exported_and_erased(make_user) -> None:
    from alongside.accounts.services import block_set, preferences_update
    from alongside.privacy import inventory

    user, other = make_user(), make_user(username="blockedname")
    preferences_update(user_id=user.pk, muted_words=["funeral"], notify={"reply": False})
    block_set(user_id=user.pk, target_username=other.username, kind="mute")
    block_set(user_id=other.pk, target_username=user.username)  # the other person's block

    prefs_entry = inventory.entry_for(Preferences)
    blocks_entry = inventory.entry_for(Block)
    assert prefs_entry is not None and blocks_entry is not None
    [prefs_row] = prefs_entry.export_rows(user.pk)
    assert prefs_row["muted_words"] == ["funeral"]
    assert prefs_row["notify"] == {"reply": False}
    [block_row] = blocks_entry.export_rows(user.pk)
    assert block_row["username"] == "blockedname"
    assert block_row["kind"] == "mute"
    assert blocks_entry.other_user_fields == ("target",)

    assert prefs_entry.erase_rows(user.pk) == 1
    assert blocks_entry.erase_rows(user.pk) == 1
    assert not Preferences.objects.filter(user_id=user.pk).exists()
    # The other person's block stays theirs until this account itself is deleted.
    assert Block.objects.filter(user_id=other.pk).count() == 1
    User.objects.filter(pk=user.pk).delete()
    assert not Block.objects.exists()
