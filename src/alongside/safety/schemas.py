from __future__ import annotations

import datetime

from ninja import Field, Schema

from alongside.safety.plan import SECTION_MAX_LENGTH


class HotlineOut(Schema):
    id: str
    country: str | None
    name: str
    phone: str | None
    other_phones: list[str]
    sms: str | None
    sms_keyword: str | None
    email: str | None
    url: str | None
    languages: list[str]
    open_24_7: bool
    hours: str | None
    audience: str
    description: str
    source: str
    verified_on: datetime.date
    #: The country's emergency number (ambulance/police); null for international directories.
    emergency: str | None


class HotlineList(Schema):
    items: list[HotlineOut]
    next: str | None = None
    country: str
    #: Every emergency number of the country, the usual one first; empty when not in the directory.
    emergency_numbers: list[str]


class SafetyPlanIn(Schema):
    warning_signs: str = Field("", max_length=SECTION_MAX_LENGTH)
    coping_strategies: str = Field("", max_length=SECTION_MAX_LENGTH)
    distractions: str = Field("", max_length=SECTION_MAX_LENGTH)
    people_to_ask: str = Field("", max_length=SECTION_MAX_LENGTH)
    professionals: str = Field("", max_length=SECTION_MAX_LENGTH)
    environment_safety: str = Field("", max_length=SECTION_MAX_LENGTH)
    reasons_for_living: str = Field("", max_length=SECTION_MAX_LENGTH)


class SafetyPlanOut(Schema):
    warning_signs: str
    coping_strategies: str
    distractions: str
    people_to_ask: str
    professionals: str
    environment_safety: str
    reasons_for_living: str
    updated_at: datetime.datetime | None
    url: str
