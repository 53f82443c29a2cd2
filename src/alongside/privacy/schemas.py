from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field


class ConsentHistoryOut(Schema):
    granted: bool
    version: str
    source: str
    at: datetime


class ConsentOut(Schema):
    purpose: str
    label: str
    description: str
    current_version: str
    granted: bool
    version: str | None
    updated_at: datetime | None
    history: list[ConsentHistoryOut]


class ConsentIn(Schema):
    granted: bool
    version: str | None = Field(default=None, max_length=20)
