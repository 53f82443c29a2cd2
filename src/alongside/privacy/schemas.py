from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field, StrictBool


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
    granted: StrictBool
    version: str | None = Field(default=None, max_length=20)


class ExportOut(Schema):
    id: str
    status: str
    created_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None
    size_bytes: int
    #: Present only while the archive can be downloaded (owner only, until it expires).
    download_url: str | None
    url: str


class EraseIn(Schema):
    password: str = Field(max_length=4096)


class EraseOut(Schema):
    status: str
    detail: str
