"""The shell: every page (ours and allauth's) sits in one accessible, CSP-safe layout."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from alongside.accounts.models import User

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+=\"", re.I)


def assert_shell(body: str, path: str) -> None:
    assert 'class="skip-link" href="#main"' in body, path
    assert body.index('class="skip-link"') < body.index('class="help-now"'), path
    assert 'class="help-now" href="/help"' in body, path
    for landmark in ('<main id="main"', "<footer", "<header", "<nav"):
        assert landmark in body, (path, landmark)
    assert 'action="/i18n/setlang/"' in body, path
    assert not INLINE_SCRIPT.search(body), (path, INLINE_SCRIPT.search(body))
    assert not INLINE_STYLE.search(body), (path, INLINE_STYLE.search(body))
    assert not INLINE_HANDLER.search(body), (path, INLINE_HANDLER.search(body))


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/help",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/signup/too-young/",
        "/no-such-page/",
    ],
)
def test_visitor_pages_use_the_shell(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (200, 404), path
    assert_shell(response.content.decode(), path)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/settings/",
        "/safety-plan",
        "/safety-plan/edit",
        "/accounts/password/change/",
        "/accounts/email/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate",
        "/accounts/2fa/webauthn/add",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/sessions/",
        "/accounts/logout/",
        "/accounts/reauthenticate/",
    ],
)
def test_member_pages_use_the_shell(client: Client, make_user, path: str) -> None:
    client.force_login(make_user())
    response = client.get(path, follow=True)
    assert response.status_code == 200, path
    assert_shell(response.content.decode(), path)


def test_home_for_a_visitor_explains_and_invites(client: Client) -> None:
    body = client.get("/").content.decode()
    assert "You are not alone here." in body
    assert 'href="/accounts/signup/"' in body
    assert 'href="/accounts/login/"' in body


def test_home_for_a_member_welcomes_and_links_on(client: Client, make_user) -> None:
    client.force_login(make_user(display_name="Wren"))
    body = client.get("/").content.decode()
    assert "Welcome back, Wren." in body
    for href in ("/settings/", "/privacy/", "/help", "/safety-plan"):
        assert f'href="{href}"' in body, href


def test_language_switcher_is_a_plain_form_that_switches_to_chinese(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/help"})
    assert response.status_code == 302
    assert response["Location"] == "/help"
    body = client.get("/").content.decode()
    assert "你并不孤单" in body
    assert "立即获取帮助" in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "You are not alone here." in client.get("/").content.decode()


def test_too_young_signup_through_the_web_form_goes_to_the_kind_page(client: Client) -> None:
    import datetime

    year = datetime.date.today().year - 10
    response = client.post(
        "/accounts/signup/",
        {
            "username": "small_person",
            "password1": "a calm harbour 42",
            "birth_year": year,
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/signup/too-young/"
    assert not User.objects.filter(username="small_person").exists()
    page = client.get(response["Location"]).content.decode()
    assert "Thank you for wanting to join" in page
    assert "0800 1111" in page  # Childline
    assert "1-800-668-6868" in page  # Kids Help Phone
    assert 'href="/help"' in page


def test_web_signup_creates_a_member_and_signs_them_in(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "username": "new_member",
            "password1": "a calm harbour 42",
            "birth_year": 1995,
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(username="new_member").exists()
    assert "Welcome back, new_member." in client.get("/").content.decode()


def test_error_page_offers_help(client: Client) -> None:
    body = client.get("/no-such-page/").content.decode()
    assert "We could not find that page." in body
    assert 'href="/help"' in body


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/settings/filters/", "/privacy/erase/", "/p/1/react/"])
def test_a_form_address_opened_in_the_browser_is_a_page_not_an_empty_405(
    client: Client, make_user, path: str
) -> None:
    client.force_login(make_user("form_opener"))
    response = client.get(path)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    body = response.content.decode()
    assert "This address is for a form" in body
    assert 'href="/help"' in body
    assert_shell(body, path)


@pytest.mark.django_db
def test_a_page_sent_a_method_it_does_not_take_says_so_without_blaming_a_form(
    client: Client,
) -> None:
    response = client.post("/tags/")
    assert response.status_code == 405
    assert "POST" not in response["Allow"]
    body = response.content.decode()
    assert "This page cannot take that kind of request." in body
    assert "This address is for a form" not in body


@pytest.mark.django_db
def test_the_api_keeps_its_json_405(client: Client) -> None:
    response = client.get("/api/v1/notifications/read")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
