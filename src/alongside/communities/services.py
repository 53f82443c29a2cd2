"""Writes in communities. Each function is one transaction and follows the one shape:
load through ``access``, check, write, audit sensitive actions, hand text to safety and
moderation (inside the transaction), register side effects for after commit."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alongside.accounts.selectors import (
    HoldPlan,
    actor_for_user,
    blockers_of,
    hold_plan,
    user_ids_by_username,
)
from alongside.communities.access import Place, can_reveal, get_thread_for
from alongside.communities.models import (
    Bookmark,
    Community,
    Invitation,
    Membership,
    Post,
    PostRevision,
    PostTag,
    Reaction,
    Status,
    Tag,
    Thread,
)
from alongside.communities.selectors import (
    anonymous_name,
    post_version,
    tag_normalise,
    thread_scope,
)
from alongside.core import pagecache
from alongside.core.actor import Actor
from alongside.core.api import ApiError
from alongside.core.audit import audit_record
from alongside.core.content_warnings import TOPICS, WARNING_TEXT_MAX
from alongside.core.markdown import (
    HASHTAG_RE,
    extract_hashtags,
    extract_mentions,
    plain_text,
    render_markdown,
)
from alongside.moderation.services import (
    Verdict,
    posting_check,
    rate_limit,
    safety_flag,
    screen,
)
from alongside.notifications.services import notify
from alongside.safety.services import Assessment, assess_and_record

TITLE_MIN, TITLE_MAX = 3, 200
BODY_MAX = 20_000

#: Tables whose rows, written in a thread's block (:func:`thread_writes`), change no other
#: thread's page: the thread's own rows (its row, its posts, their tags and revisions,
#: reactions, bookmarks) and the review queue's entries for them, which no thread page shows
#: (a held reply is hidden through its own status). Pages that are not one thread's still
#: see these writes (core/pagecache.py: the counter of every write).
THREAD_TABLES = frozenset(
    {
        "communities_thread",
        "communities_post",
        "communities_posttag",
        "communities_postrevision",
        "communities_reaction",
        "communities_bookmark",
        "moderation_item",
        "moderation_flag",
    }
)


def thread_writes(thread_id: int) -> AbstractContextManager[None]:
    """Writes in this block to :data:`THREAD_TABLES` touch this thread's rows only, so they
    leave other threads' kept pages valid (core/pagecache.py)."""
    return pagecache.writes_within(thread_scope(thread_id), THREAD_TABLES)


REASON_MIN = 10
MAX_TAGS = 10
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


# --- input ---------------------------------------------------------------------------------


def clean_text(value: str, *, field: str, max_length: int, min_length: int = 1) -> str:
    """Normalise what people type; refuse what no person types (NUL and other controls are
    dropped, direction overrides too, which are used to disguise text)."""
    if not isinstance(value, str):
        raise ApiError(422, _("Write this as text."), "invalid", field)
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = _CONTROL.sub("", value).strip()
    if len(value) < min_length:
        raise ApiError(
            422,
            _("Please write at least %(n)d characters.") % {"n": min_length}
            if min_length > 1
            else _("This cannot be empty."),
            "required" if not value else "too_short",
            field,
        )
    if len(value) > max_length:
        raise ApiError(
            422,
            _("Please keep this under %(n)d characters.") % {"n": max_length},
            "too_long",
            field,
        )
    return value


@dataclass(frozen=True)
class ContentWarning:
    topics: tuple[str, ...] = ()
    text: str = ""

    @property
    def stored_topics(self) -> str:
        return f",{','.join(self.topics)}," if self.topics else ""


NO_WARNING = ContentWarning()


def clean_warning(value: Any) -> ContentWarning:
    """``{"topics": [...], "text": "..."}`` (either may be empty) or None."""
    if value is None:
        return NO_WARNING
    if not isinstance(value, dict):
        raise ApiError(422, _("Give topics and/or a short text."), "invalid", "content_warning")
    topics = value.get("topics") or []
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise ApiError(422, _("Topics are a list."), "invalid", "content_warning.topics")
    unknown = [t for t in topics if t not in TOPICS]
    if unknown:
        raise ApiError(
            422,
            _("Unknown topic. One of: %s") % ", ".join(TOPICS),
            "invalid",
            "content_warning.topics",
        )
    text = value.get("text") or ""
    text = clean_text(text, field="content_warning.text", max_length=WARNING_TEXT_MAX, min_length=0)
    ordered = tuple(t for t in TOPICS if t in set(topics))
    return ContentWarning(topics=ordered, text=text)


def clean_tags(tags: Sequence[str] | None) -> list[str]:
    cleaned: list[str] = []
    for raw in tags or []:
        if not isinstance(raw, str):
            raise ApiError(422, _("Tags are words."), "invalid", "tags")
        name = tag_normalise(raw)
        if not name:
            continue
        if not HASHTAG_RE.fullmatch("#" + name):
            raise ApiError(
                422,
                _("A tag is one word of letters, digits or underscores (2 to 40 characters)."),
                "invalid",
                "tags",
            )
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        raise ApiError(422, _("Use up to %(n)d tags.") % {"n": MAX_TAGS}, "too_many", "tags")
    return cleaned


def clean_reason(reason: str | None, *, field: str = "reason") -> str:
    return clean_text(reason or "", field=field, max_length=300, min_length=REASON_MIN)


def _render(body: str) -> str:
    return render_markdown(body, tag_url=lambda name: reverse("tag-detail", args=[name]))


def _uid(actor: Actor) -> int:
    """The signed-in actor's id (API handlers admitted only signed-in callers)."""
    if actor.user_id is None:
        raise ApiError(401, _("Sign in to do this."), "not_authenticated")
    return actor.user_id


# --- communities and membership ------------------------------------------------------------


def community_create(
    *,
    slug: str,
    name: str,
    description: str = "",
    rules: str = "",
    visibility: str = Community.Visibility.PUBLIC,
    teen_friendly: bool = False,
    actor_id: int | None = None,
) -> Community:
    if visibility not in Community.Visibility.values:
        raise ApiError(422, _("Unknown visibility."), "invalid", "visibility")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,79}", slug or ""):
        raise ApiError(422, _("Use lower-case letters, digits and dashes."), "invalid", "slug")
    with transaction.atomic():
        if Community.objects.filter(slug=slug).exists():
            raise ApiError(409, _("A community with this address exists."), "conflict", "slug")
        community = Community.objects.create(
            slug=slug,
            name=clean_text(name, field="name", max_length=80, min_length=2),
            description=clean_text(description, field="description", max_length=2000, min_length=0),
            rules=clean_text(rules, field="rules", max_length=5000, min_length=0),
            visibility=visibility,
            teen_friendly=teen_friendly,
        )
        audit_record(
            actor_id=actor_id,
            action="community.create",
            data={"slug": slug, "visibility": visibility},
        )
    return community


def membership_join(*, actor: Actor, place: Place) -> Membership:
    """Join a public or members-only community; a private one needs an invitation (which
    joining uses up). Without one, the answer is the 404 a stranger gets."""
    assert actor.user_id is not None
    community = place.community
    with transaction.atomic():
        existing = Membership.objects.filter(user_id=actor.user_id, community=community).first()
        if existing:
            return existing
        if community.visibility == Community.Visibility.PRIVATE:
            invited = Invitation.objects.filter(user_id=actor.user_id, community=community)
            if not invited.exists() and not place.can_moderate:
                raise ApiError(404, _("Not found."), "not_found")
            invited.delete()
        return Membership.objects.create(user_id=actor.user_id, community=community)


def membership_leave(*, actor: Actor, place: Place) -> bool:
    with transaction.atomic():
        deleted, _n = Membership.objects.filter(
            user_id=_uid(actor), community=place.community
        ).delete()
    return bool(deleted)


def invitation_create(*, actor: Actor, place: Place, username: str) -> Invitation:
    """Moderators of a community (and admins) invite people by username."""
    from alongside.accounts.selectors import user_ids_by_username as _ids

    if not place.can_moderate:
        raise ApiError(403, _("Only this community's moderators can invite."), "forbidden")
    found = _ids([username])
    user_id = found.get(username.lower())
    if user_id is None:
        raise ApiError(404, _("Not found."), "not_found", "username")
    with transaction.atomic():
        invitation, _created = Invitation.objects.get_or_create(
            user_id=user_id, community=place.community, defaults={"invited_by_id": actor.user_id}
        )
        audit_record(
            actor_id=actor.user_id,
            action="community.invite",
            target_user_id=user_id,
            data={"community": place.community.slug},
        )
    return invitation


# --- threads and posts ---------------------------------------------------------------------


def _check_can_post(actor: Actor, place: Place) -> None:
    if not actor.is_authenticated:
        raise ApiError(401, _("Sign in to do this."), "not_authenticated")
    if not place.can_read:
        raise ApiError(403, _("Join this community to take part."), "not_a_member")
    posting_check(actor=actor)  # muted, suspended or banned people cannot post


def _ensure_member(actor: Actor, place: Place) -> None:
    """Writing in a community you can read makes you a member (so it shows in your feed)."""
    if not place.is_member and place.community.visibility != Community.Visibility.PRIVATE:
        Membership.objects.get_or_create(user_id=_uid(actor), community=place.community)


def _tags_attach(post: Post, names: Sequence[str]) -> None:
    PostTag.objects.filter(post=post).delete()
    for name in names[:MAX_TAGS]:
        tag, _created = Tag.objects.get_or_create(name=name)
        PostTag.objects.create(post=post, tag=tag, thread_id=post.thread_id)


def _screen(
    actor: Actor, post: Post, *, surface: str, text: str, community: str
) -> tuple[Assessment, bool]:
    """Hand the text to safety and moderation; returns the assessment and whether to hold."""
    assessment = assess_and_record(
        actor=actor, surface=surface, text=text, object_type="post", object_id=post.pk
    )
    result = screen(
        actor=actor,
        surface=surface,
        text=text,
        community=community,
        object_type="post",
        object_id=post.pk,
    )
    if result.verdict == Verdict.BLOCK:
        raise ApiError(422, result.message or _("This can't be posted here."), "blocked", "body")
    if assessment.case_id is not None or assessment.hold:
        safety_flag(
            post_id=post.pk,
            community=community,
            author_id=actor.user_id,
            level=assessment.level,
            held=assessment.hold,
        )
    _apply_watched_words(post, result)
    return assessment, assessment.hold or result.verdict == Verdict.HOLD


def _apply_watched_words(post: Post, result: Any) -> None:
    """Censored words are starred out of the stored text; watched words may add a warning."""
    censored = result.censor(post.body)
    if censored != post.body:
        post.body, post.body_html = censored, _render(censored)
        Post.objects.filter(pk=post.pk).update(body=post.body, body_html=post.body_html)
    if post.is_opening:
        title = result.censor(post.thread.title)
        if title != post.thread.title:
            post.thread.title = title
            Thread.objects.filter(pk=post.thread_id).update(title=title)
    topics = set(filter(None, post.cw_topics.split(","))) | {
        t for t in result.content_warning_topics if t in TOPICS
    }
    ordered = [t for t in TOPICS if t in topics]
    post.cw_topics = f",{','.join(ordered)}," if ordered else ""


def _apply_automatic_warning(post: Post, assessment: Assessment) -> None:
    if assessment.content_warning_topics:
        topics = set(filter(None, post.cw_topics.split(","))) | set(
            assessment.content_warning_topics
        )
        ordered = [t for t in TOPICS if t in topics]
        post.cw_topics = f",{','.join(ordered)},"


def _excerpt(post: Post) -> str | None:
    if post.cw_topics or post.cw_text:
        return None  # never a warned text in a notification
    return plain_text(post.body, 140)


def _actor_name(post: Post) -> str:
    if post.anonymous or post.author is None:
        return anonymous_name()
    return str(post.author.public_name)


def _notify_post(post: Post, thread: Thread) -> None:
    """Replies and mentions, inside the transaction. The writer's id is passed for block
    checks only; the data holds nothing that would name an anonymous writer."""
    if post.status != Status.VISIBLE:
        return
    data = {
        "thread_id": thread.pk,
        "post_id": post.pk,
        "thread_title": thread.title,
        "excerpt": _excerpt(post),
        "url": reverse("thread-detail", args=[thread.pk]) + f"#post-{post.pk}",
        "actor_name": _actor_name(post),
        # the reader's language names an anonymous writer at read time
        "actor_anonymous": post.anonymous or post.author is None,
        "content_warning": {
            "topics": list(filter(None, post.cw_topics.split(","))),
            "text": post.cw_text,
        }
        if (post.cw_topics or post.cw_text)
        else None,
    }
    replied: list[int] = []
    if not post.is_opening:
        addressees = [thread.author_id, post.reply_to.author_id if post.reply_to else None]
        replied = [user_id for user_id in addressees if user_id]
    mentioned = list(user_ids_by_username(extract_mentions(post.body)).values())
    readers = _readers(thread, set(replied + mentioned))
    notified: set[int] = set()
    for kind, user_ids in (("reply", replied), ("mention", mentioned)):
        for user_id in user_ids:
            if user_id in readers and user_id not in notified:
                notified.add(user_id)
                notify(user_id=user_id, kind=kind, data=data, actor_user_id=post.author_id)


def _readers(thread: Thread, user_ids: set[int]) -> set[int]:
    """Of ``user_ids``, the people who may read ``thread``: a reply or a mention must not
    show a stranger the title and words of a thread in a community they cannot read."""
    from alongside.accounts.models import User

    readers: set[int] = set()
    for user in User.objects.filter(pk__in=user_ids, is_active=True):
        try:
            get_thread_for(actor_for_user(user), thread.pk)
        except Http404:
            continue
        readers.add(user.pk)
    return readers


# --- future self (decision 0013) -------------------------------------------------------------

_WAIT_FIELDS = ("release_at", "early_release_at", "review_hold")


def _wait(post: Post, plan: HoldPlan, *, review: bool) -> None:
    """Hold a new post for its author's future self. A moderation or safety hold is kept for
    when the wait ends: the post then goes to review instead of being published."""
    post.status = Status.PENDING
    post.release_at = plan.release_at
    post.early_release_at = plan.early_release_at
    post.review_hold = review


def _wait_again(post: Post, *, now: datetime.datetime) -> None:
    """Edited words wait again, as long as new words would (never less than before): the
    hold is for what will be read, not for a first draft."""
    assert post.author_id is not None
    plan = hold_plan(user_id=post.author_id, now=now)
    if plan is None:
        return
    if post.release_at is None or plan.release_at > post.release_at:
        post.release_at = plan.release_at
    if post.early_release_at is None or plan.early_release_at > post.early_release_at:
        post.early_release_at = plan.early_release_at


def _notify_trusted(post: Post, plan: HoldPlan) -> None:
    """Tell the trusted person (once they accepted) that a post waits for them. Without the
    post's words: they read it on their approvals page. Merged while unread."""
    if plan.trusted_user_id is None or post.author_id is None:
        return
    author = post.author
    notify(
        user_id=plan.trusted_user_id,
        kind="future_self",
        data={
            "event": "waiting",
            "name": author.public_name if author is not None else "",
            "url": reverse("approval-list"),
        },
        actor_user_id=post.author_id,
        group_key=f"future_self:waiting:{post.author_id}",
    )


@dataclass(frozen=True)
class Written:
    thread: Thread
    post: Post
    assessment: Assessment


def thread_create(
    *,
    actor: Actor,
    place: Place,
    title: str,
    body: str,
    anonymous: bool = False,
    content_warning: Any = None,
    tags: Sequence[str] | None = None,
) -> Written:
    _check_can_post(actor, place)
    title = clean_text(title, field="title", max_length=TITLE_MAX, min_length=TITLE_MIN)
    body = clean_text(body, field="body", max_length=BODY_MAX)
    warning = clean_warning(content_warning)
    names = clean_tags([*(tags or []), *extract_hashtags(title + "\n" + body)])[:MAX_TAGS]
    rate_limit(actor=actor, action="thread_create")
    now = timezone.now()
    with transaction.atomic():
        _ensure_member(actor, place)
        thread = Thread.objects.create(
            community=place.community,
            author_id=actor.user_id,
            anonymous=anonymous,
            title=title,
            cw_topics=warning.stored_topics,
            created_at=now,
            last_activity_at=now,
        )
        post = Post.objects.create(
            thread=thread,
            author_id=actor.user_id,
            anonymous=anonymous,
            is_opening=True,
            body=body,
            body_html=_render(body),
            cw_topics=warning.stored_topics,
            cw_text=warning.text,
        )
        # Safety and moderation read it now, whatever the author's hold: support for the
        # writer and any crisis case do not wait (decision 0013). Only publication waits.
        assessment, hold = _screen(
            actor, post, surface="post", text=f"{title}\n{body}", community=place.community.slug
        )
        _apply_automatic_warning(post, assessment)
        plan = hold_plan(user_id=_uid(actor), now=now)
        if plan is not None:
            _wait(post, plan, review=hold)
            thread.status = Status.PENDING
        elif hold:
            post.status = thread.status = Status.HELD
        post.save(update_fields=["status", "cw_topics", *_WAIT_FIELDS])
        thread.cw_topics = post.cw_topics
        thread.save(update_fields=["status", "cw_topics"])
        _tags_attach(post, names)
        _notify_post(post, thread)
        if plan is not None:
            _notify_trusted(post, plan)
    return Written(thread=thread, post=post, assessment=assessment)


def post_create(
    *,
    actor: Actor,
    thread: Thread,
    place: Place,
    body: str,
    anonymous: bool = False,
    content_warning: Any = None,
    reply_to: int | None = None,
) -> Written:
    """Reply in a thread. Locked threads take replies only from moderators. A person who
    blocked you can't be replied to (under their name; anonymous posts are never checked,
    or the refusal would tell you who wrote them)."""
    _check_can_post(actor, place)
    body = clean_text(body, field="body", max_length=BODY_MAX)
    warning = clean_warning(content_warning)
    names = clean_tags(extract_hashtags(body))
    rate_limit(actor=actor, action="post_create")
    with thread_writes(thread.pk), transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        if thread.status != Status.VISIBLE and not place.can_moderate:
            raise ApiError(409, _("This thread is closed to replies."), "closed")
        if thread.locked and not place.can_moderate:
            raise ApiError(409, _("This thread is locked: no new replies."), "locked")
        posting_check(actor=actor, thread_id=thread.pk, moderator=place.can_moderate)
        parent = None
        if reply_to is not None:
            parent = (
                Post.objects.select_related("author")
                .filter(pk=reply_to, thread=thread, status=Status.VISIBLE)
                .first()
            )
            if parent is None:
                raise ApiError(422, _("That post is not in this thread."), "invalid", "reply_to")
        named_targets = set()
        if not thread.anonymous and thread.author_id:
            named_targets.add(thread.author_id)
        if parent is not None and not parent.anonymous and parent.author_id:
            named_targets.add(parent.author_id)
        assert actor.user_id is not None
        if blockers_of(user_ids=named_targets, target_id=actor.user_id):
            raise ApiError(403, _("You can't reply to this person."), "blocked")
        _ensure_member(actor, place)
        post = Post.objects.create(
            thread=thread,
            author_id=actor.user_id,
            anonymous=anonymous,
            reply_to=parent,
            body=body,
            body_html=_render(body),
            cw_topics=warning.stored_topics,
            cw_text=warning.text,
        )
        assessment, hold = _screen(
            actor, post, surface="reply", text=body, community=place.community.slug
        )
        _apply_automatic_warning(post, assessment)
        plan = hold_plan(user_id=actor.user_id, now=post.created_at)
        if plan is not None:
            _wait(post, plan, review=hold)  # a reply waits alone; the thread stays as it is
        elif hold:
            post.status = Status.HELD
        post.save(update_fields=["status", "cw_topics", *_WAIT_FIELDS])
        if post.status == Status.VISIBLE:
            Thread.objects.filter(pk=thread.pk).update(
                reply_count=F("reply_count") + 1, last_activity_at=post.created_at
            )
        _tags_attach(post, names)
        _notify_post(post, thread)
        if plan is not None:
            _notify_trusted(post, plan)
    return Written(thread=thread, post=post, assessment=assessment)


def _notify_moderation(post: Post, thread: Thread, *, action: str, reason: str) -> None:
    if post.author_id is None:
        return
    notify(
        user_id=post.author_id,
        kind="moderation",
        data={
            "action": action,
            "reason": reason,
            "thread_id": thread.pk,
            "post_id": post.pk,
            "thread_title": thread.title,
            "url": reverse("thread-detail", args=[thread.pk]) + f"#post-{post.pk}",
        },
    )


def post_edit(
    *,
    actor: Actor,
    post: Post,
    place: Place,
    body: str | None = None,
    content_warning: Any = None,
    title: str | None = None,
    note: str = "",
) -> Post:
    """Authors edit their words; moderators may only add or change a content warning (with
    a reason the author is told). Every edit keeps the previous version for moderators."""
    is_author = actor.user_id is not None and post.author_id == actor.user_id
    moderator = place.can_moderate
    if not is_author and not moderator:
        raise ApiError(403, _("Only the author can edit this."), "forbidden")
    if post.status in (Status.DELETED, Status.REMOVED):
        raise ApiError(409, _("This post was removed."), "gone")
    by_moderator = not is_author
    if by_moderator and (body is not None or title is not None):
        raise ApiError(
            403, _("Moderators can add a content warning, not change words."), "forbidden", "body"
        )
    if by_moderator:
        note = clean_reason(note, field="note")
    new_body = clean_text(body, field="body", max_length=BODY_MAX) if body is not None else None
    new_title = (
        clean_text(title, field="title", max_length=TITLE_MAX, min_length=TITLE_MIN)
        if title is not None
        else None
    )
    if new_title is not None and not post.is_opening:
        raise ApiError(422, _("Only the first post carries the title."), "invalid", "title")
    warning = clean_warning(content_warning) if content_warning is not None else None
    with thread_writes(post.thread_id), transaction.atomic():
        post = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
        thread = post.thread
        PostRevision.objects.create(
            post=post,
            body=post.body,
            cw_topics=post.cw_topics,
            cw_text=post.cw_text,
            edited_by_id=actor.user_id,
            by_moderator=by_moderator,
            note=note,
        )
        if new_body is not None:
            post.body = new_body
            post.body_html = _render(new_body)
        if warning is not None:
            post.cw_topics, post.cw_text = warning.stored_topics, warning.text
            post.cw_by_moderator = by_moderator
        post.edited_at = timezone.now()
        if new_body is not None:
            text = f"{new_title or thread.title}\n{new_body}" if post.is_opening else new_body
            assessment, hold = _screen(
                actor,
                post,
                surface="post" if post.is_opening else "reply",
                text=text,
                community=place.community.slug,
            )
            _apply_automatic_warning(post, assessment)
            if hold and post.status == Status.VISIBLE:
                post.status = Status.HELD
            elif hold and post.status == Status.PENDING:
                post.review_hold = True
            _tags_attach(post, clean_tags(extract_hashtags(new_body)))
        if post.status == Status.PENDING and (new_body is not None or new_title is not None):
            _wait_again(post, now=timezone.now())
        post.save()
        if post.is_opening:
            fields = ["cw_topics"]
            thread.cw_topics = post.cw_topics
            if new_title is not None:
                thread.title = new_title
                fields.append("title")
            if post.status == Status.HELD and thread.status == Status.VISIBLE:
                thread.status = Status.HELD
                fields.append("status")
            thread.save(update_fields=fields)
        if by_moderator:
            audit_record(
                actor_id=actor.user_id,
                action="post.content_warning",
                target_user_id=post.author_id,
                reason=note,
                data={"post_id": post.pk},
            )
            _notify_moderation(post, thread, action="add_content_warning", reason=note)
    return post


def post_delete(*, actor: Actor, post: Post, place: Place, reason: str = "") -> Post:
    """The author deletes (the text is gone; a tombstone keeps the thread readable); a
    moderator removes (the text is kept for review and appeal, hidden from members)."""
    is_author = actor.user_id is not None and post.author_id == actor.user_id
    if not is_author and not place.can_moderate:
        raise ApiError(403, _("Only the author or a moderator can remove this."), "forbidden")
    if post.status == Status.PENDING:
        post_discard(actor=actor, post=post)  # never seen by anyone: nothing stays
        return post
    if not is_author:
        reason = clean_reason(reason)
    with thread_writes(post.thread_id), transaction.atomic():
        post = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
        thread = Thread.objects.select_for_update().get(pk=post.thread_id)
        if post.status in (Status.DELETED, Status.REMOVED):
            return post
        was_visible = post.status == Status.VISIBLE
        if is_author:
            tombstone(post)
            if post.is_opening:
                thread.status = Status.DELETED
                thread.title = ""
                thread.cw_topics = ""
                thread.save(update_fields=["status", "title", "cw_topics"])
        else:
            post.status = Status.REMOVED
            post.save(update_fields=["status"])
            if post.is_opening:
                thread.status = Status.REMOVED
                thread.save(update_fields=["status"])
            audit_record(
                actor_id=actor.user_id,
                action="post.remove",
                target_user_id=post.author_id,
                reason=reason,
                data={"post_id": post.pk},
            )
            _notify_moderation(post, thread, action="remove", reason=reason)
        if was_visible and not post.is_opening:
            Thread.objects.filter(pk=thread.pk, reply_count__gt=0).update(
                reply_count=F("reply_count") - 1
            )
    return post


def tombstone(post: Post) -> None:
    """Erase a post's words and everything attached that names its author's choices."""
    post.status = Status.DELETED
    post.body = ""
    post.body_html = ""
    post.cw_topics = ""
    post.cw_text = ""
    post.save(update_fields=["status", "body", "body_html", "cw_topics", "cw_text"])
    PostRevision.objects.filter(post=post).delete()
    PostTag.objects.filter(post=post).delete()


def thread_lock(*, actor: Actor, thread: Thread, place: Place, locked: bool, reason: str) -> Thread:
    if not place.can_moderate:
        raise ApiError(403, _("Only this community's moderators can lock threads."), "forbidden")
    reason = clean_reason(reason)
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        if thread.locked == locked:
            return thread
        thread.locked = locked
        thread.save(update_fields=["locked"])
        audit_record(
            actor_id=actor.user_id,
            action="thread.lock" if locked else "thread.unlock",
            target_user_id=thread.author_id,
            reason=reason,
            data={"thread_id": thread.pk},
        )
        opening = Post.objects.filter(thread=thread, is_opening=True).first()
        if opening is not None:
            _notify_moderation(
                opening, thread, action="lock" if locked else "unlock", reason=reason
            )
    return thread


def author_reveal(*, actor: Actor, post: Post, place: Place, reason: str) -> dict[str, Any]:
    """Safety and moderation staff may learn who wrote an anonymous post, only with a
    recorded reason: the audit log keeps who asked, when and why."""
    if not can_reveal(actor, place.community):
        raise ApiError(403, _("Only moderators and crisis responders can do this."), "forbidden")
    reason = clean_reason(reason)
    with transaction.atomic():
        author = None
        if post.author_id is not None:
            from alongside.accounts.selectors import user_public

            author = user_public(user_id=post.author_id)
        audit_record(
            actor_id=actor.user_id,
            action="post.author_reveal",
            target_user_id=post.author_id,
            reason=reason,
            data={"post_id": post.pk, "anonymous": post.anonymous},
        )
    return {"post_id": post.pk, "author": author}


# --- reactions and bookmarks ---------------------------------------------------------------


def reaction_add(*, actor: Actor, post: Post, place: Place, kind: str) -> bool:
    """Send support. Returns False when it was already sent. The author hears about it in
    one batched notification per post, without names."""
    if kind not in Reaction.Kind.values:
        raise ApiError(422, _("One of: %s") % ", ".join(Reaction.Kind.values), "invalid", "kind")
    if post.status != Status.VISIBLE:
        raise ApiError(409, _("This post can't receive reactions."), "gone")
    assert actor.user_id is not None
    with thread_writes(post.thread_id), transaction.atomic():
        _reaction, created = Reaction.objects.get_or_create(
            post=post, user_id=actor.user_id, kind=kind
        )
        if created:
            Thread.objects.filter(pk=post.thread_id).update(support_count=F("support_count") + 1)
            if post.author_id:
                thread = post.thread
                notify(
                    user_id=post.author_id,
                    kind="reaction",
                    data={
                        "thread_id": thread.pk,
                        "post_id": post.pk,
                        "thread_title": thread.title,
                        "url": reverse("thread-detail", args=[thread.pk]) + f"#post-{post.pk}",
                    },
                    actor_user_id=actor.user_id,
                    group_key=f"reaction:post:{post.pk}",
                )
    return created


def reaction_remove(*, actor: Actor, post: Post, kind: str) -> bool:
    with thread_writes(post.thread_id), transaction.atomic():
        deleted, _n = Reaction.objects.filter(post=post, user_id=_uid(actor), kind=kind).delete()
        if deleted:
            Thread.objects.filter(pk=post.thread_id, support_count__gt=0).update(
                support_count=F("support_count") - 1
            )
    return bool(deleted)


def bookmark_set(*, actor: Actor, thread: Thread, on: bool) -> bool:
    with thread_writes(thread.pk), transaction.atomic():
        if on:
            Bookmark.objects.get_or_create(user_id=_uid(actor), thread=thread)
        else:
            Bookmark.objects.filter(user_id=_uid(actor), thread=thread).delete()
    return on


# --- tags ----------------------------------------------------------------------------------


def tag_block(*, name: str, blocked: bool, reason: str = "", actor_id: int | None = None) -> Tag:
    """Operators block tags used to promote harm: their page shows support, they never trend."""
    name = tag_normalise(name)
    if not HASHTAG_RE.fullmatch("#" + name):
        raise ApiError(422, _("Not a tag."), "invalid", "name")
    with transaction.atomic():
        tag, _created = Tag.objects.get_or_create(name=name)
        tag.blocked = blocked
        tag.blocked_reason = reason if blocked else ""
        tag.save(update_fields=["blocked", "blocked_reason"])
        audit_record(
            actor_id=actor_id,
            action="tag.block" if blocked else "tag.unblock",
            reason=reason,
            data={"tag": name},
        )
    return tag


# --- future self: publishing what waited (decision 0013) --------------------------------------

RELEASE_BATCH = 100


def _notify_author_released(post: Post, thread: Thread, *, event: str, by: str = "") -> None:
    """Tell the author their post finished waiting: published, or gone to review."""
    if post.author_id is None:
        return
    notify(
        user_id=post.author_id,
        kind="future_self",
        data={
            "event": event,
            "name": by,
            "thread_id": thread.pk,
            "post_id": post.pk,
            "thread_title": thread.title,
            "is_opening": post.is_opening,
            "url": reverse("thread-detail", args=[thread.pk]) + f"#post-{post.pk}",
        },
    )


def _release(post_id: int, *, now: datetime.datetime, approver: Any = None) -> Post | None:
    """Publish one waiting post, inside the caller's transaction; None when it no longer
    waits (published or discarded meanwhile: the answer is the same for two workers).

    The post takes its place in the thread now, and people are notified now, as for a post
    written now. A moderation or safety hold still wins: such a post goes to review. So does
    a reply whose thread stopped taking replies while it waited (locked, removed, deleted).
    """
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("author")
        .filter(pk=post_id, status=Status.PENDING)
        .first()
    )
    if post is None:
        return None
    thread = Thread.objects.select_for_update().get(pk=post.thread_id)
    closed = not post.is_opening and (thread.status != Status.VISIBLE or thread.locked)
    post.status = Status.HELD if (post.review_hold or closed) else Status.VISIBLE
    post.created_at = now
    post.release_at = post.early_release_at = None
    post.review_hold = False
    post.save(update_fields=["status", "created_at", *_WAIT_FIELDS])
    PostTag.objects.filter(post=post).update(created_at=now)
    if post.is_opening:
        thread.status = post.status
        thread.created_at = thread.last_activity_at = now
        thread.save(update_fields=["status", "created_at", "last_activity_at"])
    elif post.status == Status.VISIBLE:
        Thread.objects.filter(pk=thread.pk).update(
            reply_count=F("reply_count") + 1, last_activity_at=now
        )
    if post.reply_to_id is not None:
        post.reply_to = Post.objects.select_related("author").filter(pk=post.reply_to_id).first()
    _notify_post(post, thread)
    if post.status == Status.HELD:
        event = "held"
    elif approver is not None:
        event = "approved"
    else:
        event = "published"
    _notify_author_released(
        post, thread, event=event, by=approver.public_name if approver is not None else ""
    )
    return post


def pending_release_due(*, now: datetime.datetime | None = None) -> int:
    """Publish every post whose wait is over. Returns how many were published.

    Safe with several workers and across restarts: the state is the rows themselves; rows
    another worker holds are skipped (PostgreSQL), and each post is claimed by re-reading it
    under lock, so a post is published once.
    """
    now = now or timezone.now()
    released = 0
    for _round in range(1000):  # a bound, not a schedule: each round publishes or ends
        with transaction.atomic():
            due = list(
                Post.objects.select_for_update(skip_locked=True)
                .filter(status=Status.PENDING, release_at__lte=now)
                .order_by("release_at", "pk")
                .values_list("pk", "thread_id")[:RELEASE_BATCH]
            )
            # Threads are locked in one order by every worker, before any is updated: two
            # workers publishing into the same threads wait for each other, never deadlock.
            list(
                Thread.objects.select_for_update()
                .filter(pk__in={thread_id for _pk, thread_id in due})
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for post_id, _thread_id in due:
                if _release(post_id, now=now) is not None:
                    released += 1
        if len(due) < RELEASE_BATCH:
            break
    return released


def _pending_of(actor: Actor, post: Post) -> Post:
    if post.status != Status.PENDING:
        raise ApiError(409, _("This post is not waiting to be published."), "not_pending")
    if actor.user_id is None or post.author_id != actor.user_id:
        raise ApiError(404, _("Not found."), "not_found")
    return post


def post_publish_now(*, actor: Actor, post: Post, now: datetime.datetime | None = None) -> Post:
    """The author publishes a waiting post before its time, once half the wait has passed:
    a second look after a real pause is what the option asks for (decision 0013)."""
    _pending_of(actor, post)
    now = now or timezone.now()
    with transaction.atomic():
        current = Post.objects.select_for_update().filter(pk=post.pk).first()
        if current is None or current.status != Status.PENDING:
            raise ApiError(409, _("This post is not waiting to be published."), "not_pending")
        if current.early_release_at is not None and current.early_release_at > now:
            raise ApiError(
                409,
                _(
                    "You chose to give your posts time before they are published. You can "
                    "publish this one yourself once half of its waiting time has passed, or "
                    "discard it now."
                ),
                "too_early",
            )
        released = _release(post.pk, now=now)
    assert released is not None
    return released


def post_approve(
    *, actor: Actor, post: Post, version: str | None = None, now: datetime.datetime | None = None
) -> Post:
    """The trusted person approves a waiting post: it is published at once (or goes to review
    when moderation asked for it). ``version`` is what they read; a post edited since is not
    approved unseen."""
    assert actor.user_id is not None
    now = now or timezone.now()
    with transaction.atomic():
        current = Post.objects.select_for_update().filter(pk=post.pk).first()
        if current is None or current.status != Status.PENDING:
            raise ApiError(404, _("Not found."), "not_found")
        if version is not None and version != post_version(current):
            raise ApiError(
                409,
                _("This post was changed after you opened it. Please read it again."),
                "changed",
                "version",
            )
        from alongside.accounts.models import User

        approver = User.objects.get(pk=actor.user_id)
        released = _release(current.pk, now=now, approver=approver)
    assert released is not None
    return released


def post_discard(*, actor: Actor, post: Post) -> None:
    """The author drops a waiting post: nobody ever sees it, so nothing of it stays (no
    tombstone: a note in the thread would tell others something was written). A waiting
    thread goes with its first post."""
    _pending_of(actor, post)
    with transaction.atomic():
        current = (
            Post.objects.select_for_update()
            .filter(pk=post.pk, status=Status.PENDING, author_id=actor.user_id)
            .first()
        )
        if current is None:
            raise ApiError(409, _("This post is not waiting to be published."), "not_pending")
        if current.is_opening:
            Thread.objects.filter(pk=current.thread_id).delete()  # its only post goes with it
        else:
            current.delete()


# --- moderation (called by alongside.moderation.actions, which audit, log and notify) ---------


def post_status_set(*, post_id: int, status: str) -> tuple[Post, str]:
    """Move a post between visible, held and removed inside the caller's transaction, keeping
    the thread's mirror (opening post) and reply count right. Returns the post and its status
    before. Publishing a held post notifies as a new post would."""
    post = Post.objects.select_for_update().select_related("thread").get(pk=post_id)
    thread = Thread.objects.select_for_update().get(pk=post.thread_id)
    previous = post.status
    if previous == status:
        return post, previous
    if previous in (Status.DELETED, Status.PENDING) or status not in (
        Status.VISIBLE,
        Status.HELD,
        Status.REMOVED,
    ):
        raise ApiError(409, _("This post can't be changed this way any more."), "gone")
    post.status = status
    post.save(update_fields=["status"])
    if post.is_opening:
        thread.status = status
        thread.save(update_fields=["status"])
    elif previous == Status.VISIBLE:
        Thread.objects.filter(pk=thread.pk, reply_count__gt=0).update(
            reply_count=F("reply_count") - 1
        )
    elif status == Status.VISIBLE:
        Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + 1)
    if status == Status.VISIBLE and previous == Status.HELD:
        _notify_post(post, thread)
    return post, previous


def post_warning_set(*, post_id: int, topics: Sequence[str], text: str) -> dict[str, Any]:
    """Set (or clear) a post's content warning as a moderator; returns the one before."""
    warning = clean_warning({"topics": list(topics), "text": text})
    post = Post.objects.select_for_update().get(pk=post_id)
    before = {"topics": list(filter(None, post.cw_topics.split(","))), "text": post.cw_text}
    post.cw_topics, post.cw_text = warning.stored_topics, warning.text
    post.cw_by_moderator = bool(warning.topics or warning.text)
    post.save(update_fields=["cw_topics", "cw_text", "cw_by_moderator"])
    if post.is_opening:
        Thread.objects.filter(pk=post.thread_id).update(cw_topics=post.cw_topics)
    return before


def post_body_replace(*, post_id: int, body: str, editor_id: int | None, note: str) -> int:
    """A moderator edits a post's words (the author is told why); the earlier version is
    kept in the history. Returns the id of the kept revision."""
    body = clean_text(body, field="body", max_length=BODY_MAX)
    post = Post.objects.select_for_update().get(pk=post_id)
    if post.status in (Status.DELETED, Status.PENDING):
        raise ApiError(409, _("This post can't be changed this way any more."), "gone")
    revision = PostRevision.objects.create(
        post=post,
        body=post.body,
        cw_topics=post.cw_topics,
        cw_text=post.cw_text,
        edited_by_id=editor_id,
        by_moderator=True,
        note=note[:300],
    )
    post.body, post.body_html = body, _render(body)
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "body_html", "edited_at"])
    return int(revision.pk)


def thread_locked_set(*, thread_id: int, locked: bool) -> bool:
    """Lock or reopen a thread; returns whether it was locked before."""
    thread = Thread.objects.select_for_update().get(pk=thread_id)
    before = thread.locked
    if before != locked:
        thread.locked = locked
        thread.save(update_fields=["locked"])
    return before


def thread_move(*, thread_id: int, community: Community) -> str:
    """Move a thread to another community; returns the slug it was in."""
    thread = Thread.objects.select_for_update().select_related("community").get(pk=thread_id)
    before = thread.community.slug
    if thread.community_id != community.pk:
        thread.community = community
        thread.save(update_fields=["community"])
    return before
