from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field, StrictInt

_MAX_ID = 2**63 - 1


class NotificationOut(Schema):
    id: int
    kind: str
    #: One plain-language sentence in the caller's language.
    text: str
    data: dict[str, Any]
    count: int
    read: bool
    created_at: datetime
    updated_at: datetime
    url: str


class NotificationListOut(Schema):
    items: list[NotificationOut]
    next: str | None
    unread: int


class NotificationReadIn(Schema):
    #: Absent or null: mark every notification read.
    ids: list[StrictInt] | None = Field(default=None, max_length=500)

    def validated_ids(self) -> list[int] | None:
        if self.ids is None:
            return None
        # Ids outside the database's range match nothing; leave them out of the query.
        return [i for i in self.ids if 0 < i <= _MAX_ID]


class NotificationReadOut(Schema):
    unread: int
