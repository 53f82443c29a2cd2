"""Reads of communities, threads and posts, always for one Actor.

Every list is a keyset page (``core.pagination``) and issues a fixed number of queries
whatever its length (asserted in tests). Every object is turned into plain data by one
function here (``thread_data``, ``post_data``), the only place that decides what an author
looks like to a viewer: anonymous authors are "Anonymous member" to everyone but themselves.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Count, FloatField, IntegerField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alongside.accounts.selectors import Filters, filters_for
from alongside.communities.access import (
    Place,
    communities_visible_q,
    is_site_staff,
    member_community_ids,
)
from alongside.communities.models import (
    Bookmark,
    Community,
    Membership,
    Post,
    PostRevision,
    PostTag,
    Reaction,
    Status,
    Tag,
    Thread,
)
from alongside.core import pagecache
from alongside.core.actor import Actor, Role
from alongside.core.content_warnings import topic_label
from alongside.core.http import id_url
from alongside.core.markdown import plain_text
from alongside.core.pagination import cursor_decode, cursor_encode

PAGE_SIZE = 20
POSTS_PAGE_SIZE = 30
SEARCH_MAX_RESULTS = 200
TRENDING_WINDOW = datetime.timedelta(days=7)
NEEDS_SUPPORT_WINDOW = datetime.timedelta(days=14)
SUPPORTED_WINDOW = datetime.timedelta(days=7)


def anonymous_name() -> str:
    return _("Anonymous member")


# --- shaping objects for a viewer ------------------------------------------------------------


def topics_of(stored: str) -> list[str]:
    return [t for t in stored.split(",") if t]


def warning_data(topics: Sequence[str], text: str, by_moderator: bool = False) -> dict | None:
    if not topics and not text:
        return None
    return {
        "topics": [{"slug": t, "label": topic_label(t)} for t in topics],
        "text": text,
        "by_moderator": by_moderator,
    }


def author_data(
    actor: Actor, *, author: Any, author_id: int | None, anonymous: bool, status: str
) -> dict[str, Any]:
    """What a viewer may know about who wrote something. Nothing about an anonymous author,
    not even whether two anonymous posts share one, reaches anyone but that author."""
    is_me = actor.user_id is not None and author_id == actor.user_id
    if status == Status.DELETED or (author is None and not anonymous):
        return {"name": _("Removed"), "username": None, "anonymous": False, "is_me": is_me}
    if anonymous:
        return {"name": anonymous_name(), "username": None, "anonymous": True, "is_me": is_me}
    return {
        "name": author.public_name,
        "username": author.username,
        "anonymous": False,
        "is_me": is_me,
    }


def collapse_for(filters: Filters, topics: Sequence[str], text: str, body: str) -> str | None:
    """Why this post starts collapsed for this viewer, or None to show it open."""
    if text:
        return "content_warning"
    if any(filters.choice(t) != "show" for t in topics):
        return "content_warning"
    if filters.muted_words and filters.muted_word_in(body):
        return "muted_word"
    return None


def community_data(community: Community, *, is_member: bool = False) -> dict[str, Any]:
    return {
        "slug": community.slug,
        "name": community.name,
        "description": community.description,
        "visibility": community.visibility,
        "teen_friendly": community.teen_friendly,
        "is_member": is_member,
        "url": reverse("community-detail", args=[community.slug]),
    }


def post_data(
    actor: Actor,
    post: Post,
    *,
    filters: Filters,
    moderator: bool,
    reactions: dict[str, int] | None = None,
    mine: Iterable[str] = (),
) -> dict[str, Any]:
    gone = post.status in (Status.DELETED, Status.REMOVED) and not moderator
    topics = topics_of(post.cw_topics)
    collapsed = None if gone else collapse_for(filters, topics, post.cw_text, post.body)
    reply_to = None
    if post.reply_to_id and post.reply_to is not None:
        parent = post.reply_to
        reply_to = {
            "id": parent.pk,
            "author": author_data(
                actor,
                author=parent.author,
                author_id=parent.author_id,
                anonymous=parent.anonymous,
                status=parent.status,
            )["name"],
        }
    return {
        "id": post.pk,
        "thread_id": post.thread_id,
        "url": id_url("thread-detail", post.thread_id) + f"#post-{post.pk}",
        "author": author_data(
            actor,
            author=post.author,
            author_id=post.author_id,
            anonymous=post.anonymous,
            status=post.status,
        ),
        "is_opening": post.is_opening,
        "status": post.status,
        "body": "" if gone else post.body,
        "body_html": "" if gone else post.body_html,
        "content_warning": None
        if gone
        else warning_data(topics, post.cw_text, post.cw_by_moderator),
        "collapsed": collapsed is not None,
        "collapse_reason": collapsed,
        "reply_to": reply_to,
        "reactions": dict(reactions or {}),
        "my_reactions": sorted(mine),
        "created_at": post.created_at,
        "edited": post.edited_at is not None,
        "waiting": waiting_data(actor, post),
    }


def waiting_data(
    actor: Actor, post: Post, *, now: datetime.datetime | None = None
) -> dict[str, Any] | None:
    """For the author of a post that waits for their future self: when it will be published,
    from when they may publish it themselves, and whether it will go to review. Nobody else
    ever receives this (nobody else receives the post)."""
    if post.status != Status.PENDING or actor.user_id is None or post.author_id != actor.user_id:
        return None
    now = now or timezone.now()
    early = post.early_release_at
    return {
        "release_at": post.release_at,
        "can_publish_from": early,
        "can_publish_now": early is not None and early <= now,
        "review_after": post.review_hold,
    }


def thread_data(
    actor: Actor,
    thread: Thread,
    *,
    filters: Filters,
    opening: Post | None = None,
    tags: Sequence[str] = (),
    is_member: bool = False,
) -> dict[str, Any]:
    topics = topics_of(thread.cw_topics)
    excerpt = None
    collapsed = collapse_for(filters, topics, opening.cw_text if opening else "", "")
    if opening is not None and opening.status == Status.VISIBLE:
        if collapsed is None and filters.muted_words and filters.muted_word_in(opening.body):
            collapsed = "muted_word"
        if collapsed is None:
            excerpt = plain_text(opening.body, 240)
    title = _("Removed by its author") if thread.status == Status.DELETED else thread.title
    return {
        "id": thread.pk,
        "title": title,
        "url": id_url("thread-detail", thread.pk),
        "community": community_data(thread.community, is_member=is_member),
        "author": author_data(
            actor,
            author=thread.author,
            author_id=thread.author_id,
            anonymous=thread.anonymous,
            status=thread.status,
        ),
        "status": thread.status,
        "locked": thread.locked,
        "content_warning": warning_data(topics, opening.cw_text if opening else ""),
        "collapsed": collapsed is not None,
        "collapse_reason": collapsed,
        "excerpt": excerpt,
        "tags": list(tags),
        "reply_count": thread.reply_count,
        "support_count": thread.support_count,
        "created_at": thread.created_at,
        "last_activity_at": thread.last_activity_at,
    }


# --- filters shared by every list ------------------------------------------------------------


def _apply_filters(qs: QuerySet[Any], filters: Filters, *, prefix: str = "") -> QuerySet[Any]:
    """Hide what the viewer asked to hide: topics, and the named content of people they
    blocked or muted (never anonymous content: decision 0011)."""
    for topic in filters.hidden_topics:
        qs = qs.exclude(**{f"{prefix}cw_topics__contains": f",{topic},"})
    if filters.hidden_authors:
        qs = qs.exclude(
            Q(**{f"{prefix}author_id__in": list(filters.hidden_authors)})
            & Q(**{f"{prefix}anonymous": False})
        )
    return qs


def readable_communities_q(actor: Actor, member_of: set[int], prefix: str = "") -> Q:
    """Communities whose threads the actor may read (for feeds, tags and search)."""
    if is_site_staff(actor):
        q = Q()
    else:
        q = Q(**{f"{prefix}visibility": Community.Visibility.PUBLIC}) | Q(
            **{f"{prefix}pk__in": member_of}
        )
        moderated = [c for c, roles in actor.community_roles.items() if Role.MODERATOR in roles]
        if moderated:
            q |= Q(**{f"{prefix}slug__in": moderated})
    if actor.is_teen:
        q &= Q(**{f"{prefix}teen_friendly": True})
    return q


def readable_community_ids(
    actor: Actor, member_of: set[int], *, joined_only: bool = False
) -> list[int]:
    """The ids of the communities whose threads the actor may read (``joined_only``: of
    those, the ones they joined), as a list for ``community_id IN (...)``. A list, not a
    subquery: with the subquery PostgreSQL misjudged how many communities match and planned
    from them down through every thread (the feed sorted all of a person's threads, search
    looked up posts thread by thread: 11 and 100 ms at 100k posts, growing with the data);
    with the ids it walks the newest-first index, or starts from the search candidates."""
    queryset = Community.objects.filter(readable_communities_q(actor, member_of))
    if joined_only:
        queryset = queryset.filter(pk__in=member_of)
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def _thread_page(
    actor: Actor,
    qs: QuerySet[Thread],
    *,
    filters: Filters,
    cursor: str | None,
    order: str,
    member_of: set[int],
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """One keyset page of threads, in 3 queries (threads, opening posts, tags)."""
    qs = _apply_filters(qs.filter(status=Status.VISIBLE), filters)
    if order == "activity":
        keys: tuple[str, ...] = ("last_activity_at", "id")
        kinds: list[type] = [datetime.datetime, int]
        descending = True
    elif order == "new":
        keys, kinds, descending = ("created_at", "id"), [datetime.datetime, int], True
    elif order == "waiting":
        keys, kinds, descending = ("created_at", "id"), [datetime.datetime, int], False
    else:  # "supported"
        keys, kinds, descending = ("support_count", "id"), [int, int], True
    after = cursor_decode(cursor, kinds)
    if after is not None:
        k0, k1 = keys
        op = "lt" if descending else "gt"
        qs = qs.filter(
            Q(**{f"{k0}__{op}": after[0]}) | Q(**{k0: after[0], f"{k1}__{op}": after[1]})
        )
    sign = "-" if descending else ""
    rows = list(
        qs.select_related("community", "author").order_by(*(sign + k for k in keys))[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [t.pk for t in rows]
    openings = {
        p.thread_id: p
        for p in Post.objects.filter(thread_id__in=ids, is_opening=True).only(
            "id", "thread_id", "body", "cw_text", "cw_topics", "status"
        )
    }
    tags: dict[int, list[str]] = defaultdict(list)
    for thread_id, name in (
        PostTag.objects.filter(thread_id__in=ids, post__is_opening=True)
        .order_by("tag__name")
        .values_list("thread_id", "tag__name")
    ):
        tags[thread_id].append(name)
    items = [
        thread_data(
            actor,
            t,
            filters=filters,
            opening=openings.get(t.pk),
            tags=tags.get(t.pk, ()),
            is_member=t.community_id in member_of,
        )
        for t in rows
    ]
    next_cursor = cursor_encode([getattr(rows[-1], k) for k in keys]) if more and rows else None
    return {"items": items, "next": next_cursor}


# --- communities -------------------------------------------------------------------------------


def community_list(*, actor: Actor) -> list[dict[str, Any]]:
    member_of = member_community_ids(actor)
    rows = Community.objects.filter(communities_visible_q(actor, member_of)).order_by("name")
    return [community_data(c, is_member=c.pk in member_of) for c in rows]


def community_moderators(*, community: Community) -> list[dict[str, str]]:
    from alongside.accounts.selectors import community_role_holders

    return community_role_holders(community=community.slug, role=Role.MODERATOR.value)


def community_detail(*, actor: Actor, place: Place) -> dict[str, Any]:
    community = place.community
    return {
        **community_data(community, is_member=place.is_member),
        "rules": community.rules,
        "can_read": place.can_read,
        "can_moderate": place.can_moderate,
        "can_join": actor.is_authenticated
        and not place.is_member
        and community.visibility != Community.Visibility.PRIVATE,
        "moderators": community_moderators(community=community),
        "member_count": Membership.objects.filter(community=community).count(),
    }


def thread_list(
    *, actor: Actor, place: Place, cursor: str | None = None, sort: str = "activity"
) -> dict[str, Any]:
    member_of = {place.community.pk} if place.is_member else set()
    qs = Thread.objects.filter(community=place.community)
    order = sort if sort in ("activity", "new", "waiting", "supported") else "activity"
    if order == "waiting":
        qs = qs.filter(reply_count=0)
    return _thread_page(
        actor, qs, filters=filters_for(actor), cursor=cursor, order=order, member_of=member_of
    )


# --- one thread --------------------------------------------------------------------------------


def _visible_posts_q(actor: Actor, place: Place) -> Q:
    # A post waiting for its author's future self is its author's alone, staff included.
    mine_waiting = (
        Q(status=Status.PENDING, author_id=actor.user_id) if actor.user_id is not None else Q()
    )
    if place.can_moderate or is_site_staff(actor):
        return ~Q(status=Status.PENDING) | mine_waiting
    # Removed and deleted posts stay as tombstones (no words, no author) so replies keep
    # their context; post_data empties them.
    q = Q(status__in=[Status.VISIBLE, Status.DELETED, Status.REMOVED])
    if actor.user_id is not None:
        q |= Q(status=Status.HELD, author_id=actor.user_id) | mine_waiting
    return q


#: What a page of posts reads: the whole post, and of the people only what ``author_data``
#: shows (a full user row per post and per parent was most of the page's database decoding).
_PAGE_POST_FIELDS = (
    *(f.attname for f in Post._meta.concrete_fields),
    "author__id",
    "author__username",
    "author__display_name",
    "reply_to__id",
    "reply_to__author_id",
    "reply_to__anonymous",
    "reply_to__status",
    "reply_to__author__id",
    "reply_to__author__username",
    "reply_to__author__display_name",
)


def _post_rows(
    *,
    actor: Actor,
    thread: Thread,
    place: Place,
    filters: Filters,
    cursor: str | None,
    limit: int,
) -> tuple[list[Post], bool]:
    rows = _page_of_posts(
        _apply_filters(
            Post.objects.filter(thread=thread).filter(_visible_posts_q(actor, place)), filters
        ),
        cursor_decode(cursor, [datetime.datetime, int]),
        limit + 1,
    )
    return rows[:limit], len(rows) > limit


def _page_of_posts(qs: QuerySet[Post], after: list[Any] | None, n: int) -> list[Post]:
    """The first ``n`` posts of ``qs`` in publishing order after the keyset ``after``."""
    if after is not None:
        qs = qs.filter(Q(created_at__gt=after[0]) | Q(created_at=after[0], id__gt=after[1]))
    return list(
        qs.select_related("author", "reply_to", "reply_to__author")
        .only(*_PAGE_POST_FIELDS)
        .order_by("created_at", "id")[:n]
    )


def thread_scope(thread_id: int) -> str:
    """The page-cache scope of one thread's pages (decision 0023)."""
    return f"thread:{int(thread_id)}"


#: Posts every reader of a thread sees: live ones, and the tombstones of the others.
_PUBLIC_STATUSES = (Status.VISIBLE, Status.DELETED, Status.REMOVED)


@dataclass(frozen=True)
class _SharedPage:
    """A page of a thread as every reader gets it before their own view is applied: shared
    between readers (``pagecache.shared``), never changed once read."""

    #: up to one more post than the page shows, in order; nobody's filters applied
    rows: tuple[Post, ...]
    #: the thread's opening post, and the tags on it
    opening: Post | None
    tags: tuple[str, ...]
    #: reaction counts per post of ``rows`` and kind
    counts: dict[int, dict[str, int]]
    #: authors with a post in the thread that only they (and moderators) can see: held or
    #: waiting for their future self
    unpublished_authors: frozenset[int]


def _read_shared_page(thread: Thread, after: list[Any] | None) -> _SharedPage:
    rows = _page_of_posts(
        Post.objects.filter(thread=thread, status__in=_PUBLIC_STATUSES),
        after,
        POSTS_PAGE_SIZE + 1,
    )
    opening = rows[0] if after is None and rows and rows[0].is_opening else _opening_of(thread)
    return _SharedPage(
        rows=tuple(rows),
        opening=opening,
        tags=tuple(_opening_tags(thread)),
        counts=reaction_counts_of([p.pk for p in rows]),
        unpublished_authors=frozenset(
            Post.objects.filter(thread=thread, status__in=(Status.HELD, Status.PENDING))
            .exclude(author_id=None)
            .values_list("author_id", flat=True)
            .distinct()
        ),
    )


def hidden_by_filters(filters: Filters, post: Post) -> bool:
    """Whether ``_apply_filters`` leaves this post out for the person (the same test, on a
    row already read)."""
    if any(f",{topic}," in post.cw_topics for topic in filters.hidden_topics):
        return True
    return not post.anonymous and post.author_id in filters.hidden_authors


def _shared_page_for(
    actor: Actor, thread: Thread, place: Place, filters: Filters, cursor: str | None
) -> _SharedPage | None:
    """The shared page of the thread when it is exactly what this reader would read:
    not a moderator (they see held and removed posts), nothing of their own unpublished
    in the thread, and none of its posts hidden by their filters. None otherwise, or when
    nothing may be shared (``pagecache.shared``): the caller reads the reader's own page."""
    if place.can_moderate or is_site_staff(actor):
        return None
    after = cursor_decode(cursor, [datetime.datetime, int])
    page = pagecache.shared(
        thread_scope(thread.pk),
        ("posts", None if after is None else tuple(after)),
        lambda: _read_shared_page(thread, after),
    )
    if page is None:
        return None
    if actor.user_id is not None and actor.user_id in page.unpublished_authors:
        return None
    if any(hidden_by_filters(filters, p) for p in page.rows):
        return None
    return page


def post_page(
    *,
    actor: Actor,
    thread: Thread,
    place: Place,
    filters: Filters | None = None,
    cursor: str | None = None,
    limit: int = POSTS_PAGE_SIZE,
    rows: tuple[list[Post], bool] | None = None,
    counts: dict[int, dict[str, int]] | None = None,
) -> dict[str, Any]:
    """A page of a thread's posts in the order they were published, in 2 queries (posts;
    reaction counts with the reader's own). A post that waited for its author's future self
    takes its place when it is published (its ``created_at``), not when it was written
    (decision 0013).
    ``rows``: the page's posts when the caller read them already (``_post_rows``);
    ``counts``: their reaction counts, when read already (then only the reader's own are)."""
    filters = filters if filters is not None else filters_for(actor)
    moderator = place.can_moderate or is_site_staff(actor)
    if rows is None:
        rows = _post_rows(
            actor=actor, thread=thread, place=place, filters=filters, cursor=cursor, limit=limit
        )
    posts, more = rows
    if counts is None:
        counts, mine = reactions_of(actor, [p.pk for p in posts])
    else:
        mine = my_reactions(actor, [p.pk for p in posts])
    items = [
        post_data(
            actor,
            p,
            filters=filters,
            moderator=moderator,
            reactions=counts.get(p.pk),
            mine=mine.get(p.pk, ()),
        )
        for p in posts
    ]
    last = posts[-1] if more and posts else None
    return {"items": items, "next": cursor_encode([last.created_at, last.pk]) if last else None}


def _opening_of(thread: Thread) -> Post | None:
    return (
        Post.objects.filter(thread=thread, is_opening=True)
        .only("id", "thread_id", "body", "cw_text", "cw_topics", "status")
        .first()
    )


def _opening_tags(thread: Thread) -> list[str]:
    return list(
        PostTag.objects.filter(thread=thread, post__is_opening=True)
        .order_by("tag__name")
        .values_list("tag__name", flat=True)
    )


def thread_detail(
    *, actor: Actor, thread: Thread, place: Place, cursor: str | None = None
) -> dict[str, Any]:
    """The thread with a page of its posts. A thread whose opening post carries a topic the
    viewer hides is shown as a notice, without its posts. On the first page the opening
    post is the first row of the page (read once); ``thread.bookmarked``, when the caller
    read it with the thread (``access.get_thread_for``), saves a query.

    When this reader's page is the one every reader gets (``_shared_page_for``), its posts,
    tags and reaction counts are read once per process while the thread is unchanged
    (core/pagecache.py); only the reader's own reactions are read for them."""
    filters = filters_for(actor)
    hidden_topics = [t for t in topics_of(thread.cw_topics) if t in filters.hidden_topics]
    rows = None
    opening = None
    tags: Sequence[str] | None = None
    counts = None
    if not hidden_topics:
        shared = _shared_page_for(actor, thread, place, filters, cursor)
        if shared is not None:
            rows = (list(shared.rows[:POSTS_PAGE_SIZE]), len(shared.rows) > POSTS_PAGE_SIZE)
            opening, tags, counts = shared.opening, shared.tags, shared.counts
        else:
            rows = _post_rows(
                actor=actor,
                thread=thread,
                place=place,
                filters=filters,
                cursor=cursor,
                limit=POSTS_PAGE_SIZE,
            )
            if cursor is None and rows[0] and rows[0][0].is_opening:
                opening = rows[0][0]
    if opening is None:
        opening = _opening_of(thread)
    if tags is None:
        tags = _opening_tags(thread)
    data = thread_data(
        actor, thread, filters=filters, opening=opening, tags=tags, is_member=place.is_member
    )
    data["hidden_by_filters"] = bool(hidden_topics)
    data["can_reply"] = actor.is_authenticated and (
        place.can_moderate or (not thread.locked and thread.status == Status.VISIBLE)
    )
    data["can_moderate"] = place.can_moderate
    data["can_reveal"] = actor.is_authenticated and (
        place.can_moderate or actor.has_role(Role.CRISIS_RESPONDER)
    )
    bookmarked = getattr(thread, "bookmarked", None)
    if bookmarked is None:
        bookmarked = actor.user_id is not None and (
            Bookmark.objects.filter(user_id=actor.user_id, thread=thread).exists()
        )
    data["bookmarked"] = bool(bookmarked)
    if rows is None:
        data["posts"] = {"items": [], "next": None}
    else:
        data["posts"] = post_page(
            actor=actor,
            thread=thread,
            place=place,
            filters=filters,
            cursor=cursor,
            rows=rows,
            counts=counts,
        )
    return data


def post_revisions(*, actor: Actor, post: Post, place: Place) -> list[dict[str, Any]]:
    """Edit history, for moderators. Who edited is "author" or "moderator", never a name:
    the author of an anonymous post stays anonymous here too."""
    return [
        {
            "body": r.body,
            "content_warning": warning_data(topics_of(r.cw_topics), r.cw_text),
            "edited_by": "moderator" if r.by_moderator else "author",
            "note": r.note,
            "created_at": r.created_at,
        }
        for r in PostRevision.objects.filter(post=post).order_by("-id")
    ]


# --- feed, bookmarks, tags -------------------------------------------------------------------


FEED_SORTS = ("new", "needs_support", "supported")


def feed(*, actor: Actor, sort: str = "new", cursor: str | None = None) -> dict[str, Any]:
    """Threads of the communities I joined: newest, waiting for a first reply (oldest first,
    so nobody is left unanswered), or most supported this week."""
    member_of = member_community_ids(actor)
    readable = readable_community_ids(actor, member_of, joined_only=True)
    qs = Thread.objects.filter(community_id__in=readable)
    now = timezone.now()
    order = "new"
    if sort == "needs_support":
        qs = qs.filter(reply_count=0, created_at__gte=now - NEEDS_SUPPORT_WINDOW, locked=False)
        order = "waiting"
    elif sort == "supported":
        qs = qs.filter(created_at__gte=now - SUPPORTED_WINDOW, support_count__gt=0)
        order = "supported"
    return _thread_page(
        actor, qs, filters=filters_for(actor), cursor=cursor, order=order, member_of=member_of
    )


def bookmark_list(*, actor: Actor, cursor: str | None = None) -> dict[str, Any]:
    assert actor.user_id is not None
    member_of = member_community_ids(actor)
    readable = readable_community_ids(actor, member_of)
    qs = Thread.objects.filter(
        pk__in=Bookmark.objects.filter(user_id=actor.user_id).values("thread_id"),
        community_id__in=readable,
    )
    return _thread_page(
        actor, qs, filters=filters_for(actor), cursor=cursor, order="activity", member_of=member_of
    )


def tag_normalise(name: str) -> str:
    return name.strip().lstrip("#").lower()


def tag_threads(*, actor: Actor, name: str, cursor: str | None = None) -> dict[str, Any]:
    """A tag's page. A blocked tag shows support instead of posts."""
    name = tag_normalise(name)
    tag = Tag.objects.filter(name=name).first()
    if tag is not None and tag.blocked:
        return {"name": name, "blocked": True, "items": [], "next": None}
    if tag is None:
        return {"name": name, "blocked": False, "items": [], "next": None}
    member_of = member_community_ids(actor)
    readable = readable_community_ids(actor, member_of)
    qs = Thread.objects.filter(
        pk__in=PostTag.objects.filter(tag=tag, post__status=Status.VISIBLE).values("thread_id"),
        community_id__in=readable,
    )
    page = _thread_page(
        actor, qs, filters=filters_for(actor), cursor=cursor, order="activity", member_of=member_of
    )
    return {"name": name, "blocked": False, **page}


def trending_tags(*, actor: Actor, limit: int = 10) -> list[dict[str, Any]]:
    """Tags used most over the last week in public communities (teens: those marked for them).
    Blocked tags never trend. Computed at most every five minutes."""
    key = f"communities:trending:{'teen' if actor.is_teen else 'all'}:{limit}"
    found = cache.get(key)
    if found is not None:
        return list(found)
    since = timezone.now() - TRENDING_WINDOW
    qs = PostTag.objects.filter(
        created_at__gte=since,
        tag__blocked=False,
        post__status=Status.VISIBLE,
        thread__status=Status.VISIBLE,
        thread__community__visibility=Community.Visibility.PUBLIC,
    )
    if actor.is_teen:
        qs = qs.filter(thread__community__teen_friendly=True)
    rows = qs.values("tag__name").annotate(uses=Count("id")).order_by("-uses", "tag__name")[:limit]
    result = [
        {
            "name": r["tag__name"],
            "uses": r["uses"],
            "url": reverse("tag-detail", args=[r["tag__name"]]),
        }
        for r in rows
    ]
    cache.set(key, result, 300)
    return result


# --- search ------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"\w+", re.UNICODE)
SEARCH_MAX_QUERY = 200
#: On PostgreSQL, how many of the newest matches (of bodies, and of titles) are considered
#: before the visibility rules and ranking apply.
SEARCH_CANDIDATES = 500


def _fts5_query(q: str) -> str:
    """User words as quoted FTS5 strings (implicitly ANDed): no operator can be injected."""
    words = _WORD.findall(q)[:12]
    return " ".join('"' + w.replace('"', "") + '"' for w in words)


def _match(q: str) -> tuple[Q, RawSQL | None, Q | None]:
    """The database's full-text match of ``q`` over post bodies and thread titles, and a
    relevance score (higher is better). On PostgreSQL the title match comes apart (third
    item) so each half can use its own index."""
    if _CJK.search(q):
        # Neither engine's default tokenizer splits Chinese into words; a substring match is
        # what a reader expects, ranked by recency.
        term = q.strip()
        return (
            Q(body__icontains=term) | Q(is_opening=True, thread__title__icontains=term),
            None,
            None,
        )
    if connection.vendor == "postgresql":
        # A stored, generated column (migration 0004), read rather than recomputed.
        body = "communities_post.search_vector"
        query = "websearch_to_tsquery('english'::regconfig, %s)"
        matches = RawSQL(f"{body} @@ {query}", [q], output_field=BooleanField())  # noqa: S611
        # A top-level query of its own: inside a subquery Django would alias the table.
        titles = list(
            Thread.objects.filter(
                RawSQL(  # noqa: S611  (fixed SQL; the words are a parameter)
                    f"to_tsvector('english'::regconfig, communities_thread.title) @@ {query}",
                    [q],
                    output_field=BooleanField(),
                )
            )
            .order_by("-id")
            .values_list("pk", flat=True)[:SEARCH_CANDIDATES]
        )
        rank = RawSQL(f"ts_rank({body}, {query})", [q], output_field=FloatField())  # noqa: S611
        # Two index-friendly alternatives (an OR of them would scan every post): the caller
        # takes the newest SEARCH_CANDIDATES of each and ranks only those.
        return Q(matches), rank, Q(is_opening=True, thread_id__in=titles)
    fts = _fts5_query(q)
    if not fts:
        return Q(pk__in=[]), None, None
    matches = RawSQL(
        "communities_post.id IN (SELECT rowid FROM communities_post_fts "
        "WHERE communities_post_fts MATCH %s)",
        [fts],
        output_field=BooleanField(),
    )
    title_match = RawSQL(
        "communities_post.thread_id IN (SELECT rowid FROM communities_thread_fts "
        "WHERE communities_thread_fts MATCH %s)",
        [fts],
        output_field=BooleanField(),
    )
    # FTS5's rank is bm25, lower is better: negate it.
    rank = RawSQL(
        "-COALESCE((SELECT rank FROM communities_post_fts WHERE communities_post_fts "
        "MATCH %s AND rowid = communities_post.id), 0)",
        [fts],
        output_field=FloatField(),
    )
    return Q(matches) | (Q(is_opening=True) & Q(title_match)), rank, None


def search(*, actor: Actor, q: str, cursor: str | None = None) -> dict[str, Any]:
    """Visible posts (and threads, through their opening post) matching ``q``, best first.

    Only what the caller may read: visible posts in visible threads of communities they may
    read, without their hidden topics or blocked people. Ranked results page by position
    (the cursor holds an offset), up to ``SEARCH_MAX_RESULTS``.
    """
    q = " ".join(q.split())[:SEARCH_MAX_QUERY]
    after = cursor_decode(cursor, [int])
    offset = after[0] if after else 0
    if not q or offset < 0 or offset >= SEARCH_MAX_RESULTS:
        return {"items": [], "next": None, "query": q}
    filters = filters_for(actor)
    member_of = member_community_ids(actor)
    readable = readable_community_ids(actor, member_of)
    match, rank, title_match = _match(q)
    qs = Post.objects.filter(
        status=Status.VISIBLE,
        thread__status=Status.VISIBLE,
        thread__community_id__in=readable,
    )
    qs = _apply_filters(qs, filters)
    for topic in filters.hidden_topics:
        qs = qs.exclude(thread__cw_topics__contains=f",{topic},")
    if title_match is not None:
        # The newest matches of each half come from the full-text indexes alone, then the
        # visibility rules and ranking apply to those candidates only: joined in one query,
        # the planner walked every visible post and re-read its text (seconds at 100k posts).
        ids = set(
            Post.objects.filter(match)
            .order_by("-id")
            .values_list("pk", flat=True)[:SEARCH_CANDIDATES]
        )
        ids.update(
            Post.objects.filter(title_match)
            .order_by("-id")
            .values_list("pk", flat=True)[:SEARCH_CANDIDATES]
        )
        qs = qs.filter(pk__in=ids)
    else:
        qs = qs.filter(match)
    if rank is not None:
        qs = qs.annotate(relevance=rank).order_by("-relevance", "-id")
    else:
        qs = qs.order_by("-id")
    limit = PAGE_SIZE
    rows = list(
        qs.select_related("author", "reply_to", "reply_to__author", "thread", "thread__community")[
            offset : offset + limit + 1
        ]
    )
    more = len(rows) > limit and offset + limit < SEARCH_MAX_RESULTS
    rows = rows[:limit]
    items = []
    for post in rows:
        data = post_data(actor, post, filters=filters, moderator=False)
        data["thread"] = {
            "id": post.thread_id,
            "title": post.thread.title,
            "url": reverse("thread-detail", args=[post.thread_id]),
            "community": community_data(
                post.thread.community, is_member=post.thread.community_id in member_of
            ),
        }
        data["excerpt"] = None if data["collapsed"] else plain_text(post.body, 240)
        items.append(data)
    return {
        "items": items,
        "next": cursor_encode([offset + limit]) if more else None,
        "query": q,
    }


def thread_ids_of(*, user_id: int) -> list[int]:
    return list(Thread.objects.filter(author_id=user_id).values_list("pk", flat=True))


def thread_tags(*, thread: Thread) -> list[str]:
    return list(
        PostTag.objects.filter(thread=thread, post__is_opening=True)
        .order_by("tag__name")
        .values_list("tag__name", flat=True)
    )


def thread_summary(*, actor: Actor, thread: Thread, place: Place) -> dict[str, Any]:
    opening = Post.objects.filter(thread=thread, is_opening=True).first()
    return thread_data(
        actor,
        thread,
        filters=filters_for(actor),
        opening=opening,
        tags=thread_tags(thread=thread),
        is_member=place.is_member,
    )


def reaction_counts(*, post_id: int) -> dict[str, int]:
    return dict(
        Reaction.objects.filter(post_id=post_id)
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )


def reactions_of(
    actor: Actor, post_ids: list[int]
) -> tuple[dict[int, dict[str, int]], dict[int, set[str]]]:
    """Reaction counts per post and kind, and the reader's own kinds, in one grouped query."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    mine: dict[int, set[str]] = defaultdict(set)
    if not post_ids:
        return counts, mine
    by_me = (
        Count("id", filter=Q(user_id=actor.user_id))
        if actor.user_id is not None
        else Value(0, output_field=IntegerField())
    )
    for post_id, kind, n, n_mine in (
        Reaction.objects.filter(post_id__in=post_ids)
        .values("post_id", "kind")
        .annotate(n=Count("id"), mine=by_me)
        .values_list("post_id", "kind", "n", "mine")
    ):
        counts[post_id][kind] = n
        if n_mine:
            mine[post_id].add(kind)
    return counts, mine


def reaction_counts_of(post_ids: list[int]) -> dict[int, dict[str, int]]:
    """Reaction counts per post and kind, whoever reads them."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if post_ids:
        for post_id, kind, n in (
            Reaction.objects.filter(post_id__in=post_ids)
            .values("post_id", "kind")
            .annotate(n=Count("id"))
            .values_list("post_id", "kind", "n")
        ):
            counts[post_id][kind] = n
    return dict(counts)


def my_reactions(actor: Actor, post_ids: list[int]) -> dict[int, set[str]]:
    """The kinds of reaction the reader gave each of these posts (no query for a visitor)."""
    mine: dict[int, set[str]] = defaultdict(set)
    if actor.user_id is not None and post_ids:
        for post_id, kind in Reaction.objects.filter(
            post_id__in=post_ids, user_id=actor.user_id
        ).values_list("post_id", "kind"):
            mine[post_id].add(kind)
    return mine


def post_single(*, actor: Actor, post: Post, place: Place) -> dict[str, Any]:
    counts, mine = reactions_of(actor, [post.pk])
    return post_data(
        actor,
        post,
        filters=filters_for(actor),
        moderator=place.can_moderate or is_site_staff(actor),
        reactions=counts.get(post.pk, {}),
        mine=sorted(mine.get(post.pk, ())),
    )


# --- future self (decision 0013) ---------------------------------------------------------------


def post_version(post: Post) -> str:
    """What the trusted person read: changes whenever the author edits the post."""
    stamp = post.edited_at or post.created_at
    return f"{post.pk}.{int(stamp.timestamp() * 1_000_000)}"


def _waiting_page(
    qs: QuerySet[Post], *, cursor: str | None, limit: int
) -> tuple[list[Post], str | None]:
    """Waiting posts, soonest published first, a keyset page in one query."""
    after = cursor_decode(cursor, [datetime.datetime, int])
    if after is not None:
        qs = qs.filter(Q(release_at__gt=after[0]) | Q(release_at=after[0], id__gt=after[1]))
    rows = list(
        qs.select_related(
            "author", "reply_to", "reply_to__author", "thread", "thread__community"
        ).order_by("release_at", "id")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    return rows, cursor_encode([last.release_at, last.pk]) if last else None


def pending_post_list(
    *, actor: Actor, cursor: str | None = None, limit: int = PAGE_SIZE
) -> dict[str, Any]:
    """My posts that wait for my future self, with when each will be published."""
    assert actor.user_id is not None
    filters = filters_for(actor)
    rows, next_cursor = _waiting_page(
        Post.objects.filter(author_id=actor.user_id, status=Status.PENDING),
        cursor=cursor,
        limit=limit,
    )
    now = timezone.now()
    items = []
    for post in rows:
        data = post_data(actor, post, filters=filters, moderator=False)
        data["waiting"] = waiting_data(actor, post, now=now)
        data["title"] = post.thread.title if post.is_opening else None
        data["thread_title"] = post.thread.title
        data["community"] = community_data(post.thread.community)
        items.append(data)
    return {"items": items, "next": next_cursor}


def approval_list(
    *, actor: Actor, cursor: str | None = None, limit: int = PAGE_SIZE
) -> dict[str, Any]:
    """Posts waiting for my approval: of people who named me as their trusted person and
    whom I accepted. Only what they wrote (title, words, warning) and where: not the thread
    around it, which may be in a community I cannot read. Two queries."""
    from alongside.accounts.selectors import trusting_author_ids

    assert actor.user_id is not None
    authors = trusting_author_ids(trusted_id=actor.user_id)
    if not authors:
        return {"items": [], "next": None}
    rows, next_cursor = _waiting_page(
        Post.objects.filter(author_id__in=authors, status=Status.PENDING),
        cursor=cursor,
        limit=limit,
    )
    items = [
        {
            "id": post.pk,
            "author": {"username": post.author.username, "display_name": post.author.public_name}
            if post.author is not None
            else None,
            "anonymous": post.anonymous,
            "community": {"slug": post.thread.community.slug, "name": post.thread.community.name},
            "is_opening": post.is_opening,
            "title": post.thread.title if post.is_opening else None,
            "body": post.body,
            "body_html": post.body_html,
            "content_warning": warning_data(topics_of(post.cw_topics), post.cw_text),
            "written_at": post.edited_at or post.created_at,
            "release_at": post.release_at,
            "version": post_version(post),
        }
        for post in rows
    ]
    return {"items": items, "next": next_cursor}
