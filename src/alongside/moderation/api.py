"""Moderation endpoints: reports (members), the queue, items, actions and appeals
(moderators; 404 for anyone else), appeals by the person acted on, notes, the public modlog."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from alongside.accounts.middleware import actor_for_request
from alongside.core.actor import Actor, Role
from alongside.core.api import OPTIONAL_AUTH, USER_AUTH, ApiError
from alongside.moderation import access, selectors, services
from alongside.moderation.actions import action_take
from alongside.moderation.models import ReportReason
from alongside.moderation.schemas import (
    ActionIn,
    ActionOut,
    AppealDecideIn,
    AppealIn,
    AppealList,
    AppealOut,
    ItemDetailOut,
    ModlogOut,
    MyModerationOut,
    MyReportList,
    NoteIn,
    NoteList,
    NoteOut,
    QueueOut,
    ReportAccepted,
    ReportIn,
    WatchedWordImportIn,
    WatchedWordImportOut,
    WatchedWordIn,
    WatchedWordList,
    WatchedWordOut,
)

router = Router(tags=["moderation"])
_MAX_ID = 2**63 - 1


def _id(value: int) -> int:
    if not 0 < value <= _MAX_ID:
        raise Http404
    return value


def _moderator(request: HttpRequest) -> Actor:
    actor = actor_for_request(request)
    access.require_moderator(actor)
    return actor


def report_received_detail(reason: str) -> str:
    if reason == ReportReason.SOMEONE_AT_RISK:
        return _(
            "Thank you for looking out for someone. Our care team will take a look. If someone "
            "is in danger now, call your local emergency number; the help page lists crisis lines."
        )
    return _("Thank you. Moderators will look at your report.")


@router.post(
    "/reports",
    response={202: ReportAccepted},
    auth=USER_AUTH,
    summary="Report a post, a thread or a person",
    description=(
        "`target_type` is `post` or `thread` (with its number) or `user` (with a username). "
        "The answer is the same whether or not the target exists or is visible to you. "
        "`someone_at_risk` goes to the crisis team instead of moderators. Limited per person "
        "(429 with Retry-After)."
    ),
)
def report_create(request: HttpRequest, payload: ReportIn) -> Status[Any]:
    actor = actor_for_request(request)
    services.report_create(
        actor=actor,
        target_type=payload.target_type,
        target_id=payload.target_id,
        reason=payload.reason,
        note=payload.note or "",
    )
    return Status(202, {"status": "received", "detail": report_received_detail(payload.reason)})


@router.get("/me/reports", response=MyReportList, auth=USER_AUTH, summary="My reports")
def my_reports(request: HttpRequest, cursor: str | None = None) -> dict[str, Any]:
    return selectors.my_reports(actor=actor_for_request(request), cursor=cursor)


@router.get(
    "/me/moderation",
    response=MyModerationOut,
    auth=USER_AUTH,
    summary="Moderator actions on me, my appeals and sanctions",
)
def my_moderation(request: HttpRequest) -> dict[str, Any]:
    return selectors.my_moderation(actor=actor_for_request(request))


@router.get(
    "/moderation/queue",
    response=QueueOut,
    auth=USER_AUTH,
    summary="The moderation queue (moderators)",
    description="Open items, safety first, then severity, then the oldest.",
)
def queue(request: HttpRequest, cursor: str | None = None) -> dict[str, Any]:
    actor = _moderator(request)
    return {
        **selectors.queue_page(actor=actor, cursor=cursor),
        **selectors.queue_counts(actor=actor),
    }


@router.get("/moderation/items/{item_id}", response=ItemDetailOut, auth=USER_AUTH)
def item_detail(request: HttpRequest, item_id: int) -> dict[str, Any]:
    actor = actor_for_request(request)
    item = access.get_item_for(actor, _id(item_id))
    return selectors.item_detail(actor=actor, item=item)


@router.post("/moderation/items/{item_id}/claim", response=ItemDetailOut, auth=USER_AUTH)
def item_claim(request: HttpRequest, item_id: int) -> dict[str, Any]:
    actor = actor_for_request(request)
    item = services.item_claim(actor=actor, item=access.get_item_for(actor, _id(item_id)))
    return selectors.item_detail(actor=actor, item=item)


@router.delete("/moderation/items/{item_id}/claim", response=ItemDetailOut, auth=USER_AUTH)
def item_unclaim(request: HttpRequest, item_id: int) -> dict[str, Any]:
    actor = actor_for_request(request)
    item = services.item_unclaim(actor=actor, item=access.get_item_for(actor, _id(item_id)))
    return selectors.item_detail(actor=actor, item=item)


@router.post(
    "/moderation/items/{item_id}/actions",
    response=ActionOut,
    auth=USER_AUTH,
    summary="Act on an item",
    description=(
        "`action`: approve, dismiss, hide, remove, restore, add_content_warning (`topics`, "
        "`text`), remove_content_warning, edit_with_note (`body`), lock, unlock, move "
        "(`community`), slow_mode (`seconds`), warn, mute (`hours`), suspend (`days`), ban "
        "(administrators), reveal_anonymous_author. A reason is required (shown to the author "
        "and in the public modlog). 409 when another moderator holds the item."
    ),
)
def item_action(request: HttpRequest, item_id: int, payload: ActionIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    item = access.get_item_for(actor, _id(item_id))
    result = action_take(
        actor=actor,
        item=item,
        action=payload.action,
        reason=payload.reason,
        params=payload.params(),
    )
    return {
        "id": result.action.pk,
        "action": result.action.action,
        "item_state": result.item.state if result.item else "",
        "follow_ups": [a.action for a in result.follow_ups],
        "author": result.data.get("author"),
        "until": result.data.get("until"),
    }


@router.post(
    "/moderation/actions/{action_id}/appeal",
    response={201: AppealOut},
    auth=USER_AUTH,
    summary="Appeal an action on me (once)",
)
def appeal_create(request: HttpRequest, action_id: int, payload: AppealIn) -> Status[Any]:
    actor = actor_for_request(request)
    action = access.get_action_for_subject(actor, _id(action_id))
    appeal = services.appeal_create(actor=actor, action=action, text=payload.text)
    return Status(201, {"id": appeal.pk, "state": appeal.state, "created_at": appeal.created_at})


@router.get("/moderation/appeals", response=AppealList, auth=USER_AUTH)
def appeals(request: HttpRequest) -> dict[str, Any]:
    actor = _moderator(request)
    return {"items": selectors.appeals_pending(actor=actor), "next": None}


@router.post("/moderation/appeals/{appeal_id}/decide", response=AppealOut, auth=USER_AUTH)
def appeal_decide(request: HttpRequest, appeal_id: int, payload: AppealDecideIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    appeal = access.get_appeal_for(actor, _id(appeal_id))
    appeal = services.appeal_decide(
        actor=actor, appeal=appeal, decision=payload.decision, note=payload.note
    )
    return {"id": appeal.pk, "state": appeal.state, "created_at": appeal.created_at}


def _subject(actor: Actor, username: str) -> int:
    """Notes are for site moderators (a person is not in one community)."""
    from alongside.accounts.selectors import user_ids_by_username

    if not actor.has_role(Role.MODERATOR):
        raise Http404
    found = user_ids_by_username([username]).get(username.lower())
    if found is None:
        raise Http404
    return found


@router.get("/moderation/users/{username}/notes", response=NoteList, auth=USER_AUTH)
def notes_list(request: HttpRequest, username: str) -> dict[str, Any]:
    actor = actor_for_request(request)
    subject = _subject(actor, username)
    return {"items": selectors.notes_list(actor=actor, subject_id=subject), "next": None}


@router.post("/moderation/users/{username}/notes", response={201: NoteOut}, auth=USER_AUTH)
def note_add(request: HttpRequest, username: str, payload: NoteIn) -> Status[Any]:
    actor = actor_for_request(request)
    subject = _subject(actor, username)
    note = services.note_add(actor=actor, subject_id=subject, text=payload.text)
    return Status(
        201, {"id": str(note.id), "text": note.text, "author": "", "created_at": note.created_at}
    )


@router.get(
    "/communities/{slug}/modlog",
    response=ModlogOut,
    auth=OPTIONAL_AUTH,
    summary="A community's public moderation log",
    description="What moderators did and why; never who, to whom, or the words removed.",
)
def modlog(request: HttpRequest, slug: str, cursor: str | None = None) -> dict[str, Any]:
    from alongside.communities.access import get_community_for

    place = get_community_for(actor_for_request(request), slug)
    if not place.can_read:
        raise ApiError(403, _("Join this community to read its log."), "not_a_member")
    return selectors.modlog_page(community=place.community.slug, cursor=cursor)


# --- watched words (site moderators for the site list; community moderators for theirs) -----


@router.get(
    "/moderation/watched-words",
    response=WatchedWordList,
    auth=USER_AUTH,
    summary="Watched words of the site (community empty) or of a community",
)
def watched_words(request: HttpRequest, community: str = "") -> dict[str, Any]:
    actor = actor_for_request(request)
    access.require_word_keeper(actor, community)
    return {"items": selectors.watched_words_list(community=community), "next": None}


@router.post("/moderation/watched-words", response={201: WatchedWordOut}, auth=USER_AUTH)
def watched_word_add(request: HttpRequest, payload: WatchedWordIn) -> Status[Any]:
    actor = actor_for_request(request)
    access.require_word_keeper(actor, payload.community)
    word = services.watched_word_set(
        actor=actor,
        community=payload.community,
        pattern=payload.pattern,
        action=payload.action,
        argument=payload.extra,
    )
    return Status(
        201,
        {
            "id": word.pk,
            "community": word.community,
            "pattern": word.pattern,
            "action": word.action,
            "extra": word.argument,
            "created_at": word.created_at,
        },
    )


@router.post(
    "/moderation/watched-words/import",
    response=WatchedWordImportOut,
    auth=USER_AUTH,
    summary="Import watched words (CSV lines pattern,action[,extra] or a JSON list)",
)
def watched_words_import(request: HttpRequest, payload: WatchedWordImportIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    access.require_word_keeper(actor, payload.community)
    return services.watched_words_import(
        actor=actor, community=payload.community, text=payload.text
    )


@router.get(
    "/moderation/watched-words/export",
    auth=USER_AUTH,
    summary="Export watched words as CSV",
    response={200: None},
    openapi_extra={
        "responses": {
            200: {"description": "OK", "content": {"text/csv": {"schema": {"type": "string"}}}}
        }
    },
)
def watched_words_export(request: HttpRequest, community: str = "") -> HttpResponse:
    actor = actor_for_request(request)
    access.require_word_keeper(actor, community)
    response = HttpResponse(
        services.watched_words_export(community=community), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="watched-words.csv"'
    return response


@router.delete("/moderation/watched-words/{word_id}", response={204: None}, auth=USER_AUTH)
def watched_word_delete(request: HttpRequest, word_id: int) -> Status[None]:
    actor = actor_for_request(request)
    word = access.get_watched_word_for(actor, _id(word_id))
    services.watched_word_delete(actor=actor, word=word)
    return Status(204, None)
