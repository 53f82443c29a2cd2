"""The settings page: a plain form that saves with a 303, and the way to security and privacy."""

from __future__ import annotations

import pytest
from django.test import Client

from alongside.accounts.models import User

pytestmark = pytest.mark.django_db

PROFILE = {
    "display_name": "River",
    "pronouns": "they/them",
    "locale": "en",
    "country": "ie",
    "time_zone": "Europe/Dublin",
}


def test_settings_needs_login(client: Client) -> None:
    response = client.get("/settings/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_settings_page_links_to_security_and_privacy(client: Client, make_user) -> None:
    client.force_login(make_user())
    body = client.get("/settings/").content.decode()
    for href in (
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/sessions/",
        "/privacy/",
    ):
        assert f'href="{href}"' in body, href
    assert 'name="display_name"' in body
    assert 'name="time_zone"' in body


def test_saving_the_profile_redirects_303_and_saves(client: Client, make_user) -> None:
    user = make_user()
    client.force_login(user)
    response = client.post("/settings/", PROFILE)
    assert response.status_code == 303
    assert response["Location"] == "/settings/"
    user.refresh_from_db()
    assert (user.display_name, user.pronouns, user.country, user.time_zone) == (
        "River",
        "they/them",
        "IE",
        "Europe/Dublin",
    )
    assert "Your profile is saved." in client.get("/settings/").content.decode()


def test_changing_the_language_in_settings_switches_the_pages(client: Client, make_user) -> None:
    user = make_user()
    client.force_login(user)
    response = client.post("/settings/", {**PROFILE, "locale": "zh-hans"})
    assert response.status_code == 303
    assert response.cookies["django_language"].value == "zh-hans"
    assert "设置" in client.get("/settings/").content.decode()
    assert User.objects.get(pk=user.pk).locale == "zh-hans"


def test_bad_input_shows_the_error_and_saves_nothing(client: Client, make_user) -> None:
    user = make_user(display_name="Before")
    client.force_login(user)
    response = client.post("/settings/", {**PROFILE, "country": "I1", "time_zone": "Mars/Base"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Use a two-letter country code." in body
    assert "Select a valid choice." in body
    user.refresh_from_db()
    assert user.display_name == "Before"
