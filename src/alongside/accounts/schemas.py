from __future__ import annotations

from ninja import Schema
from pydantic import Field, field_validator


class RoleOut(Schema):
    role: str
    community: str


class ConsentSummaryOut(Schema):
    purpose: str
    granted: bool
    version: str | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    pronouns: str
    locale: str
    country: str
    time_zone: str
    age_band: str | None
    roles: list[RoleOut]
    pending_staff_roles: list[str]
    mfa_enabled: bool
    consents: list[ConsentSummaryOut]
    url: str


class MePatchIn(Schema):
    display_name: str | None = Field(default=None, max_length=60)
    pronouns: str | None = Field(default=None, max_length=40)
    locale: str | None = None
    country: str | None = Field(default=None, max_length=2)
    time_zone: str | None = Field(default=None, max_length=64)

    @field_validator("display_name", "pronouns")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        if value is None:
            return value
        value = value.strip()
        if any(ord(ch) < 32 or ch in "\u202e\u202d\u2066\u2067\u2068\u2069" for ch in value):
            raise ValueError("must not contain control or direction-override characters")
        return value
