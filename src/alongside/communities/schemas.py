from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt

from alongside.communities.models import Reaction
from alongside.communities.services import REASON_MIN, TITLE_MAX, TITLE_MIN


class CommunityOut(Schema):
    slug: str
    name: str
    description: str
    visibility: str
    teen_friendly: bool
    is_member: bool
    url: str


class CommunityList(Schema):
    items: list[CommunityOut]
    next: str | None = None


class PersonOut(Schema):
    username: str
    name: str


class CommunityDetailOut(CommunityOut):
    rules: str
    can_read: bool
    can_moderate: bool
    can_join: bool
    moderators: list[PersonOut]
    member_count: int


class CommunityIn(Schema):
    slug: str = Field(..., max_length=80)
    name: str = Field(..., max_length=80)
    description: str = Field("", max_length=2000)
    rules: str = Field("", max_length=5000)
    visibility: Literal["public", "members", "private"] = "public"
    teen_friendly: StrictBool = False


class MembershipOut(Schema):
    community: str
    is_member: bool


class InvitationIn(Schema):
    username: str = Field(..., max_length=150)


class InvitationOut(Schema):
    community: str
    username: str


class AuthorOut(Schema):
    #: "Anonymous member" for anonymous posts; "Removed" for removed ones
    name: str
    #: null when anonymous or removed
    username: str | None
    anonymous: bool
    #: true only for the author themself
    is_me: bool


class TopicOut(Schema):
    slug: str
    label: str


class WarningOut(Schema):
    topics: list[TopicOut]
    text: str
    by_moderator: bool = False


class WarningIn(Schema):
    topics: list[str] = Field(default_factory=list, max_length=10)
    text: str = Field("", max_length=120)


class ReplyToOut(Schema):
    id: int
    author: str


class WaitingOut(Schema):
    """Only for the author of a post that waits for their future self (decision 0013)."""

    #: published then, unless the trusted person approves it sooner
    release_at: datetime.datetime
    #: from when the author may publish it themself (half the wait)
    can_publish_from: datetime.datetime | None
    can_publish_now: bool
    #: safety or moderation asked to hold it: when the wait ends it goes to review
    review_after: bool


class PostOut(Schema):
    id: int
    thread_id: int
    url: str
    author: AuthorOut
    is_opening: bool
    status: str
    body: str
    body_html: str
    content_warning: WarningOut | None
    collapsed: bool
    collapse_reason: str | None
    reply_to: ReplyToOut | None
    reactions: dict[str, int]
    my_reactions: list[str]
    created_at: datetime.datetime
    edited: bool
    #: set only for the author's own post while it waits to be published (status "pending")
    waiting: WaitingOut | None = None


class PostPage(Schema):
    items: list[PostOut]
    next: str | None


class ThreadOut(Schema):
    id: int
    title: str
    url: str
    community: CommunityOut
    author: AuthorOut
    status: str
    locked: bool
    content_warning: WarningOut | None
    collapsed: bool
    collapse_reason: str | None
    excerpt: str | None
    tags: list[str]
    reply_count: int
    support_count: int
    created_at: datetime.datetime
    last_activity_at: datetime.datetime


class ThreadPage(Schema):
    items: list[ThreadOut]
    next: str | None


class SupportOut(Schema):
    level: str
    resources: dict[str, object] = Field(default_factory=dict)


class ThreadDetailOut(ThreadOut):
    hidden_by_filters: bool
    can_reply: bool
    can_moderate: bool
    can_reveal: bool
    bookmarked: bool
    posts: PostPage


class ThreadCreatedOut(ThreadOut):
    post: PostOut
    #: present when the text shows distress: what to offer the writer at once
    support: dict[str, object] | None = None


class PostCreatedOut(PostOut):
    support: dict[str, object] | None = None


# Lengths in `json_schema_extra` document what the service enforces after cleaning the text
# (with its own, translated message); `max_length` caps what is parsed at all.


class ThreadIn(Schema):
    title: str = Field(
        ..., max_length=400, json_schema_extra={"minLength": TITLE_MIN, "maxLength": TITLE_MAX}
    )
    body: str = Field(..., max_length=40_000, json_schema_extra={"minLength": 1})
    anonymous: StrictBool = False
    content_warning: WarningIn | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)


class PostIn(Schema):
    body: str = Field(..., max_length=40_000, json_schema_extra={"minLength": 1})
    anonymous: StrictBool = False
    content_warning: WarningIn | None = None
    reply_to: StrictInt | None = Field(None, ge=1, le=2**62)


class PostPatchIn(Schema):
    body: str | None = Field(None, max_length=40_000)
    title: str | None = Field(None, max_length=400)
    content_warning: WarningIn | None = None
    #: moderators: why the warning was added (the author is told)
    note: str = Field("", max_length=300)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=300, json_schema_extra={"minLength": REASON_MIN})


class LockIn(Schema):
    locked: StrictBool = True
    reason: str = Field(..., max_length=300, json_schema_extra={"minLength": REASON_MIN})


class ReactionIn(Schema):
    kind: str = Field(..., max_length=20, json_schema_extra={"enum": list(Reaction.Kind.values)})


class ReactionOut(Schema):
    post_id: int
    kind: str
    reacted: bool
    reactions: dict[str, int]


class BookmarkOut(Schema):
    thread_id: int
    bookmarked: bool


class RevisionOut(Schema):
    body: str
    content_warning: WarningOut | None
    edited_by: str
    note: str
    created_at: datetime.datetime


class RevisionList(Schema):
    items: list[RevisionOut]
    next: str | None = None


class RevealedAuthorOut(Schema):
    id: int
    username: str
    display_name: str


class RevealOut(Schema):
    post_id: int
    author: RevealedAuthorOut | None


class SearchThreadOut(Schema):
    id: int
    title: str
    url: str
    community: CommunityOut


class SearchHitOut(PostOut):
    thread: SearchThreadOut
    excerpt: str | None


class SearchPage(Schema):
    items: list[SearchHitOut]
    next: str | None
    query: str


class TagOut(Schema):
    name: str
    uses: int
    url: str


class TagList(Schema):
    items: list[TagOut]
    next: str | None = None


class TagPage(ThreadPage):
    name: str
    blocked: bool


class TagBlockIn(Schema):
    blocked: StrictBool = True
    reason: str = Field("", max_length=200)


class TagBlockOut(Schema):
    name: str
    blocked: bool


class PendingPostOut(PostOut):
    #: the thread's title when this post opens it (the whole thread waits with it)
    title: str | None
    thread_title: str
    community: CommunityOut


class PendingPostPage(Schema):
    items: list[PendingPostOut]
    next: str | None


class ApprovalAuthorOut(Schema):
    username: str
    display_name: str


class ApprovalCommunityOut(Schema):
    slug: str
    name: str


class ApprovalOut(Schema):
    """A post waiting for my approval, as its author chose to show it to me: the words and
    where they will appear, nothing of the thread around them."""

    id: int
    author: ApprovalAuthorOut | None
    #: it will be published anonymously: only I know who wrote it
    anonymous: bool
    community: ApprovalCommunityOut
    is_opening: bool
    title: str | None
    body: str
    body_html: str
    content_warning: WarningOut | None
    written_at: datetime.datetime
    release_at: datetime.datetime
    #: send it back when approving: a post edited since is not approved unseen
    version: str


class ApprovalPage(Schema):
    items: list[ApprovalOut]
    next: str | None


class ApproveIn(Schema):
    version: str | None = Field(None, max_length=60)


class ApprovedOut(Schema):
    id: int
    #: "visible", or "held" when moderation asked to review it first
    status: str
