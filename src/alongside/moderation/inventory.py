"""Privacy inventory entries for moderation (see alongside.privacy.inventory) — decision 0014.

In a person's export: their reports (with outcomes), the actions taken on them (with reasons),
their appeals, sanctions and trust counters. Moderator notes about them are listed by date
only: they are staff working notes, and their words stay with the moderators.

Erasure deletes the person's reports, appeals, sanctions, counters and the notes about them
(whose key is shredded first anyway). Modlog rows stay, unlinked from the person: the public
log and the transparency counts must not change when someone leaves.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from alongside.moderation.models import (
    Appeal,
    Flag,
    Item,
    ModAction,
    ModeratorNote,
    Report,
    Sanction,
    ThreadVisit,
    TrustStats,
)
from alongside.moderation.selectors import _outcome
from alongside.privacy import inventory
from alongside.privacy.inventory import Erase


def _reports(user_id: int) -> list[dict[str, Any]]:
    return [
        {
            "target_type": r.target_type,
            "target_id": r.target_id,
            "reason": r.reason,
            "note": r.note,
            "created_at": r.created_at,
            "outcome": _outcome(r.item),
        }
        for r in Report.objects.filter(reporter_id=user_id).select_related("item").order_by("pk")
    ]


def _actions(user_id: int) -> list[dict[str, Any]]:
    return [
        {
            "action": a.action,
            "target_type": a.target_type,
            "target_id": a.target_id,
            "reason": a.reason,
            "created_at": a.created_at,
            "reversed_at": a.reversed_at,
        }
        for a in ModAction.objects.filter(subject_id=user_id)
        .exclude(action="reveal_anonymous_author")
        .order_by("pk")
    ]


def _erase_items(user_id: int) -> int:
    """Flags quote the words that tripped them (a phone number, a watched word): the quotes
    go with the person; the items stay, unlinked, for the counts."""
    Flag.objects.filter(item__author_id=user_id).update(excerpt="")
    return int(Item.objects.filter(author_id=user_id).update(author=None))


def _unlink(model: Any, field: str) -> Any:
    def erase(user_id: int) -> int:
        return int(model.objects.filter(**{f"{field}_id": user_id}).update(**{field: None}))

    return erase


inventory.register(
    Report,
    section="moderation_reports",
    description=_("Reports you sent, and what came of them."),
    user_field="reporter",
    export=_reports,
    erase=Erase.DELETE,
)
inventory.register(
    ModAction,
    section="moderation_actions",
    description=_("Moderator actions on your posts or your account, with their reasons."),
    user_field="subject",
    export=_actions,
    erase=_unlink(ModAction, "subject"),
    other_user_fields=("moderator",),
)
inventory.register(
    Appeal,
    section="moderation_appeals",
    description=_("Your appeals of moderator decisions and their outcomes."),
    user_field="appellant",
    export=("action_id", "text", "state", "decision_note", "created_at", "decided_at"),
    erase=Erase.DELETE,
    other_user_fields=("decided_by",),
)
inventory.register(
    Sanction,
    section="moderation_sanctions",
    description=_("Warnings, mutes and suspensions on your account."),
    export=("kind", "starts_at", "ends_at", "revoked_at"),
    erase=Erase.DELETE,
)
inventory.register(
    ModeratorNote,
    section="moderation_notes",
    description=_("Moderators' notes about you (dates only; the notes are staff working notes)."),
    user_field="subject",
    export=lambda user_id: [
        {"created_at": at}
        for at in ModeratorNote.objects.filter(subject_id=user_id)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    ],
    erase=Erase.DELETE,
    encrypted_fields=("text",),
    other_user_fields=("author",),
)
inventory.register(
    Item,
    section="moderation_items",
    description=_("Reviews of your posts in the moderation queue."),
    user_field="author",
    export=("target_type", "target_id", "state", "resolution", "created_at", "resolved_at"),
    erase=_erase_items,
    other_user_fields=("claimed_by",),
)
inventory.register(
    TrustStats,
    section="trust",
    description=_("Your trust level and the counters it comes from (no record of what you read)."),
    export=(
        "level",
        "topics_entered",
        "posts_read",
        "reading_seconds",
        "days_visited",
        "replies",
        "computed_at",
    ),
    erase=Erase.DELETE,
)
inventory.register(
    ThreadVisit,
    section="thread_visits",
    description=_("Which threads you opened today and yesterday (kept two days, for counting)."),
    export=("thread_id", "day"),
    erase=Erase.DELETE,
)
