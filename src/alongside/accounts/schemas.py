from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field, StrictBool, field_validator

from alongside.accounts.models import Block

#: "HH:MM", 24-hour clock, in the person's own time zone.
CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class RoleOut(Schema):
    role: str
    community: str


class ConsentSummaryOut(Schema):
    purpose: str
    granted: bool
    version: str | None


class QuietHoursOut(Schema):
    start: str
    end: str


class PreferencesOut(Schema):
    #: Every topic with the choice in effect (absent choices are "collapse"; teens never "show").
    topic_filters: dict[str, str]
    muted_words: list[str]
    #: Every kind a person can switch off, with whether it is on.
    notify: dict[str, bool]
    quiet_hours: QuietHoursOut | None


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
    preferences: PreferencesOut
    url: str


class QuietHoursIn(Schema):
    """Both times or neither (``null`` for both, or ``quiet_hours: null``, switches them off)."""

    start: str | None = Field(default=None, pattern=CLOCK_PATTERN)
    end: str | None = Field(default=None, pattern=CLOCK_PATTERN)

    def as_times(self) -> tuple[datetime.time | None, datetime.time | None]:
        return (
            datetime.time.fromisoformat(self.start) if self.start else None,
            datetime.time.fromisoformat(self.end) if self.end else None,
        )


class MePatchIn(Schema):
    display_name: str | None = Field(default=None, max_length=60)
    pronouns: str | None = Field(default=None, max_length=40)
    locale: str | None = None
    country: str | None = Field(default=None, max_length=2)
    time_zone: str | None = Field(default=None, max_length=64)
    topic_filters: dict[str, str] | None = Field(default=None, max_length=50)
    # The service caps the number of distinct words; this caps the size of the request.
    muted_words: list[str] | None = Field(default=None, max_length=200)
    notify: dict[str, StrictBool] | None = Field(default=None, max_length=20)
    quiet_hours: QuietHoursIn | None = None

    @field_validator("display_name", "pronouns")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        if value is None:
            return value
        value = value.strip()
        if any(ord(ch) < 32 or ch in "\u202e\u202d\u2066\u2067\u2068\u2069" for ch in value):
            raise ValueError("must not contain control or direction-override characters")
        return value


class BlockIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    kind: str = Field(default="block", json_schema_extra={"enum": list(Block.Kind.values)})


class BlockOut(Schema):
    username: str
    display_name: str
    kind: str
    created_at: datetime.datetime


class BlockListOut(Schema):
    items: list[BlockOut]
    next: str | None


class FutureSelfIn(Schema):
    """The whole option, both fields required. ``hold_hours`` 0 (off) to 72;
    ``trusted_username`` null (or "") for nobody, so that leaving it out cannot end the
    arrangement by accident. A shorter hold takes effect only after the current one
    (decision 0013)."""

    hold_hours: int = Field(ge=0, le=72, strict=True)
    trusted_username: str | None = Field(max_length=150)


class ScheduledHoldOut(Schema):
    hold_hours: int
    takes_effect_at: datetime.datetime


class TrustedPersonOut(Schema):
    username: str
    display_name: str
    #: "asked" until they accept, then "accepted"
    status: str
    since: datetime.datetime | None


class FutureSelfOut(Schema):
    #: The hold in effect now (0: new posts are published at once).
    hold_hours: int
    #: A shorter hold (or 0) already chosen, and when it takes effect.
    scheduled: ScheduledHoldOut | None
    trusted: TrustedPersonOut | None
    #: People who asked me to be their trusted person, and those I agreed to.
    trusted_by: list[TrustedPersonOut]
    url: str


class TrustedByListOut(Schema):
    items: list[TrustedPersonOut]
    next: str | None = None
