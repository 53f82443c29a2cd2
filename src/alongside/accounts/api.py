from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from alongside.accounts.access import user_of
from alongside.accounts.middleware import actor_for_request
from alongside.accounts.models import NOTIFY_KINDS, Block, User
from alongside.accounts.schemas import (
    BlockIn,
    BlockListOut,
    BlockOut,
    FutureSelfIn,
    FutureSelfOut,
    MeOut,
    MePatchIn,
    TrustedByListOut,
    TrustedPersonOut,
)
from alongside.accounts.selectors import (
    Filters,
    block_list,
    future_self_data,
    has_mfa,
    preferences_get,
    trusted_by_list,
    user_roles_list,
)
from alongside.accounts.services import (
    block_remove,
    block_set,
    future_self_update,
    preferences_update,
    profile_update,
    trusted_accept,
    trusted_end,
)
from alongside.core.actor import AgeBand
from alongside.core.api import USER_AUTH, ApiError
from alongside.core.content_warnings import TOPICS
from alongside.privacy.selectors import consent_summary

router = Router(tags=["me"])

_PREFERENCE_FIELDS = ("topic_filters", "muted_words", "notify", "quiet_hours")


def _preferences(user: User) -> dict[str, Any]:
    """The person's settings with every default filled in, as they take effect."""
    prefs = preferences_get(user_id=user.pk)
    filters = Filters(
        topic_filters=dict(prefs.topic_filters or {}), teen=user.age_band == AgeBand.TEEN
    )
    notify = prefs.notify or {}
    quiet = None
    if prefs.quiet_hours_start is not None and prefs.quiet_hours_end is not None:
        quiet = {
            "start": prefs.quiet_hours_start.strftime("%H:%M"),
            "end": prefs.quiet_hours_end.strftime("%H:%M"),
        }
    return {
        "topic_filters": {topic: filters.choice(topic) for topic in TOPICS},
        "muted_words": list(prefs.muted_words or []),
        "notify": {kind: notify.get(kind, True) is not False for kind in NOTIFY_KINDS},
        "quiet_hours": quiet,
    }


def _me(request: HttpRequest) -> dict[str, object]:
    user = user_of(request)
    actor = actor_for_request(request)
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "pronouns": user.pronouns,
        "locale": user.locale,
        "country": user.country,
        "time_zone": user.time_zone,
        "age_band": user.age_band.value if user.age_band else None,
        "roles": user_roles_list(user_id=user.pk),
        "pending_staff_roles": sorted(r.value for r in actor.pending_staff_roles),
        "mfa_enabled": has_mfa(user.pk),
        "consents": consent_summary(user_id=user.pk),
        "preferences": _preferences(user),
        "url": request.build_absolute_uri(reverse("account-settings")),
    }


@router.get("/me", response=MeOut, auth=USER_AUTH, summary="My profile, roles and consents")
def me_get(request: HttpRequest) -> dict[str, object]:
    return _me(request)


@router.patch(
    "/me",
    response=MeOut,
    auth=USER_AUTH,
    summary="Update my profile and my settings",
    description="All or nothing: when one field is refused, none is saved.",
)
def me_patch(request: HttpRequest, payload: MePatchIn) -> dict[str, object]:
    user_id = user_of(request).pk
    fields = payload.model_dump(exclude_unset=True)
    wants_preferences = any(name in fields for name in _PREFERENCE_FIELDS)
    profile = {k: v for k, v in fields.items() if k not in _PREFERENCE_FIELDS}
    quiet: Any = None
    if "quiet_hours" in fields:
        # ``quiet_hours: null`` switches them off, like {"start": null, "end": null}.
        quiet = payload.quiet_hours.as_times() if payload.quiet_hours else (None, None)
    # One transaction: a refused preference rolls back a profile change made just before.
    with transaction.atomic():
        request.user = profile_update(user_id=user_id, **profile)
        if wants_preferences:
            preferences_update(
                user_id=user_id,
                topic_filters=payload.topic_filters,
                muted_words=payload.muted_words,
                notify=payload.notify,
                quiet_hours=quiet,
            )
    return _me(request)


def _block_out(block: Block) -> dict[str, Any]:
    return {
        "username": block.target.username,
        "display_name": block.target.public_name,
        "kind": block.kind,
        "created_at": block.created_at,
    }


@router.get(
    "/me/blocks",
    response=BlockListOut,
    auth=USER_AUTH,
    summary="People I blocked or muted",
)
def blocks_list(request: HttpRequest) -> dict[str, Any]:
    return {"items": block_list(user_id=user_of(request).pk), "next": None}


@router.post(
    "/me/blocks",
    response=BlockOut,
    auth=USER_AUTH,
    summary="Block or mute someone",
    description=(
        "`block`: their named posts are hidden from me and they cannot reply to or mention me. "
        "`mute`: hidden only. Anonymous posts are never affected (decision 0011)."
    ),
)
def blocks_create(request: HttpRequest, payload: BlockIn) -> dict[str, Any]:
    block = block_set(
        user_id=user_of(request).pk, target_username=payload.username, kind=payload.kind
    )
    return _block_out(block)


@router.delete(
    "/me/blocks/{username}",
    response={204: None},
    auth=USER_AUTH,
    summary="Unblock or unmute someone",
    description="404 when I have not blocked or muted anyone of that name.",
)
def blocks_delete(request: HttpRequest, username: str) -> Status[None]:
    if not block_remove(user_id=user_of(request).pk, target_username=username):
        raise ApiError(404, _("Not found."), "not_found")
    return Status(204, None)


# --- future self (decision 0013) ---------------------------------------------------------------


def _future_self(request: HttpRequest) -> dict[str, Any]:
    user_id = user_of(request).pk
    return {
        **future_self_data(user_id=user_id, now=timezone.now()),
        "trusted_by": trusted_by_list(user_id=user_id),
        "url": request.build_absolute_uri(reverse("account-settings-future-self")),
    }


@router.get(
    "/me/future-self",
    response=FutureSelfOut,
    auth=USER_AUTH,
    summary="My future-self option: how long my new posts wait, and whom I trust",
)
def future_self_get(request: HttpRequest) -> dict[str, Any]:
    return _future_self(request)


@router.put(
    "/me/future-self",
    response=FutureSelfOut,
    auth=USER_AUTH,
    summary="Set my future-self option",
    description=(
        "A longer hold takes effect at once; a shorter one (or 0, off) only after one full "
        "current hold (`scheduled`). Naming a trusted person asks them; they can approve my "
        "waiting posts once they accept. `trusted_username: null` ends the arrangement."
    ),
)
def future_self_put(request: HttpRequest, payload: FutureSelfIn) -> dict[str, Any]:
    future_self_update(
        user_id=user_of(request).pk,
        hold_hours=payload.hold_hours,
        trusted_username=payload.trusted_username,
    )
    return _future_self(request)


@router.get(
    "/me/trusted-by",
    response=TrustedByListOut,
    auth=USER_AUTH,
    summary="People who asked me to be their trusted person",
)
def trusted_by_get(request: HttpRequest) -> dict[str, Any]:
    return {"items": trusted_by_list(user_id=user_of(request).pk), "next": None}


@router.post(
    "/me/trusted-by/{username}/accept",
    response=TrustedPersonOut,
    auth=USER_AUTH,
    summary="Agree to be someone's trusted person",
    description="404 when this person did not ask me (or no longer does).",
)
def trusted_by_accept(request: HttpRequest, username: str) -> dict[str, Any]:
    option = trusted_accept(user_id=user_of(request).pk, author_username=username)
    return {
        "username": option.user.username,
        "display_name": option.user.public_name,
        "status": "accepted",
        "since": option.trusted_accepted_at,
    }


@router.delete(
    "/me/trusted-by/{username}",
    response={204: None},
    auth=USER_AUTH,
    summary="Say no, or stop being someone's trusted person",
    description=(
        "Their posts keep waiting for the time they chose. 404 when there is nothing to end."
    ),
)
def trusted_by_end(request: HttpRequest, username: str) -> Status[None]:
    trusted_end(user_id=user_of(request).pk, author_username=username)
    return Status(204, None)
