"""The support payload (API.md ``support``): what a writer is shown at once, per level,
subject, country and language; hotlines beside non-hotline options; nothing of the text."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError

from alongside.safety.detection import Evidence, RiskResult
from alongside.safety.directory import DIRECTORY
from alongside.safety.support import build_support, session_fields, support_for, support_panel

pytestmark = pytest.mark.django_db

PILLS = "I've been saving my pills and I'm taking them tonight"


def result(level: str, subject: str = "self", **kwargs: Any) -> RiskResult:
    return RiskResult(level=level, subject=subject, **kwargs)


def line_ids(payload: dict[str, Any]) -> list[str]:
    return [line["id"] for line in payload["hotlines"]]


def test_nothing_is_offered_below_low(make_user: Any) -> None:
    user = make_user(country="GB")
    assert support_for(user_id=user.pk, result=result("none")) is None
    assert support_for(user_id=None, result=RiskResult()) is None


@pytest.mark.parametrize(
    ("level", "urgent", "offer"),
    [
        ("low", False, False),
        ("moderate", False, True),
        ("high", True, True),
        ("imminent", True, True),
    ],
)
def test_every_level_from_low_gets_lines_beside_non_hotline_options(
    make_user: Any, level: str, urgent: bool, offer: bool
) -> None:
    user = make_user(country="GB")
    payload = support_for(user_id=user.pk, result=result(level))
    assert payload is not None
    assert payload["level"] == level
    assert payload["subject"] == "self"
    assert payload["urgent"] is urgent
    assert payload["offer"] is offer
    assert payload["message"]
    # Crisis lines of the writer's place, with where each number comes from.
    assert payload["country"] == "GB"
    assert payload["emergency_numbers"] == ["999", "112"]
    assert line_ids(payload)[0] == "gb-samaritans"
    for line in payload["hotlines"]:
        assert line["source"].startswith("https://")
        assert line["verified_on"]
        assert line["phone"] or line["sms"] or line["url"]
    assert payload["international"], "always somewhere to turn"
    # ...and the options that are not a phone call (Wysa: most people reach for these).
    assert payload["safety_plan"] == {
        "exists": False,
        "url": "/safety-plan/edit",
        "title": payload["safety_plan"]["title"],
        "text": payload["safety_plan"]["text"],
    }
    assert payload["grounding"]["url"] == "/help/grounding/"
    assert len(payload["grounding"]["steps"]) == 5
    assert payload["talk_url"]
    assert "helping_a_friend" not in payload
    json.dumps(payload)  # JSON-able: it goes into the API response as it is


def test_imminent_and_high_say_more_urgently_than_low(make_user: Any) -> None:
    user = make_user(country="GB")
    low = support_for(user_id=user.pk, result=result("low"))
    imminent = support_for(user_id=user.pk, result=result("imminent"))
    assert low and imminent
    assert low["message"] != imminent["message"]
    assert "emergency" in imminent["message"].lower()
    assert "999" in imminent["emergency"]


def test_the_country_comes_from_the_profile_or_the_caller_or_the_site(
    make_user: Any, settings: Any
) -> None:
    settings.DEFAULT_COUNTRY = "NZ"
    in_au = make_user(country="AU")
    nowhere = make_user(country="")
    from_profile = support_for(user_id=in_au.pk, result=result("high"))
    given = support_for(user_id=in_au.pk, result=result("high"), country="ie")
    default = support_for(user_id=nowhere.pk, result=result("high"))
    assert from_profile and given and default
    assert from_profile["country"] == "AU" and from_profile["emergency_numbers"] == ["000"]
    assert line_ids(from_profile)[0] == "au-lifeline"
    assert given["country"] == "IE" and "ie-samaritans" in line_ids(given)
    assert default["country"] == "NZ" and "nz-1737" in line_ids(default)
    # A malformed country from a caller is ignored rather than trusted or fatal.
    odd = support_for(user_id=in_au.pk, result=result("high"), country="Australia!")
    assert odd and odd["country"] == "AU"


def test_a_place_without_lines_still_gets_emergency_advice_and_directories(
    make_user: Any,
) -> None:
    user = make_user(country="ZZ")
    payload = support_for(user_id=user.pk, result=result("high"))
    assert payload is not None
    assert payload["country"] == "ZZ"
    assert payload["hotlines"] == []
    assert payload["emergency_numbers"] == []
    assert "local emergency number" in payload["emergency"]
    assert {line["id"] for line in payload["international"]} == {
        line.id for line in DIRECTORY.international()
    }


def test_lines_in_the_writers_language_come_first_and_text_is_translated(
    make_user: Any,
) -> None:
    english = make_user(country="HK", locale="en")
    chinese = make_user(country="HK", locale="zh-hans")
    en = support_for(user_id=english.pk, result=result("high"))
    zh = support_for(user_id=chinese.pk, result=result("high"))
    assert en and zh
    assert en["hotlines"][0]["name"] == "18111 Mental Health Support Hotline"
    assert zh["hotlines"][0]["name"] == "18111 精神健康支援热线"
    assert zh["country_name"] == "中国香港"
    assert "香港撒玛利亚会" in [line["name"] for line in zh["hotlines"]]
    # In Canada a French speaker and an English speaker both come first to 988 (both
    # languages), and an explicit language wins over the profile.
    in_ca = make_user(country="CA", locale="en")
    french = support_for(user_id=in_ca.pk, result=result("high"), lang="fr")
    assert french and line_ids(french)[0] == "ca-988"
    in_be = make_user(country="BE", locale="en")
    dutch = support_for(user_id=in_be.pk, result=result("high"), lang="nl")
    frenchb = support_for(user_id=in_be.pk, result=result("high"), lang="fr")
    assert dutch and frenchb
    assert line_ids(dutch)[0] == "be-zelfmoordlijn-1813"
    assert line_ids(frenchb)[0] == "be-cps"


def test_young_people_see_lines_for_young_people_first(make_user: Any) -> None:
    teen = make_user(country="GB", birth_year=2011)
    adult = make_user(country="GB", birth_year=1985)
    young = support_for(user_id=teen.pk, result=result("high"))
    grown = support_for(user_id=adult.pk, result=result("high"))
    assert young and grown
    assert line_ids(young)[0] == "gb-childline"
    assert line_ids(grown)[0] == "gb-samaritans"
    assert sorted(line_ids(young)) == sorted(line_ids(grown))  # reordered, never hidden


def test_worried_about_someone_gets_ways_to_help_them(make_user: Any) -> None:
    user = make_user(country="GB")
    other = support_for(user_id=user.pk, result=result("high", subject="other"))
    mine = support_for(user_id=user.pk, result=result("high", subject="self"))
    assert other and mine
    assert other["subject"] == "other"
    friend = other["helping_a_friend"]
    text = " ".join(friend["steps"]).lower()
    assert "ask them directly" in text
    assert "listen" in text
    assert "on their behalf" in text  # a crisis line can be called for someone else
    assert friend["url"] == "/help#worried"
    assert other["message"] != mine["message"]
    assert "worried about someone" in other["message"]
    assert other["hotlines"], "lines to call for advice"


def test_a_safety_plan_is_opened_when_it_exists_and_offered_when_not(make_user: Any) -> None:
    from alongside.safety.services import safety_plan_save

    user = make_user(country="GB")
    before = support_for(user_id=user.pk, result=result("high"))
    safety_plan_save(user_id=user.pk, sections={"reasons_for_living": "The sea"})
    after = support_for(user_id=user.pk, result=result("high"))
    assert before and after
    assert before["safety_plan"]["exists"] is False
    assert before["safety_plan"]["url"] == "/safety-plan/edit"
    assert after["safety_plan"]["exists"] is True
    assert after["safety_plan"]["url"] == "/safety-plan"


def test_one_query_reads_the_profile_and_the_plan(
    make_user: Any, django_assert_num_queries: Any
) -> None:
    user = make_user(country="GB")
    with django_assert_num_queries(1):
        support_for(user_id=user.pk, result=result("imminent"))
    with django_assert_num_queries(0):
        build_support(level="high", subject="self", country="GB")


def test_nothing_of_the_text_is_in_the_payload(make_user: Any) -> None:
    user = make_user(country="GB")
    evidence = (Evidence(16, 31, "saving my pills", "test.rule", "preparatory_acts"),)
    found = result("imminent", evidence=evidence, categories=("preparatory_acts",))
    payload = support_for(user_id=user.pk, result=found)
    dumped = json.dumps(payload)
    assert "saving my pills" not in dumped
    assert "test.rule" not in dumped
    assert PILLS not in dumped


def test_a_database_failure_degrades_to_the_site_default_instead_of_raising(
    make_user: Any, settings: Any
) -> None:
    settings.DEFAULT_COUNTRY = "GB"
    user = make_user(country="AU")
    with mock.patch(
        "django.db.models.query.QuerySet.first",
        side_effect=OperationalError("connection to server was lost"),
    ):
        payload = support_for(user_id=user.pk, result=result("high"))
    assert payload is not None
    assert payload["country"] == "GB"
    assert payload["hotlines"]
    assert payload["safety_plan"]["exists"] is False


def test_it_never_raises_even_when_building_fails(make_user: Any) -> None:
    user = make_user(country="GB")
    with mock.patch(
        "alongside.safety.support._lines_for", side_effect=RuntimeError("directory broken")
    ):
        payload = support_for(user_id=user.pk, result=result("imminent"))
    assert payload is not None
    assert payload["level"] == "imminent"
    assert payload["urgent"] is True
    assert payload["help_url"].startswith("/help")
    assert payload["talk_url"]
    broken = RiskResult(level="not-a-level")
    assert support_for(user_id=user.pk, result=broken) is None


def test_the_session_keeps_only_what_the_panel_needs(make_user: Any) -> None:
    user = make_user(country="IE")
    payload = support_for(user_id=user.pk, result=result("high", subject="other"))
    kept = session_fields(payload)
    assert kept == {"level": "high", "subject": "other", "country": "IE", "plan_exists": False}
    panel = support_panel(kept)
    assert panel is not None
    assert panel["country"] == "IE" and panel["helping_a_friend"]
    # A stale or tampered session value shows nothing rather than failing.
    assert support_panel({"level": "catastrophic"}) is None
    assert support_panel({"level": "none"}) is None
    assert support_panel(None) is None
    odd = support_panel({"level": "high", "subject": "<b>", "country": "12"})
    assert odd is not None and odd["subject"] == "unknown"
