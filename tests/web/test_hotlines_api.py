"""GET /api/v1/help/hotlines: public, shaped like every list, with clear 422s."""

from __future__ import annotations

import datetime
import json
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from alongside.safety.directory import AUDIENCES, DATA_FILE, DIRECTORY, load_directory

#: Issue 4: at least these countries and regions, each with lines and an emergency number.
REQUIRED_COUNTRIES = [
    *("US", "CA", "GB", "IE", "AU", "NZ", "CN", "HK", "TW", "SG", "JP", "KR", "IN", "DE", "FR"),
    *("ES", "IT", "NL", "BE", "SE", "NO", "DK", "FI", "BR", "MX", "AR", "ZA", "PH", "MY"),
]
#: Every key a line may have (decision 0005); a misspelt key would silently drop a detail.
LINE_KEYS = {
    "id", "country", "name", "names", "phone", "other_phones", "sms", "sms_keyword", "email",
    "url", "languages", "open_24_7", "hours", "description", "audience", "source", "verified_on",
}  # fmt: skip
_NUMBER = re.compile(r"^\+?[0-9(][0-9 ()\-]*[0-9]$")

FIELDS = {
    "id",
    "country",
    "name",
    "phone",
    "other_phones",
    "sms",
    "sms_keyword",
    "email",
    "url",
    "languages",
    "open_24_7",
    "hours",
    "audience",
    "description",
    "source",
    "verified_on",
    "emergency",
}


def test_hotlines_for_gb_have_the_documented_shape(client: Client) -> None:
    response = client.get("/api/v1/help/hotlines?country=GB&lang=en")
    assert response.status_code == 200
    data = response.json()
    assert data["next"] is None
    assert data["country"] == "GB"
    assert data["emergency_numbers"] == ["999", "112"]
    first = data["items"][0]
    assert set(first) == FIELDS
    assert first["name"] == "Samaritans"
    assert first["phone"] == "116 123"
    assert first["emergency"] == "999"
    assert first["source"].startswith("https://")
    datetime.date.fromisoformat(first["verified_on"])
    # International directories come last, so there is always somewhere to turn.
    assert data["items"][-1]["country"] is None
    assert data["items"][-1]["emergency"] is None


def test_lowercase_country_is_accepted(client: Client) -> None:
    assert client.get("/api/v1/help/hotlines?country=ie").json()["country"] == "IE"


def test_language_puts_matching_lines_first_and_translates_names(client: Client) -> None:
    data = client.get("/api/v1/help/hotlines?country=HK&lang=zh-hans").json()
    names = [item["name"] for item in data["items"]]
    assert names[0] == "18111 精神健康支援热线"
    assert "香港撒玛利亚会" in names
    english = client.get("/api/v1/help/hotlines?country=HK&lang=en").json()
    assert english["items"][0]["name"] == "18111 Mental Health Support Hotline"


def test_unknown_but_well_formed_country_gets_international_directories(client: Client) -> None:
    data = client.get("/api/v1/help/hotlines?country=ZZ").json()
    assert data["country"] == "ZZ"
    assert data["emergency_numbers"] == []
    assert data["items"]
    assert all(item["country"] is None for item in data["items"])


@pytest.mark.parametrize("bad", ["G", "GBR", "1A", "G-", "ÄÖ"])
def test_bad_country_is_a_422_naming_the_field(client: Client, bad: str) -> None:
    response = client.get("/api/v1/help/hotlines", {"country": bad})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "country"
    assert body["code"] == "invalid"
    assert body["detail"]


def test_bad_language_is_a_422_naming_the_field(client: Client) -> None:
    response = client.get("/api/v1/help/hotlines", {"country": "GB", "lang": "<script>"})
    assert response.status_code == 422
    assert response.json()["field"] == "lang"


def test_without_a_country_the_site_default_is_used(client: Client, settings) -> None:
    settings.DEFAULT_COUNTRY = "NZ"
    assert client.get("/api/v1/help/hotlines").json()["country"] == "NZ"


def test_every_directory_entry_is_complete_and_verified() -> None:
    assert DIRECTORY.lines, "the directory is empty"
    for line in DIRECTORY.lines:
        assert line.phone or line.sms or line.url, line.id
        assert line.source.startswith(("https://", "http://")), line.id
        assert line.verified_on <= datetime.date.today() + datetime.timedelta(days=1), line.id
        assert line.languages, line.id
        assert line.description.get("en"), line.id
        assert line.description.get("zh-hans"), line.id
        assert line.names.get("zh-hans"), line.id
        assert line.open_24_7 or line.hours or line.url, line.id
        if line.country is not None:
            country = DIRECTORY.country(line.country)
            assert country is not None, line.id
            assert country.emergency, line.id
    for country in DIRECTORY.countries.values():
        assert country.names.get("en"), country.code
        assert country.names.get("zh-hans"), country.code
        assert DIRECTORY.for_country(country.code), f"{country.code} has no lines"


def test_the_services_named_in_the_brief_are_present() -> None:
    phones = {(line.country, line.phone) for line in DIRECTORY.lines}
    for expected in [
        ("US", "988"),
        ("CA", "988"),
        ("GB", "116 123"),
        ("IE", "116 123"),
        ("AU", "13 11 14"),
        ("NZ", "1737"),
        ("CN", "010-82951332"),
        ("CN", "12356"),
        ("HK", "2896 0000"),
        ("DE", "0800 111 0 111"),
        ("FR", "3114"),
        ("IN", "14416"),
    ]:
        assert expected in phones, expected


def test_a_malformed_directory_refuses_to_load(tmp_path) -> None:
    from alongside.safety.directory import DirectoryError

    broken = tmp_path / "hotlines.json"
    broken.write_text(
        '{"countries": {"GB": {"emergency": ["999"], "names": {"en": "UK"}}},'
        ' "lines": [{"id": "x", "country": "GB", "name": "X", "phone": "1",'
        ' "languages": ["en"], "description": {"en": "x"}, "source": "https://x.example/"}]}'
    )
    with pytest.raises(DirectoryError, match="verified_on"):
        load_directory(broken)


def test_every_country_named_in_the_issue_has_lines_and_an_emergency_number() -> None:
    assert len(DIRECTORY.countries) >= 30
    for code in REQUIRED_COUNTRIES:
        place = DIRECTORY.country(code)
        assert place is not None, f"{code} is missing from the directory"
        assert place.emergency, code
        assert all(number.isdigit() for number in place.emergency), code
        assert DIRECTORY.for_country(code), f"{code} has no crisis lines"


def test_every_line_in_the_file_has_every_required_field() -> None:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    today = datetime.date.today()
    for entry in raw["lines"]:
        where = entry.get("id", "?")
        assert set(entry) <= LINE_KEYS, (where, set(entry) - LINE_KEYS)
        for key in ("id", "name", "names", "languages", "description", "source", "verified_on"):
            assert entry.get(key), (where, key)
        assert "country" in entry, where
        # Reachable somehow, and the ways to reach it look like what they are.
        assert entry.get("phone") or entry.get("sms") or entry.get("url"), where
        for number in [entry.get("phone"), entry.get("sms"), *entry.get("other_phones", [])]:
            if number:
                assert _NUMBER.match(number), (where, number)
        if entry.get("sms_keyword"):
            assert entry.get("sms"), where
        # Opening hours are stated: round the clock, hours in both languages, or a website
        # that has them (the page then says "see the website for opening hours").
        if not entry.get("open_24_7"):
            hours = entry.get("hours") or {}
            assert (hours.get("en") and hours.get("zh-hans")) or entry.get("url"), where
        assert entry["description"].get("en") and entry["description"].get("zh-hans"), where
        assert entry["names"].get("zh-hans"), where
        assert entry.get("audience", "everyone") in AUDIENCES, where
        for code in entry["languages"]:
            assert re.fullmatch(r"[a-z]{2,3}", code), (where, code)
        # The source is the service's own web address, and its website (if listed) too.
        source = urlsplit(entry["source"])
        assert source.scheme in ("https", "http") and source.netloc, where
        if entry.get("url"):
            assert urlsplit(entry["url"]).netloc == source.netloc, where
        checked = datetime.date.fromisoformat(entry["verified_on"])
        assert datetime.date(2026, 1, 1) <= checked <= today + datetime.timedelta(days=1), where
        prefix = (entry["country"] or "int").lower()
        assert entry["id"].startswith(f"{prefix}-"), where


def test_every_dialled_number_is_digits_only() -> None:
    for line in DIRECTORY.lines:
        if line.phone:
            assert re.fullmatch(r"\+?[0-9]+", line.tel), line.id
        if line.sms:
            assert re.fullmatch(r"\+?[0-9]+", line.sms_target), line.id
        for shown, dialled in line.other_tels:
            assert re.fullmatch(r"\+?[0-9]+", dialled), (line.id, shown)


@pytest.mark.parametrize("code", REQUIRED_COUNTRIES)
def test_the_api_answers_for_every_required_country(client: Client, code: str) -> None:
    data = client.get(f"/api/v1/help/hotlines?country={code}&lang=en").json()
    assert data["country"] == code
    assert data["emergency_numbers"]
    local = [item for item in data["items"] if item["country"] == code]
    assert local, code
    for item in local:
        assert set(item) == FIELDS
        assert item["source"] and item["verified_on"] and item["description"]
        assert item["emergency"] == data["emergency_numbers"][0]


def test_chinese_text_for_new_countries() -> None:
    data_names = {c.code: c.name("zh-hans") for c in DIRECTORY.countries.values()}
    assert data_names["TW"] == "中国台湾"
    assert data_names["JP"] == "日本"
    assert DIRECTORY.for_country("TW", "zh")[0].display_name("zh-hans") == "1925 安心专线"
