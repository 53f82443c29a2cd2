"""Communities API (API.md): communities, threads, posts, reactions, bookmarks, tags,
search and feed. Handlers parse, build the Actor, call one service or selector."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from alongside.accounts.middleware import actor_for_request
from alongside.communities import access, selectors, services
from alongside.communities.schemas import (
    ApprovalPage,
    ApprovedOut,
    ApproveIn,
    BookmarkOut,
    CommunityDetailOut,
    CommunityIn,
    CommunityList,
    InvitationIn,
    InvitationOut,
    LockIn,
    MembershipOut,
    PendingPostPage,
    PostCreatedOut,
    PostIn,
    PostOut,
    PostPage,
    PostPatchIn,
    ReactionIn,
    ReactionOut,
    ReasonIn,
    RevealOut,
    RevisionList,
    SearchPage,
    TagBlockIn,
    TagBlockOut,
    TagList,
    TagPage,
    ThreadCreatedOut,
    ThreadDetailOut,
    ThreadIn,
    ThreadOut,
    ThreadPage,
)
from alongside.core.actor import Role
from alongside.core.api import OPTIONAL_AUTH, USER_AUTH, ApiError

router = Router(tags=["communities"])


def _warning(payload: Any) -> dict[str, Any] | None:
    return payload.model_dump() if payload is not None else None


def _signed_in(request: HttpRequest) -> Any:
    actor = actor_for_request(request)
    if not actor.is_authenticated:
        raise ApiError(401, _("Sign in to do this."), "not_authenticated")
    return actor


# --- communities -----------------------------------------------------------------------------


@router.get("/communities", response=CommunityList, auth=OPTIONAL_AUTH, summary="Communities")
def community_list(request: HttpRequest) -> dict[str, Any]:
    """Public and members-only communities, and private ones the caller belongs to
    (teens: only those marked for them)."""
    return {"items": selectors.community_list(actor=actor_for_request(request)), "next": None}


@router.post(
    "/communities", response={201: CommunityDetailOut}, auth=USER_AUTH, summary="Create (admin)"
)
def community_create(request: HttpRequest, payload: CommunityIn) -> Status[Any]:
    actor = actor_for_request(request)
    if not actor.has_role(Role.ADMIN):
        raise ApiError(403, _("Only administrators can create communities."), "forbidden")
    community = services.community_create(**payload.model_dump(), actor_id=actor.user_id)
    place = access.place_for(actor, community)
    return Status(201, selectors.community_detail(actor=actor, place=place))


@router.get(
    "/communities/{slug}", response=CommunityDetailOut, auth=OPTIONAL_AUTH, summary="A community"
)
def community_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    actor = actor_for_request(request)
    return selectors.community_detail(actor=actor, place=access.get_community_for(actor, slug))


@router.post(
    "/communities/{slug}/membership", response=MembershipOut, auth=USER_AUTH, summary="Join"
)
def membership_join(request: HttpRequest, slug: str) -> dict[str, Any]:
    actor = actor_for_request(request)
    place = access.get_community_for(actor, slug)
    services.membership_join(actor=actor, place=place)
    return {"community": slug, "is_member": True}


@router.delete(
    "/communities/{slug}/membership", response=MembershipOut, auth=USER_AUTH, summary="Leave"
)
def membership_leave(request: HttpRequest, slug: str) -> dict[str, Any]:
    actor = actor_for_request(request)
    place = access.get_community_for(actor, slug)
    services.membership_leave(actor=actor, place=place)
    return {"community": slug, "is_member": False}


@router.post(
    "/communities/{slug}/invitations",
    response={201: InvitationOut},
    auth=USER_AUTH,
    summary="Invite someone to a private community (its moderators)",
)
def invitation_create(request: HttpRequest, slug: str, payload: InvitationIn) -> Status[Any]:
    actor = actor_for_request(request)
    place = access.get_community_for(actor, slug)
    services.invitation_create(actor=actor, place=place, username=payload.username)
    return Status(201, {"community": slug, "username": payload.username})


@router.get(
    "/communities/{slug}/threads", response=ThreadPage, auth=OPTIONAL_AUTH, summary="Threads"
)
def thread_list(
    request: HttpRequest, slug: str, cursor: str | None = None, sort: str = "activity"
) -> dict[str, Any]:
    """Sorts: ``activity`` (default), ``new``, ``waiting`` (no reply yet), ``supported``."""
    actor = actor_for_request(request)
    place = access.get_community_for(actor, slug)
    if not place.can_read:
        raise ApiError(403, _("Join this community to read its threads."), "not_a_member")
    return selectors.thread_list(actor=actor, place=place, cursor=cursor, sort=sort)


@router.post(
    "/communities/{slug}/threads",
    response={201: ThreadCreatedOut},
    auth=USER_AUTH,
    summary="Start a thread",
)
def thread_create(request: HttpRequest, slug: str, payload: ThreadIn) -> Status[Any]:
    actor = actor_for_request(request)
    place = access.get_community_for(actor, slug)
    written = services.thread_create(
        actor=actor,
        place=place,
        title=payload.title,
        body=payload.body,
        anonymous=payload.anonymous,
        content_warning=_warning(payload.content_warning),
        tags=payload.tags,
    )
    return Status(201, _created_thread(actor, written))


def _created_thread(actor: Any, written: services.Written) -> dict[str, Any]:
    from alongside.accounts.selectors import filters_for

    filters = filters_for(actor)
    thread = written.thread
    data = selectors.thread_data(
        actor,
        thread,
        filters=filters,
        opening=written.post,
        tags=selectors.thread_tags(thread=thread),
        is_member=True,
    )
    data["post"] = selectors.post_data(actor, written.post, filters=filters, moderator=False)
    data["support"] = written.assessment.support
    return data


# --- threads -----------------------------------------------------------------------------------


@router.get(
    "/threads/{thread_id}",
    response=ThreadDetailOut,
    auth=OPTIONAL_AUTH,
    summary="A thread with its first page of posts",
)
def thread_detail(request: HttpRequest, thread_id: int, cursor: str | None = None) -> Any:
    actor = actor_for_request(request)
    thread, place = access.get_thread_for(actor, thread_id)
    return selectors.thread_detail(actor=actor, thread=thread, place=place, cursor=cursor)


@router.get(
    "/threads/{thread_id}/posts", response=PostPage, auth=OPTIONAL_AUTH, summary="More posts"
)
def post_list(request: HttpRequest, thread_id: int, cursor: str | None = None) -> Any:
    actor = actor_for_request(request)
    thread, place = access.get_thread_for(actor, thread_id)
    return selectors.post_page(actor=actor, thread=thread, place=place, cursor=cursor)


@router.post(
    "/threads/{thread_id}/posts",
    response={201: PostCreatedOut},
    auth=USER_AUTH,
    summary="Reply",
)
def post_create(request: HttpRequest, thread_id: int, payload: PostIn) -> Status[Any]:
    actor = actor_for_request(request)
    thread, place = access.get_thread_for(actor, thread_id)
    written = services.post_create(
        actor=actor,
        thread=thread,
        place=place,
        body=payload.body,
        anonymous=payload.anonymous,
        content_warning=_warning(payload.content_warning),
        reply_to=payload.reply_to,
    )
    from alongside.accounts.selectors import filters_for

    data = selectors.post_data(
        actor, written.post, filters=filters_for(actor), moderator=place.can_moderate
    )
    data["support"] = written.assessment.support
    return Status(201, data)


@router.post(
    "/threads/{thread_id}/lock", response=ThreadOut, auth=USER_AUTH, summary="Lock (moderators)"
)
def thread_lock(request: HttpRequest, thread_id: int, payload: LockIn) -> Any:
    actor = actor_for_request(request)
    thread, place = access.get_thread_for(actor, thread_id)
    thread = services.thread_lock(
        actor=actor, thread=thread, place=place, locked=payload.locked, reason=payload.reason
    )
    return selectors.thread_summary(actor=actor, thread=thread, place=place)


@router.put(
    "/threads/{thread_id}/bookmark", response=BookmarkOut, auth=USER_AUTH, summary="Bookmark"
)
def bookmark_add(request: HttpRequest, thread_id: int) -> dict[str, Any]:
    actor = actor_for_request(request)
    thread, _place = access.get_thread_for(actor, thread_id)
    services.bookmark_set(actor=actor, thread=thread, on=True)
    return {"thread_id": thread.pk, "bookmarked": True}


@router.delete(
    "/threads/{thread_id}/bookmark", response=BookmarkOut, auth=USER_AUTH, summary="Unbookmark"
)
def bookmark_remove(request: HttpRequest, thread_id: int) -> dict[str, Any]:
    actor = actor_for_request(request)
    thread, _place = access.get_thread_for(actor, thread_id)
    services.bookmark_set(actor=actor, thread=thread, on=False)
    return {"thread_id": thread.pk, "bookmarked": False}


@router.get("/me/bookmarks", response=ThreadPage, auth=USER_AUTH, summary="My bookmarks")
def bookmark_list(request: HttpRequest, cursor: str | None = None) -> Any:
    return selectors.bookmark_list(actor=actor_for_request(request), cursor=cursor)


# --- posts -------------------------------------------------------------------------------------


@router.patch("/posts/{post_id}", response=PostOut, auth=USER_AUTH, summary="Edit")
def post_edit(request: HttpRequest, post_id: int, payload: PostPatchIn) -> Any:
    """Authors edit body, title (first post) and warning; moderators add a warning with a
    note the author is told."""
    actor = actor_for_request(request)
    post, place = access.get_post_for(actor, post_id)
    fields = payload.model_dump(exclude_unset=True)
    post = services.post_edit(
        actor=actor,
        post=post,
        place=place,
        body=fields.get("body"),
        title=fields.get("title"),
        content_warning=fields.get("content_warning"),
        note=fields.get("note", ""),
    )
    return selectors.post_single(actor=actor, post=post, place=place)


@router.delete("/posts/{post_id}", response={204: None}, auth=USER_AUTH, summary="Remove")
def post_delete(request: HttpRequest, post_id: int, reason: str = "") -> Status[Any]:
    """The author deletes their post (its words are gone); a moderator removes it with a
    ``reason`` the author is told."""
    actor = actor_for_request(request)
    post, place = access.get_post_for(actor, post_id)
    services.post_delete(actor=actor, post=post, place=place, reason=reason)
    return Status(204, None)


@router.post(
    "/posts/{post_id}/reactions", response=ReactionOut, auth=USER_AUTH, summary="Send support"
)
def reaction_add(request: HttpRequest, post_id: int, payload: ReactionIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    post, place = access.get_post_for(actor, post_id)
    services.reaction_add(actor=actor, post=post, place=place, kind=payload.kind)
    return _reaction_out(post.pk, payload.kind, True)


@router.delete(
    "/posts/{post_id}/reactions/{kind}",
    response=ReactionOut,
    auth=USER_AUTH,
    summary="Take back support",
)
def reaction_remove(request: HttpRequest, post_id: int, kind: str) -> dict[str, Any]:
    actor = actor_for_request(request)
    post, _place = access.get_post_for(actor, post_id)
    services.reaction_remove(actor=actor, post=post, kind=kind)
    return _reaction_out(post.pk, kind, False)


def _reaction_out(post_id: int, kind: str, reacted: bool) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "kind": kind,
        "reacted": reacted,
        "reactions": selectors.reaction_counts(post_id=post_id),
    }


@router.get(
    "/posts/{post_id}/revisions",
    response=RevisionList,
    auth=USER_AUTH,
    summary="Edit history (moderators)",
)
def post_revisions(request: HttpRequest, post_id: int) -> dict[str, Any]:
    actor = actor_for_request(request)
    post, place = access.get_post_for(actor, post_id)
    if not place.can_moderate:
        raise ApiError(403, _("Only moderators can read edit history."), "forbidden")
    return {"items": selectors.post_revisions(actor=actor, post=post, place=place), "next": None}


@router.post(
    "/posts/{post_id}/reveal",
    response=RevealOut,
    auth=USER_AUTH,
    summary="Reveal an anonymous author (moderators, crisis responders; audited)",
)
def author_reveal(request: HttpRequest, post_id: int, payload: ReasonIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    post, place = access.get_post_for(actor, post_id)
    return services.author_reveal(actor=actor, post=post, place=place, reason=payload.reason)


# --- search, feed, tags ------------------------------------------------------------------------


@router.get("/search", response=SearchPage, auth=USER_AUTH, summary="Search")
def search(request: HttpRequest, q: str = "", cursor: str | None = None) -> dict[str, Any]:
    """Threads and posts the caller may read, best match first."""
    return selectors.search(actor=actor_for_request(request), q=q, cursor=cursor)


@router.get("/feed", response=ThreadPage, auth=USER_AUTH, summary="My feed")
def feed(request: HttpRequest, sort: str = "new", cursor: str | None = None) -> dict[str, Any]:
    """Threads in the communities I joined: ``new``, ``needs_support`` (no reply yet, longest
    waiting first) or ``supported`` (most support this week)."""
    if sort not in selectors.FEED_SORTS:
        raise ApiError(422, _("One of: %s") % ", ".join(selectors.FEED_SORTS), "invalid", "sort")
    return selectors.feed(actor=actor_for_request(request), sort=sort, cursor=cursor)


@router.get("/tags/trending", response=TagList, auth=OPTIONAL_AUTH, summary="Trending tags")
def tags_trending(request: HttpRequest) -> dict[str, Any]:
    return {"items": selectors.trending_tags(actor=actor_for_request(request)), "next": None}


@router.get("/tags/{name}", response=TagPage, auth=OPTIONAL_AUTH, summary="Threads with a tag")
def tag_detail(request: HttpRequest, name: str, cursor: str | None = None) -> dict[str, Any]:
    return selectors.tag_threads(actor=actor_for_request(request), name=name, cursor=cursor)


@router.post(
    "/tags/{name}/block", response=TagBlockOut, auth=USER_AUTH, summary="Block a tag (admin)"
)
def tag_block(request: HttpRequest, name: str, payload: TagBlockIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    if not actor.has_role(Role.ADMIN):
        raise ApiError(403, _("Only administrators can block tags."), "forbidden")
    tag = services.tag_block(
        name=name, blocked=payload.blocked, reason=payload.reason, actor_id=actor.user_id
    )
    return {"name": tag.name, "blocked": tag.blocked}


# --- future self (decision 0013) ---------------------------------------------------------------


@router.get(
    "/me/pending-posts",
    response=PendingPostPage,
    auth=USER_AUTH,
    summary="My posts waiting for my future self",
)
def pending_post_list(request: HttpRequest, cursor: str | None = None) -> dict[str, Any]:
    """Soonest published first, with when each will be published and from when I may
    publish it myself."""
    return selectors.pending_post_list(actor=actor_for_request(request), cursor=cursor)


@router.post(
    "/posts/{post_id}/publish",
    response=PostOut,
    auth=USER_AUTH,
    summary="Publish my waiting post now",
    description=(
        "The author only, once half of the wait has passed (409 `too_early` before); "
        "409 `not_pending` when the post does not wait. A post that moderation asked to "
        "review goes to review instead (`status: held`)."
    ),
)
def post_publish(request: HttpRequest, post_id: int) -> Any:
    actor = actor_for_request(request)
    post, place = access.get_post_for(actor, post_id)
    post = services.post_publish_now(actor=actor, post=post)
    return selectors.post_single(actor=actor, post=post, place=place)


@router.get(
    "/me/approvals",
    response=ApprovalPage,
    auth=USER_AUTH,
    summary="Posts waiting for my approval as someone's trusted person",
)
def approval_list(request: HttpRequest, cursor: str | None = None) -> dict[str, Any]:
    return selectors.approval_list(actor=actor_for_request(request), cursor=cursor)


@router.post(
    "/posts/{post_id}/approve",
    response=ApprovedOut,
    auth=USER_AUTH,
    summary="Approve a post waiting for me (its author's trusted person)",
    description=(
        "Publishes it at once. 404 unless the post waits and its author named me and I "
        "accepted; 409 `changed` when `version` is not the one I read."
    ),
)
def post_approve(request: HttpRequest, post_id: int, payload: ApproveIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    post = access.get_post_for_approval(actor, post_id)
    post = services.post_approve(actor=actor, post=post, version=payload.version)
    return {"id": post.pk, "status": post.status}
