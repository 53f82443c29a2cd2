"""The only way a request's id becomes a community, thread or post (404 when missing *or*
not visible: the two answer alike)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.http import Http404

from alongside.communities.models import (
    Bookmark,
    Community,
    Invitation,
    Membership,
    Post,
    Status,
    Thread,
)
from alongside.core.actor import Actor, Role


def is_site_staff(actor: Actor) -> bool:
    """Site-wide moderators and crisis responders (and admins) read every community:
    a person at risk may write in a private one."""
    return actor.has_role(Role.MODERATOR) or actor.has_role(Role.CRISIS_RESPONDER)


def can_moderate(actor: Actor, community: Community) -> bool:
    return actor.has_role(Role.MODERATOR, community=community.slug)


def can_reveal(actor: Actor, community: Community) -> bool:
    """Who may, with a recorded reason, learn who wrote an anonymous post."""
    return can_moderate(actor, community) or actor.has_role(Role.CRISIS_RESPONDER)


def communities_visible_q(actor: Actor, member_of: set[int]) -> Q:
    """Communities the actor may know exist: public and members-only ones, private ones they
    belong to; teens only those marked for them."""
    q = ~Q(visibility=Community.Visibility.PRIVATE) | Q(pk__in=member_of)
    if is_site_staff(actor):
        q = Q()
    elif actor.community_roles:
        q |= Q(slug__in=list(actor.community_roles))
    if actor.is_teen:
        q &= Q(teen_friendly=True)
    return q


@dataclass(frozen=True)
class Place:
    """A community as one actor stands in it."""

    community: Community
    is_member: bool
    can_read: bool
    can_moderate: bool
    #: invited to a private community: may see it (to accept), not read it
    invited: bool = False


def member_community_ids(actor: Actor) -> set[int]:
    if actor.user_id is None:
        return set()
    return set(
        Membership.objects.filter(user_id=actor.user_id).values_list("community_id", flat=True)
    )


def place_for(actor: Actor, community: Community, *, is_member: bool | None = None) -> Place:
    if is_member is None:
        is_member = (
            actor.user_id is not None
            and Membership.objects.filter(user_id=actor.user_id, community=community).exists()
        )
    moderate = can_moderate(actor, community)
    staff = moderate or is_site_staff(actor)
    can_read = community.visibility == Community.Visibility.PUBLIC or is_member or staff
    invited = (
        community.visibility == Community.Visibility.PRIVATE
        and not is_member
        and actor.user_id is not None
        and Invitation.objects.filter(user_id=actor.user_id, community=community).exists()
    )
    return Place(
        community=community,
        is_member=is_member,
        can_read=can_read,
        can_moderate=moderate,
        invited=invited,
    )


def _visible_or_404(actor: Actor, place: Place) -> None:
    community = place.community
    if actor.is_teen and not community.teen_friendly:
        raise Http404
    if (
        community.visibility == Community.Visibility.PRIVATE
        and not place.is_member
        and not place.invited
        and not place.can_moderate
        and not is_site_staff(actor)
    ):
        raise Http404


def get_community_for(actor: Actor, slug: str) -> Place:
    """The community if the actor may know it exists (it may still be unreadable: a
    members-only community shows its description and a Join button)."""
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise Http404
    place = place_for(actor, community)
    _visible_or_404(actor, place)
    return place


def _is_author(actor: Actor, author_id: int | None) -> bool:
    return actor.user_id is not None and author_id == actor.user_id


def thread_visible_to(actor: Actor, thread: Thread, place: Place) -> bool:
    if thread.status in (Status.VISIBLE, Status.DELETED):
        return True
    if thread.status == Status.PENDING:
        # Waiting for its author's future self: nobody else, staff included (decision 0013).
        return _is_author(actor, thread.author_id)
    if place.can_moderate or is_site_staff(actor):
        return True
    # Held threads: their author sees them (with a notice); removed ones: nobody else.
    return (
        thread.status == Status.HELD
        and actor.user_id is not None
        and (thread.author_id == actor.user_id)
    )


_THREAD = connection.ops.quote_name(Thread._meta.db_table)
_MEMBERSHIP = connection.ops.quote_name(Membership._meta.db_table)
_BOOKMARK = connection.ops.quote_name(Bookmark._meta.db_table)


def get_thread_for(
    actor: Actor, thread_id: int, *, with_bookmark: bool = False
) -> tuple[Thread, Place]:
    """A thread the actor may read. Missing, in a community they may not read, or hidden
    from them: the same 404. One query: the thread, its community and author, whether the
    actor joined the community (and, ``with_bookmark``, whether they bookmarked the thread:
    ``thread.bookmarked``)."""
    queryset = Thread.objects.select_related("community", "author")
    if actor.user_id is not None:
        # Raw EXISTS: the ORM's Exists() costs more to compile than the query costs to run.
        queryset = queryset.annotate(
            joined=RawSQL(  # noqa: S611 - table names from the models, the id bound
                f"EXISTS (SELECT 1 FROM {_MEMBERSHIP} m WHERE m.user_id = %s "  # noqa: S608
                f"AND m.community_id = {_THREAD}.community_id)",
                [actor.user_id],
                output_field=BooleanField(),
            )
        )
        if with_bookmark:
            queryset = queryset.annotate(
                bookmarked=RawSQL(  # noqa: S611 - as above
                    f"EXISTS (SELECT 1 FROM {_BOOKMARK} b WHERE b.user_id = %s "  # noqa: S608
                    f"AND b.thread_id = {_THREAD}.id)",
                    [actor.user_id],
                    output_field=BooleanField(),
                )
            )
    thread = queryset.filter(pk=thread_id).first()
    if thread is None:
        raise Http404
    place = place_for(actor, thread.community, is_member=getattr(thread, "joined", False))
    _visible_or_404(actor, place)
    if not place.can_read or not thread_visible_to(actor, thread, place):
        raise Http404
    return thread, place


def post_visible_to(actor: Actor, post: Post, place: Place) -> bool:
    if post.status in (Status.VISIBLE, Status.DELETED):
        return True
    if post.status == Status.PENDING:
        return _is_author(actor, post.author_id)
    if place.can_moderate or is_site_staff(actor):
        return True
    return (
        post.status == Status.HELD
        and actor.user_id is not None
        and (post.author_id == actor.user_id)
    )


def get_post_for(actor: Actor, post_id: int) -> tuple[Post, Place]:
    post = Post.objects.select_related("thread", "thread__community").filter(pk=post_id).first()
    if post is None:
        raise Http404
    place = place_for(actor, post.thread.community)
    _visible_or_404(actor, place)
    if (
        not place.can_read
        or not thread_visible_to(actor, post.thread, place)
        or not post_visible_to(actor, post, place)
    ):
        raise Http404
    return post, place


def get_post_for_approval(actor: Actor, post_id: int) -> Post:
    """A waiting post the actor may approve: its author named them as trusted person and
    they accepted. Anything else (missing, published, someone else's) is the same 404.

    The community's visibility is not checked: the author chose to show this person the post.
    """
    from alongside.accounts.selectors import is_trusted_approver

    if actor.user_id is None:
        raise Http404
    post = (
        Post.objects.select_related("thread", "thread__community", "author")
        .filter(pk=post_id, status=Status.PENDING)
        .first()
    )
    if post is None or not is_trusted_approver(trusted_id=actor.user_id, author_id=post.author_id):
        raise Http404
    return post
