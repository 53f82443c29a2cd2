"""GET /api/v1/help/hotlines: public, shaped like every list, with clear 422s."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from alongside.safety.directory import DIRECTORY, load_directory

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
