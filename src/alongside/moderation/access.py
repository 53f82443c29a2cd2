"""The only way a request's id becomes a queue item, a modlog action or an appeal.

Items and appeals are for moderators of the item's community (site moderators and admins:
every community); anyone else gets the same 404 as for a missing id.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from alongside.core.actor import Actor, Role
from alongside.moderation.models import Appeal, Item, ModAction, WatchedWord


def is_moderator(actor: Actor) -> bool:
    """A moderator somewhere (site-wide, or of at least one community)."""
    return actor.has_role(Role.MODERATOR) or any(
        Role.MODERATOR in roles for roles in actor.community_roles.values()
    )


def moderated_communities(actor: Actor) -> set[str] | None:
    """None: every community (site moderators, admins); otherwise the slugs moderated."""
    if actor.has_role(Role.MODERATOR):
        return None
    return {slug for slug, roles in actor.community_roles.items() if Role.MODERATOR in roles}


def scope_q(actor: Actor, field: str = "community") -> Q:
    """Rows the actor moderates. Items about people (no community) are for site moderators."""
    communities = moderated_communities(actor)
    if communities is None:
        return Q()
    return Q(**{f"{field}__in": sorted(communities)})


def require_moderator(actor: Actor) -> None:
    if not is_moderator(actor):
        raise Http404


def require_word_keeper(actor: Actor, community: str) -> None:
    """Site-wide words: site moderators; a community's words: its moderators. 404 otherwise
    (and for a community that does not exist)."""
    if community == "":
        if not actor.has_role(Role.MODERATOR):
            raise Http404
        return
    from alongside.communities.models import Community

    if not actor.has_role(Role.MODERATOR, community=community):
        raise Http404
    if not Community.objects.filter(slug=community).exists():
        raise Http404


def get_watched_word_for(actor: Actor, word_id: int) -> WatchedWord:
    word = WatchedWord.objects.filter(pk=word_id).first()
    if word is None:
        require_moderator(actor)
        raise Http404
    require_word_keeper(actor, word.community)
    return word


def get_item_for(actor: Actor, item_id: int) -> Item:
    require_moderator(actor)
    item = Item.objects.filter(scope_q(actor), pk=item_id).first()
    if item is None:
        raise Http404
    return item


def get_action_for_subject(actor: Actor, action_id: int) -> ModAction:
    """An action on the actor themself (to appeal it)."""
    if actor.user_id is None:
        raise Http404
    action = ModAction.objects.filter(pk=action_id, subject_id=actor.user_id).first()
    if action is None:
        raise Http404
    return action


def get_appeal_for(actor: Actor, appeal_id: int) -> Appeal:
    require_moderator(actor)
    appeal = (
        Appeal.objects.select_related("action")
        .filter(scope_q(actor, "action__community"), pk=appeal_id)
        .first()
    )
    if appeal is None:
        raise Http404
    return appeal
