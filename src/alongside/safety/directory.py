"""The crisis-line directory: a reviewed data file (``data/hotlines.json``) loaded at import.

The help page reads only from here, never from the database, the cache or the network, so it
keeps working when any of them is down. How entries are checked: docs/decisions/0005.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "hotlines.json"
AUDIENCES = frozenset({"everyone", "young_people"})
_COUNTRY_RE = re.compile(r"^[A-Za-z]{2}$")
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


class DirectoryError(ValueError):
    """The data file is malformed: refuse to start rather than show a broken crisis line."""


@dataclass(frozen=True)
class Country:
    code: str
    emergency: tuple[str, ...]
    names: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or self.code

    @property
    def emergency_number(self) -> str:
        return self.emergency[0]


@dataclass(frozen=True)
class Hotline:
    id: str
    country: str | None
    name: str
    names: dict[str, str]
    phone: str
    other_phones: tuple[str, ...]
    sms: str
    sms_keyword: str
    email: str
    url: str
    languages: tuple[str, ...]
    open_24_7: bool
    hours: dict[str, str]
    description: dict[str, str]
    audience: str
    source: str
    verified_on: datetime.date

    def display_name(self, lang: str) -> str:
        return self.names.get(lang) or self.name

    def hours_text(self, lang: str) -> str:
        return self.hours.get(lang) or self.hours.get("en", "")

    def description_text(self, lang: str) -> str:
        return self.description.get(lang) or self.description.get("en", "")

    def speaks(self, lang: str) -> bool:
        base = language_base(lang)
        return base in self.languages or (base == "zh" and "yue" in self.languages)

    @property
    def tel(self) -> str:
        """The number as a ``tel:`` target (digits and a leading plus only)."""
        return _dial(self.phone)

    @property
    def sms_target(self) -> str:
        return _dial(self.sms)

    @property
    def other_tels(self) -> list[tuple[str, str]]:
        """``other_phones`` as (shown, ``tel:`` target) pairs: "(011) 5275-1135" dials as
        digits only."""
        return [(number, _dial(number)) for number in self.other_phones]


@dataclass(frozen=True)
class Directory:
    countries: dict[str, Country]
    lines: tuple[Hotline, ...]

    def country(self, code: str) -> Country | None:
        return self.countries.get(code.upper())

    def for_country(self, code: str, lang: str = "en") -> list[Hotline]:
        """Lines of one country, those in the visitor's language first (never hiding others:
        a line in another language is still better than none)."""
        code = code.upper()
        found = [line for line in self.lines if line.country == code]
        return sorted(found, key=lambda line: (not line.speaks(lang), line.audience != "everyone"))

    def international(self) -> list[Hotline]:
        return [line for line in self.lines if line.country is None]

    def for_young_people(self) -> list[Hotline]:
        return [line for line in self.lines if line.audience == "young_people"]

    def country_choices(self, lang: str) -> list[tuple[str, str]]:
        return sorted(
            ((c.code, c.name(lang)) for c in self.countries.values()), key=lambda item: item[1]
        )


def _dial(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit() or ch == "+")


def language_base(lang: str) -> str:
    """``zh-hans`` → ``zh``, ``en-GB`` → ``en``."""
    return lang.replace("_", "-").split("-")[0].lower()


def normalize_country(value: str) -> str:
    """Two ASCII letters, upper-cased; raises ValueError otherwise."""
    value = value.strip()
    if not _COUNTRY_RE.match(value) or not value.isascii():
        raise ValueError("not a two-letter country code")
    return value.upper()


def valid_language(value: str) -> bool:
    return bool(_LANG_RE.match(value))


def _text_map(raw: Any, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise DirectoryError(f"{where}: expected a map of language → text")
    return dict(raw)


def _required(raw: dict[str, Any], key: str, where: str) -> Any:
    value = raw.get(key)
    if value in (None, "", []):
        raise DirectoryError(f"{where}: {key} is required")
    return value


def _line(raw: dict[str, Any], countries: dict[str, Country]) -> Hotline:
    where = f"line {raw.get('id', '?')}"
    country = raw.get("country")
    if country is not None and country not in countries:
        raise DirectoryError(f"{where}: country {country} has no entry in 'countries'")
    if not (raw.get("phone") or raw.get("sms") or raw.get("url")):
        raise DirectoryError(f"{where}: needs at least a phone, an sms number or a url")
    source = _required(raw, "source", where)
    if not str(source).startswith(("https://", "http://")):
        raise DirectoryError(f"{where}: source must be the service's own web address")
    try:
        verified_on = datetime.date.fromisoformat(_required(raw, "verified_on", where))
    except (TypeError, ValueError) as exc:
        raise DirectoryError(f"{where}: verified_on must be an ISO date") from exc
    audience = raw.get("audience", "everyone")
    if audience not in AUDIENCES:
        raise DirectoryError(f"{where}: unknown audience {audience!r}")
    languages = tuple(_required(raw, "languages", where))
    description = _text_map(raw.get("description"), where)
    if "en" not in description:
        raise DirectoryError(f"{where}: description needs English at least")
    return Hotline(
        id=str(_required(raw, "id", where)),
        country=country,
        name=str(_required(raw, "name", where)),
        names=_text_map(raw.get("names"), where),
        phone=str(raw.get("phone") or ""),
        other_phones=tuple(raw.get("other_phones") or ()),
        sms=str(raw.get("sms") or ""),
        sms_keyword=str(raw.get("sms_keyword") or ""),
        email=str(raw.get("email") or ""),
        url=str(raw.get("url") or ""),
        languages=languages,
        open_24_7=bool(raw.get("open_24_7", False)),
        hours=_text_map(raw.get("hours"), where),
        description=description,
        audience=audience,
        source=str(source),
        verified_on=verified_on,
    )


def load_directory(path: Path = DATA_FILE) -> Directory:
    raw = json.loads(path.read_text(encoding="utf-8"))
    countries: dict[str, Country] = {}
    for code, spec in raw.get("countries", {}).items():
        if not _COUNTRY_RE.match(code) or code != code.upper():
            raise DirectoryError(f"country {code!r}: use an upper-case ISO 3166-1 alpha-2 code")
        emergency = tuple(spec.get("emergency") or ())
        if not emergency:
            raise DirectoryError(f"country {code}: an emergency number is required")
        names = _text_map(spec.get("names"), f"country {code}")
        countries[code] = Country(code=code, emergency=emergency, names=names)
    lines = tuple(_line(item, countries) for item in raw.get("lines", []))
    ids = [line.id for line in lines]
    if len(ids) != len(set(ids)):
        raise DirectoryError("line ids must be unique")
    return Directory(countries=countries, lines=lines)


#: Loaded once at import: the help page never waits on I/O to show a crisis line.
DIRECTORY = load_directory()
