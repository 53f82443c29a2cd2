"""Privacy inventory entries for communities (see alongside.privacy.inventory).

Erasure follows ARCHITECTURE.md: a person's posts in shared threads become "removed by its
author" tombstones (the words gone, the link to the person gone, anonymous or not), so other
people's replies keep their place; everything else of theirs is deleted.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F
from django.utils.translation import gettext_lazy as _

from alongside.communities.models import (
    Bookmark,
    Invitation,
    Membership,
    Post,
    PostRevision,
    PostTag,
    Reaction,
    Status,
    Thread,
)
from alongside.privacy import inventory
from alongside.privacy.inventory import Erase


def _topics(stored: str) -> list[str]:
    return [t for t in stored.split(",") if t]


def _threads(user_id: int) -> list[dict[str, Any]]:
    return [
        {
            "id": t.pk,
            "community": t.community.slug,
            "title": t.title,
            "anonymous": t.anonymous,
            "status": t.status,
            "created_at": t.created_at,
        }
        for t in Thread.objects.filter(author_id=user_id).select_related("community").order_by("pk")
    ]


def _posts(user_id: int) -> list[dict[str, Any]]:
    return [
        {
            "id": p.pk,
            "thread_id": p.thread_id,
            "body": p.body,
            "anonymous": p.anonymous,
            "content_warning": {"topics": _topics(p.cw_topics), "text": p.cw_text},
            "status": p.status,
            "created_at": p.created_at,
            "edited_at": p.edited_at,
            "release_at": p.release_at,
        }
        for p in Post.objects.filter(author_id=user_id).order_by("pk")
    ]


def _by_community(model: type[Membership] | type[Invitation], user_id: int) -> list[dict[str, Any]]:
    return [
        {"community": slug, "created_at": created_at}
        for slug, created_at in model.objects.filter(user_id=user_id)
        .order_by("pk")
        .values_list("community__slug", "created_at")
    ]


def _erase_posts(user_id: int) -> int:
    """Tombstone every post: words, warning, tags and edit history gone, author unlinked.
    Posts still waiting for the person's future self were never seen: they go entirely."""
    waiting, _by_model = Post.objects.filter(author_id=user_id, status=Status.PENDING).delete()
    posts = Post.objects.filter(author_id=user_id)
    visible_replies = (
        posts.filter(status=Status.VISIBLE, is_opening=False)
        .values("thread_id")
        .annotate(n=Count("id"))
    )
    for row in visible_replies:
        Thread.objects.filter(pk=row["thread_id"]).update(reply_count=F("reply_count") - row["n"])
    PostRevision.objects.filter(post__author_id=user_id).delete()
    PostTag.objects.filter(post__author_id=user_id).delete()
    return waiting + posts.update(
        status=Status.DELETED,
        body="",
        body_html="",
        cw_topics="",
        cw_text="",
        author=None,
        anonymous=False,
    )


def _erase_threads(user_id: int) -> int:
    # A thread still waiting for its author was never seen: it goes with its only post.
    waiting, _by_model = Thread.objects.filter(author_id=user_id, status=Status.PENDING).delete()
    return waiting + Thread.objects.filter(author_id=user_id).update(
        status=Status.DELETED, title="", cw_topics="", author=None, anonymous=False
    )


def _erase_reactions(user_id: int) -> int:
    reactions = Reaction.objects.filter(user_id=user_id)
    for row in reactions.values("post__thread_id").annotate(n=Count("id")):
        Thread.objects.filter(pk=row["post__thread_id"]).update(
            support_count=F("support_count") - row["n"]
        )
    deleted, _n = reactions.delete()
    return deleted


inventory.register(
    Thread,
    section="threads",
    description=_("Threads you started (anonymous ones too)."),
    user_field="author",
    export=_threads,
    erase=_erase_threads,
)
inventory.register(
    Post,
    section="posts",
    description=_("Everything you posted, with its content warning."),
    user_field="author",
    export=_posts,
    erase=_erase_posts,
)
inventory.register(
    PostRevision,
    section="post_revisions",
    description=_("Earlier versions of your posts, kept when they were edited."),
    user_field="post__author",
    export=("post_id", "body", "cw_topics", "cw_text", "by_moderator", "note", "created_at"),
    erase=Erase.DELETE,
    other_user_fields=("edited_by",),
)
inventory.register(
    Reaction,
    section="reactions",
    description=_("Support you sent to posts."),
    export=("post_id", "kind", "created_at"),
    erase=_erase_reactions,
)
inventory.register(
    Bookmark,
    section="bookmarks",
    description=_("Threads you bookmarked."),
    export=("thread_id", "created_at"),
    erase=Erase.DELETE,
)
inventory.register(
    Membership,
    section="community_memberships",
    description=_("Communities you joined."),
    export=lambda user_id: _by_community(Membership, user_id),
    erase=Erase.DELETE,
)
inventory.register(
    Invitation,
    section="community_invitations",
    description=_("Invitations you received to private communities."),
    export=lambda user_id: _by_community(Invitation, user_id),
    erase=Erase.DELETE,
    other_user_fields=("invited_by",),
)
