"""POST /api/v1/safety/assess: the composer's draft check. The caller's own text is assessed
and forgotten (no row anywhere, no log line); bad input is a 4xx naming the field; help is
never withheld, not even by the rate limit or an engine failure."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings

from alongside.safety import support_api
from alongside.safety.detection import RiskResult
from tests.conftest import auth

pytestmark = pytest.mark.django_db

URL = "/api/v1/safety/assess"
#: Minimal and respectful: words of despair, no method. The interim and the real engine both
#: put this at `high` or above.
DISTRESS = "I just want to die, I can't keep going"
CALM = "Had a quiet walk by the river today and it helped."


def check(client: Client, token: str | None, body: Any, **extra: Any) -> Any:
    headers = auth(token) if token else {}
    return client.post(URL, body, content_type="application/json", **headers, **extra)


def table_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def rows_containing(phrase: str) -> list[str]:
    """Tables with any text column holding ``phrase`` (encrypted columns would not match, and
    nothing here should write to them anyway)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")
            for row in cursor.fetchall():
                if any(isinstance(value, str) and phrase in value for value in row):
                    found.append(table)
                    break
    return found


def test_a_signed_out_caller_gets_a_401_in_the_error_shape(client: Client) -> None:
    response = check(client, None, {"text": DISTRESS})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert set(response.json()) <= {"detail", "code", "field"}


def test_distress_returns_the_level_and_support_for_the_callers_country(
    client: Client, make_member: Any
) -> None:
    member = make_member()
    client.patch(
        "/api/v1/me", {"country": "IE"}, content_type="application/json", **auth(member["token"])
    )
    response = check(client, member["token"], {"text": DISTRESS})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["level"] in ("high", "imminent")
    support = data["support"]
    assert support["level"] == data["level"]
    assert support["country"] == "IE"
    assert support["offer"] is True
    assert "ie-samaritans" in [line["id"] for line in support["hotlines"]]
    assert support["safety_plan"]["url"] and support["grounding"]["url"] and support["talk_url"]


def test_calm_text_gets_no_support(client: Client, make_member: Any) -> None:
    token = make_member()["token"]
    data = check(client, token, {"text": CALM}).json()
    assert data == {"level": "none", "support": None}


def test_the_draft_is_assessed_as_a_draft_in_the_given_language(
    client: Client, make_member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def fake_assess(text: str, *, lang: str | None = None, surface: str = "post") -> RiskResult:
        seen.update(text=text, lang=lang, surface=surface)
        return RiskResult(level="moderate", subject="self", lang=lang or "en")

    monkeypatch.setattr(support_api, "assess", fake_assess)
    token = make_member()["token"]
    data = check(client, token, {"text": "今天很难熬", "lang": "zh-Hans"}).json()
    assert seen == {"text": "今天很难熬", "lang": "zh-hans", "surface": "draft"}
    assert data["level"] == "moderate"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "text", "invalid"),
        ({"text": ""}, "text", "required"),
        ({"text": "   \n  "}, "text", "required"),
        ({"text": "x" * (support_api.TEXT_MAX + 1)}, "text", "invalid"),
        ({"text": ["a", "list"]}, "text", "invalid"),
        ({"text": "hello", "lang": "<script>"}, "lang", "invalid"),
        ({"text": "hello", "lang": "x" * 17}, "lang", "invalid"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: Client, make_member: Any, body: dict[str, Any], field: str, code: str
) -> None:
    token = make_member()["token"]
    response = check(client, token, body)
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["field"] == field
    assert data["code"] == code
    assert data["detail"]


def test_a_body_that_is_not_an_object_is_refused(client: Client, make_member: Any) -> None:
    token = make_member()["token"]
    for raw in ('"just text"', "[1, 2]", "{not json"):
        response = client.post(URL, raw, content_type="application/json", **auth(token))
        assert 400 <= response.status_code < 500, raw
        assert {"detail", "code"} <= set(response.json())


def test_the_longest_post_length_is_accepted(client: Client, make_member: Any) -> None:
    token = make_member()["token"]
    long_text = ("A long day. " * 2000)[: support_api.TEXT_MAX]
    assert check(client, token, {"text": long_text}).status_code == 200


def test_nothing_is_stored_and_nothing_is_logged(
    client: Client, make_member: Any, caplog: pytest.LogCaptureFixture
) -> None:
    token = make_member()["token"]
    phrase = "saving my pills and taking them tonight, said the unsent draft"
    check(client, token, {"text": "warm-up"})  # first-request writes (sessions) happen here
    before = table_counts()
    with caplog.at_level(logging.DEBUG):
        for text in (phrase, DISTRESS, CALM):
            assert check(client, token, {"text": text}).status_code == 200
    after = table_counts()
    changed = {
        table: (before[table], after[table]) for table in after if before[table] != after[table]
    }
    assert changed == {}, f"the draft check wrote rows: {changed}"
    assert rows_containing("unsent draft") == []
    assert "unsent draft" not in caplog.text
    assert "want to die" not in caplog.text


def test_the_browser_composer_needs_the_csrf_token(make_user: Any) -> None:
    user = make_user(country="GB")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    refused = browser.post(URL, {"text": DISTRESS}, content_type="application/json")
    assert refused.status_code == 403
    browser.get("/help")  # any page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    allowed = browser.post(
        URL, {"text": DISTRESS}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert allowed.status_code == 200, allowed.content
    assert allowed.json()["support"]["country"] == "GB"


def test_over_the_limit_the_text_is_not_checked_but_support_still_comes(
    client: Client, make_member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(support_api, "CHECKS_PER_MINUTE", 2)
    token = make_member()["token"]
    answers = [check(client, token, {"text": f"{DISTRESS} ({n})"}) for n in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    assert answers[0].json()["level"] in ("high", "imminent")
    limited = answers[3].json()
    assert limited["level"] is None
    assert limited["support"]["hotlines"] or limited["support"]["international"]
    assert limited["support"]["help_url"].startswith("/help")
    # Another person is not affected by someone else's checks.
    other = make_member()["token"]
    assert check(client, other, {"text": DISTRESS}).json()["level"] in ("high", "imminent")


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "alongside.core.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:6390/0",  # nothing listens here
        }
    }
)
def test_the_check_works_when_redis_is_unreachable(client: Client, make_member: Any) -> None:
    token = make_member()["token"]
    for _ in range(3):
        response = check(client, token, {"text": DISTRESS})
        assert response.status_code == 200
        assert response.json()["level"] in ("high", "imminent")


def test_an_engine_failure_still_answers_with_support(
    client: Client, make_member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> RiskResult:
        raise RuntimeError("engine bug")

    monkeypatch.setattr(support_api, "assess", broken)
    token = make_member()["token"]
    response = check(client, token, {"text": DISTRESS})
    assert response.status_code == 200
    assert response.json()["level"] is None
    assert response.json()["support"]["help_url"].startswith("/help")
