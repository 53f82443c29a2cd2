"""The help page is a crisis path: it works logged out, in both languages, with no database,
cache or Redis, and is never rate-limited."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

from alongside.safety.directory import DIRECTORY


def test_help_page_works_logged_out_without_touching_the_database(client: Client) -> None:
    # No `db` fixture: pytest-django makes any database query raise, so this passing proves
    # the page (crisis lines, emergency number, shell) needs no database for a visitor.
    response = client.get("/help?country=GB")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Samaritans" in body
    assert 'href="tel:116123"' in body
    assert 'href="tel:999"' in body


@pytest.mark.django_db
def test_help_page_in_english_shows_default_country_lines_and_a_chooser(
    client: Client, settings
) -> None:
    settings.DEFAULT_COUNTRY = "US"
    response = client.get("/help")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Get help now</h1>" in body
    assert "988 Suicide &amp; Crisis Lifeline" in body
    assert 'href="tel:911"' in body
    assert 'name="country"' in body
    assert "Show crisis lines for" in body
    # Non-hotline options stand next to the hotlines.
    assert "5-4-3-2-1" in body
    assert "Talk to someone here" in body
    assert "Worried about someone?" in body
    assert 'href="/accounts/signup/"' in body


@pytest.mark.django_db
def test_help_page_in_simplified_chinese_is_translated(client: Client) -> None:
    client.cookies["django_language"] = "zh-hans"
    response = client.get("/help?country=CN")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in body
    assert "<h1>立即获取帮助</h1>" in body
    assert "全国统一心理援助热线 12356" in body
    assert "北京心理危机研究与干预中心" in body
    assert "接地练习" in body
    assert "Get help now" not in body


@pytest.mark.django_db
def test_help_page_by_accept_language_header(client: Client) -> None:
    response = client.get("/help?country=HK", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    body = response.content.decode()
    assert "立即获取帮助" in body
    assert "香港撒玛利亚会" in body


@pytest.mark.django_db
def test_help_page_uses_the_members_country(client: Client, make_user) -> None:
    client.force_login(make_user(country="AU"))
    body = client.get("/help").content.decode()
    assert "Lifeline Australia" in body
    assert 'href="tel:000"' in body


@pytest.mark.django_db
def test_a_chosen_country_wins_over_the_profile(client: Client, make_user) -> None:
    client.force_login(make_user(country="AU"))
    body = client.get("/help?country=gb").content.decode()
    assert "Samaritans" in body
    assert "Lifeline Australia" not in body


@pytest.mark.django_db
def test_help_page_links_a_member_to_their_safety_plan(client: Client, make_user) -> None:
    client.force_login(make_user())
    body = client.get("/help").content.decode()
    assert 'href="/safety-plan/edit"' in body  # no plan yet: an invitation to make one


@pytest.mark.django_db
def test_help_page_still_shows_crisis_lines_when_member_data_cannot_be_read(
    client: Client, make_user
) -> None:
    client.force_login(make_user(country="GB"))
    with mock.patch(
        "alongside.safety.selectors.safety_plan_exists",
        side_effect=OperationalError("connection to server was lost"),
    ):
        response = client.get("/help?country=GB")
    assert response.status_code == 200
    assert "Samaritans" in response.content.decode()


@pytest.mark.django_db
def test_unknown_country_gets_emergency_advice_and_international_directories(
    client: Client,
) -> None:
    response = client.get("/help?country=ZZ")
    body = response.content.decode()
    assert response.status_code == 200
    assert "call your local emergency number" in body.lower()
    for line in DIRECTORY.international():
        assert line.url in body


@pytest.mark.django_db
def test_malformed_country_is_explained_and_the_default_lines_still_show(
    client: Client, settings
) -> None:
    settings.DEFAULT_COUNTRY = "GB"
    response = client.get("/help?country=United+Kingdom")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Please choose a country from the list." in body
    assert 'aria-invalid="true"' in body
    assert "Samaritans" in body


@pytest.mark.django_db
@override_settings(
    CACHES={
        "default": {
            "BACKEND": "alongside.core.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:6390/0",  # nothing listens here
        }
    }
)
def test_help_page_and_hotline_api_work_when_redis_is_unreachable(client: Client) -> None:
    from django.core.cache import cache

    # The cache really is the unreachable Redis, and it degrades instead of raising.
    assert cache.get("probe") is None
    page = client.get("/help?country=GB")
    api = client.get("/api/v1/help/hotlines?country=GB")
    assert page.status_code == 200
    assert "Samaritans" in page.content.decode()
    assert api.status_code == 200
    assert api.json()["items"]


@pytest.mark.django_db
def test_help_page_is_never_rate_limited(client: Client) -> None:
    statuses = {client.get("/help?country=GB").status_code for _ in range(60)}
    statuses |= {client.get("/api/v1/help/hotlines?country=GB").status_code for _ in range(60)}
    assert statuses == {200}


@pytest.mark.django_db
def test_help_page_answers_with_a_trailing_slash_too(client: Client) -> None:
    assert client.get("/help/").status_code == 200


@pytest.mark.django_db
def test_help_renders_for_a_signed_in_member_while_the_database_is_unreachable(
    make_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError
    from django.test import Client

    # A real server answers instead of re-raising into the caller like the test client does.
    client = Client(raise_request_exception=False)
    client.force_login(make_user(country="GB"))

    def unreachable(self, *args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr(SessionStore, "load", unreachable)
    response = client.get("/help")
    assert response.status_code == 200
    assert b"Samaritans" in response.content or b"988" in response.content
    assert response.headers["Content-Security-Policy"]
