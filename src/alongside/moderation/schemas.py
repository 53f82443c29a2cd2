"""Request and response shapes of the moderation API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field, StrictInt

from alongside.moderation.actions import COMMANDS
from alongside.moderation.models import ReportReason, WatchedWord
from alongside.moderation.services import REPORT_TARGETS


class ReportIn(Schema):
    target_type: str = Field(max_length=16, json_schema_extra={"enum": list(REPORT_TARGETS)})
    #: a post or thread number, or a username
    target_id: StrictInt | str
    reason: str = Field(max_length=32, json_schema_extra={"enum": list(ReportReason.values)})
    note: str | None = Field(default=None, max_length=4000)


class ReportAccepted(Schema):
    status: str
    detail: str


class MyReportOut(Schema):
    id: int
    target_type: str
    target_id: str
    reason: str
    reason_label: str
    created_at: datetime
    #: received, action_taken or no_action
    outcome: str


class MyReportList(Schema):
    items: list[MyReportOut]
    next: str | None


class ItemOut(Schema):
    id: int
    url: str
    target_type: str
    target_id: str
    community: str
    state: str
    resolution: str
    safety_first: bool
    severity: int
    held: bool
    created_at: datetime
    updated_at: datetime
    claimed: bool
    claimed_by_me: bool
    claimed_by_other: bool
    flag_kinds: list[str]
    report_reasons: dict[str, int]
    excerpt: str
    content_warning: list[str]
    post_status: str | None
    thread_title: str


class QueueOut(Schema):
    items: list[ItemOut]
    next: str | None
    open: int
    safety_first: int


class ItemDetailOut(ItemOut):
    flags: list[dict[str, Any]]
    reports: list[dict[str, Any]]
    post: dict[str, Any] | None
    author: dict[str, Any] | None
    history: list[dict[str, Any]]
    prior_actions: list[dict[str, Any]]
    anonymous_author_hidden: bool


class ActionIn(Schema):
    action: str = Field(max_length=40, json_schema_extra={"enum": list(COMMANDS)})
    reason: str = Field(default="", max_length=4000)
    #: add_content_warning
    topics: list[str] | None = Field(default=None, max_length=20)
    text: str | None = Field(default=None, max_length=1000)
    #: edit_with_note
    body: str | None = Field(default=None, max_length=40000)
    #: move
    community: str | None = Field(default=None, max_length=80)
    #: slow_mode
    seconds: StrictInt | None = None
    #: mute
    hours: StrictInt | None = None
    #: suspend
    days: StrictInt | None = None

    def params(self) -> dict[str, Any]:
        return {
            k: v for k, v in self.dict().items() if k not in ("action", "reason") and v is not None
        }


class ActionOut(Schema):
    id: int
    action: str
    item_state: str
    follow_ups: list[str]
    #: reveal_anonymous_author: who wrote it
    author: dict[str, Any] | None = None
    until: str | None = None


class AppealIn(Schema):
    text: str = Field(max_length=4000, json_schema_extra={"minLength": 10})


class AppealOut(Schema):
    id: int
    state: str
    created_at: datetime


class AppealDecideIn(Schema):
    decision: str = Field(max_length=16, json_schema_extra={"enum": ["uphold", "overturn"]})
    note: str = Field(default="", max_length=2000)


class AppealPendingOut(Schema):
    id: int
    text: str
    created_at: datetime
    action: dict[str, Any]
    community: str
    item_url: str | None


class AppealList(Schema):
    items: list[AppealPendingOut]
    next: str | None


class MyModerationOut(Schema):
    actions: list[dict[str, Any]]
    sanctions: list[dict[str, Any]]


class ModlogEntry(Schema):
    id: int
    action: str
    target_type: str
    reason: str
    created_at: datetime
    reversed: bool


class ModlogOut(Schema):
    items: list[ModlogEntry]
    next: str | None


class NoteIn(Schema):
    text: str = Field(max_length=4000)


class NoteOut(Schema):
    id: str
    text: str
    author: str
    created_at: datetime


class NoteList(Schema):
    items: list[NoteOut]
    next: str | None


class WatchedWordIn(Schema):
    #: "" for the whole site (site moderators), or a community's address
    community: str = Field(default="", max_length=80)
    pattern: str = Field(max_length=400)
    action: str = Field(max_length=16, json_schema_extra={"enum": list(WatchedWord.Action.values)})
    extra: str = Field(default="", max_length=1000)


class WatchedWordOut(Schema):
    id: int
    community: str
    pattern: str
    action: str
    extra: str
    created_at: datetime


class WatchedWordList(Schema):
    items: list[WatchedWordOut]
    next: str | None


class WatchedWordImportIn(Schema):
    community: str = Field(default="", max_length=80)
    text: str = Field(max_length=500_000)


class ImportProblemOut(Schema):
    line: int
    message: str


class WatchedWordImportOut(Schema):
    added: int
    problems: list[ImportProblemOut]
