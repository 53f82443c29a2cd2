"""Reads of moderation, always scoped to an Actor, each list in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from alongside.core.actor import Actor
from alongside.core.audit import audit_record
from alongside.core.markdown import plain_text
from alongside.core.pagination import cursor_decode, cursor_encode
from alongside.moderation.access import scope_q
from alongside.moderation.models import (
    Appeal,
    Flag,
    Item,
    ModAction,
    ModeratorNote,
    Report,
    ReportReason,
    Sanction,
)
from alongside.moderation.services import claimed_by_other

PAGE_SIZE = 50
HISTORY_SIZE = 5
#: What the public modlog may say about each action (no names, no words).
PUBLIC_ACTIONS = (
    "approve",
    "hide",
    "remove",
    "restore",
    "add_content_warning",
    "remove_content_warning",
    "edit_with_note",
    "lock",
    "unlock",
    "move",
    "slow_mode",
    "warn",
    "mute",
    "suspend",
    "ban",
    "reverse",
)


def _posts_by_id(ids: set[int]) -> dict[int, Any]:
    from alongside.communities.models import Post

    if not ids:
        return {}
    return {
        p.pk: p
        for p in Post.objects.filter(pk__in=ids).select_related("thread", "thread__community")
    }


def _waiting(post: Any) -> bool:
    """A post waiting for its author's "future self" delay is read by nobody else, staff
    included (decision 0013): its item shows the evidence, not the words, until it is out."""
    return post is not None and post.status == "pending"


def _excerpt(post: Any, length: int = 200) -> str:
    return plain_text(post.body, length) if post is not None and post.body else ""


def _item_out(
    item: Item,
    post: Any,
    actor: Actor,
    now: datetime.datetime,
    *,
    kinds: list[str],
    reasons: dict[str, int],
) -> dict[str, Any]:
    return {
        "id": item.pk,
        "url": reverse("moderation:item-detail", args=[item.pk]),
        "target_type": item.target_type,
        "target_id": item.target_id,
        "community": item.community,
        "state": item.state,
        "resolution": item.resolution,
        "safety_first": item.safety_first,
        "severity": item.severity,
        "held": item.held,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "claimed": item.claimed_until is not None and item.claimed_until > now,
        "claimed_by_me": item.claimed_by_id == actor.user_id
        and item.claimed_until is not None
        and item.claimed_until > now,
        "claimed_by_other": claimed_by_other(item, actor, now),
        "flag_kinds": sorted(set(kinds)),
        "report_reasons": reasons,
        "excerpt": "" if _waiting(post) else _excerpt(post),
        "content_warning": sorted(filter(None, post.cw_topics.split(","))) if post else [],
        "post_status": post.status if post is not None else None,
        "thread_title": post.thread.title if post is not None and not _waiting(post) else "",
    }


def queue_page(
    *, actor: Actor, cursor: str | None = None, limit: int = PAGE_SIZE
) -> dict[str, Any]:
    """Open items the actor moderates: safety first, then severity, then the oldest."""
    values = cursor_decode(cursor, [int, int, datetime.datetime, int])
    queryset = Item.objects.filter(scope_q(actor), state=Item.State.OPEN)
    if values is not None:
        safety, severity, created, pk = values
        queryset = queryset.filter(
            Q(safety_first__lt=bool(safety))
            | Q(safety_first=bool(safety), severity__lt=severity)
            | Q(safety_first=bool(safety), severity=severity, created_at__gt=created)
            | Q(safety_first=bool(safety), severity=severity, created_at=created, pk__gt=pk)
        )
    rows = list(queryset.order_by("-safety_first", "-severity", "created_at", "pk")[: limit + 1])
    page, more = rows[:limit], len(rows) > limit
    items = items_out(actor=actor, items=page)
    last = page[-1] if page else None
    return {
        "items": items,
        "next": cursor_encode([int(last.safety_first), last.severity, last.created_at, last.pk])
        if more and last is not None
        else None,
    }


def items_out(*, actor: Actor, items: list[Item]) -> list[dict[str, Any]]:
    now = timezone.now()
    ids = [i.pk for i in items]
    kinds: dict[int, list[str]] = defaultdict(list)
    for item_id, kind in Flag.objects.filter(item_id__in=ids).values_list("item_id", "kind"):
        kinds[item_id].append(kind)
    reasons: dict[int, Counter[str]] = defaultdict(Counter)
    for item_id, reason in Report.objects.filter(item_id__in=ids).values_list("item_id", "reason"):
        reasons[item_id][reason] += 1
    posts = _posts_by_id({int(i.target_id) for i in items if i.target_type == "post"})
    return [
        _item_out(
            i,
            posts.get(int(i.target_id)) if i.target_type == "post" else None,
            actor,
            now,
            kinds=kinds[i.pk],
            reasons=dict(reasons[i.pk]),
        )
        for i in items
    ]


def queue_counts(*, actor: Actor) -> dict[str, int]:
    row = Item.objects.filter(scope_q(actor), state=Item.State.OPEN).aggregate(
        total=Count("id"), safety=Count("id", filter=Q(safety_first=True))
    )
    return {"open": row["total"], "safety_first": row["safety"]}


def item_detail(*, actor: Actor, item: Item) -> dict[str, Any]:
    """The item with its evidence, the author's recent history and prior actions. An
    anonymous post's author stays hidden (history included) until revealed with a reason."""
    from alongside.accounts.models import User
    from alongside.communities.models import Post

    out = items_out(actor=actor, items=[item])[0]
    post = (
        _posts_by_id({int(item.target_id)}).get(int(item.target_id))
        if item.target_type == "post"
        else None
    )
    out["flags"] = [
        {
            "kind": f.kind,
            "rule": f.rule,
            "severity": f.severity,
            "action": f.action,
            "excerpt": "" if _waiting(post) else f.excerpt,
            "created_at": f.created_at,
        }
        for f in Flag.objects.filter(item=item).order_by("-severity", "pk")[:100]
    ]
    out["reports"] = [
        {"reason": r.reason, "note": r.note, "created_at": r.created_at}
        for r in Report.objects.filter(item=item).order_by("pk")[:100]
    ]
    anonymous = bool(post is not None and post.anonymous)
    out["post"] = (
        {
            "id": post.pk,
            "body": "" if _waiting(post) else post.body,
            "status": post.status,
            "anonymous": post.anonymous,
            "is_opening": post.is_opening,
            "thread_id": post.thread_id,
            "thread_title": "" if _waiting(post) else post.thread.title,
            "thread_locked": post.thread.locked,
            "community": post.thread.community.slug,
            "content_warning": {
                "topics": sorted(filter(None, post.cw_topics.split(","))),
                "text": post.cw_text,
            },
            "url": reverse("thread-detail", args=[post.thread_id]) + f"#post-{post.pk}",
        }
        if post is not None
        else None
    )
    author_id = post.author_id if post is not None else item.author_id
    out["author"] = None
    out["history"] = []
    out["prior_actions"] = []
    if author_id is not None and not anonymous:
        user = User.objects.filter(pk=author_id).only("pk", "username", "date_joined").first()
        if user is not None:
            from alongside.moderation.trust import trust_level

            out["author"] = {
                "id": user.pk,
                "username": user.username,
                "joined": user.date_joined,
                "trust_level": trust_level(user.pk),
            }
            history = Post.objects.filter(author_id=user.pk, anonymous=False).exclude(
                status="pending"
            )
            if post is not None:
                history = history.exclude(pk=post.pk)
            out["history"] = [
                {
                    "id": p.pk,
                    "thread_id": p.thread_id,
                    "excerpt": _excerpt(p, 140),
                    "status": p.status,
                    "anonymous": p.anonymous,
                    "created_at": p.created_at,
                }
                for p in history.order_by("-id")[:HISTORY_SIZE]
            ]
            out["prior_actions"] = [
                _action_private(a)
                for a in ModAction.objects.filter(subject_id=user.pk)
                .exclude(_on_anonymous_content(user.pk))
                .order_by("-id")[:10]
            ]
    out["anonymous_author_hidden"] = anonymous
    return out


def _on_anonymous_content(user_id: int) -> Q:
    """Actions about the person's anonymous posts and threads: listing them beside the
    person's name would tie those posts to them without a recorded reveal (decision 0011)."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from alongside.communities.models import Post, Thread

    def ids(model: Any) -> Any:
        return (
            model.objects.filter(author_id=user_id, anonymous=True)
            .annotate(key=Cast("pk", CharField()))
            .values("key")
        )

    return Q(target_type="post", target_id__in=ids(Post)) | Q(
        target_type="thread", target_id__in=ids(Thread)
    )


def _action_private(action: ModAction) -> dict[str, Any]:
    return {
        "id": action.pk,
        "action": action.action,
        "reason": action.reason,
        "created_at": action.created_at,
        "reversed": action.reversed_at is not None,
    }


# --- reporters ---------------------------------------------------------------------------------


def _outcome(item: Item | None) -> str:
    if item is None or item.state == Item.State.OPEN:
        return "received"
    if item.resolution in ("approve", "dismiss"):
        return "no_action"
    return "action_taken"


def my_reports(
    *, actor: Actor, cursor: str | None = None, limit: int = PAGE_SIZE
) -> dict[str, Any]:
    """The reporter's own reports with their outcome, never who decided."""
    values = cursor_decode(cursor, [int])
    queryset = Report.objects.filter(reporter_id=actor.user_id).select_related("item")
    if values is not None:
        queryset = queryset.filter(pk__lt=values[0])
    rows = list(queryset.order_by("-pk")[: limit + 1])
    page, more = rows[:limit], len(rows) > limit
    return {
        "items": [
            {
                "id": r.pk,
                "target_type": r.target_type,
                "target_id": r.target_id,
                "reason": r.reason,
                "reason_label": str(ReportReason(r.reason).label),
                "created_at": r.created_at,
                "outcome": _outcome(r.item),
            }
            for r in page
        ],
        "next": cursor_encode([page[-1].pk]) if more and page else None,
    }


# --- people on the receiving end ------------------------------------------------------------------


def my_moderation(*, actor: Actor) -> dict[str, Any]:
    """Actions on the person (with their appeal state) and active sanctions."""
    now = timezone.now()
    actions = list(
        ModAction.objects.filter(subject_id=actor.user_id)
        .exclude(action__in=("reveal_anonymous_author", "dismiss", "reverse"))
        .select_related("appeal")
        .order_by("-id")[:100]
    )
    from alongside.moderation.actions import APPEALABLE

    out = []
    for a in actions:
        appeal = getattr(a, "appeal", None) if hasattr(a, "appeal") else None
        out.append(
            {
                "id": a.pk,
                "action": a.action,
                "reason": a.reason,
                "created_at": a.created_at,
                "reversed": a.reversed_at is not None,
                "appeal": {"state": appeal.state, "decision_note": appeal.decision_note}
                if appeal is not None
                else None,
                "can_appeal": appeal is None and a.reversed_at is None and a.action in APPEALABLE,
                "appeal_url": reverse("moderation:appeal-create", args=[a.pk]),
            }
        )
    sanctions = [
        {"kind": s.kind, "ends_at": s.ends_at}
        for s in Sanction.objects.filter(user_id=actor.user_id or 0, revoked_at__isnull=True)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("-starts_at")[:20]
    ]
    return {"actions": out, "sanctions": sanctions}


def appeals_pending(*, actor: Actor) -> list[dict[str, Any]]:
    """Appeals the actor may decide: in communities they moderate, not of their own actions."""
    rows = (
        Appeal.objects.filter(scope_q(actor, "action__community"), state=Appeal.State.PENDING)
        .exclude(action__moderator_id=actor.user_id)
        .select_related("action")
        .order_by("created_at")[:100]
    )
    return [
        {
            "id": a.pk,
            "text": a.text,
            "created_at": a.created_at,
            "action": _action_private(a.action),
            "community": a.action.community,
            "item_url": reverse("moderation:item-detail", args=[a.action.item_id])
            if a.action.item_id
            else None,
        }
        for a in rows
    ]


# --- public -----------------------------------------------------------------------------------


def modlog_page(
    *, community: str, cursor: str | None = None, limit: int = PAGE_SIZE
) -> dict[str, Any]:
    """The community's public log: what was done and why, never by whom, to whom, or the
    words removed."""
    values = cursor_decode(cursor, [int])
    queryset = ModAction.objects.filter(community=community, action__in=PUBLIC_ACTIONS)
    if values is not None:
        queryset = queryset.filter(pk__lt=values[0])
    rows = list(
        queryset.order_by("-pk").values(
            "pk", "action", "target_type", "reason", "created_at", "reversed_at"
        )[: limit + 1]
    )
    page, more = rows[:limit], len(rows) > limit
    return {
        "items": [
            {
                "id": r["pk"],
                "action": r["action"],
                "target_type": r["target_type"],
                "reason": r["reason"],
                "created_at": r["created_at"],
                "reversed": r["reversed_at"] is not None,
            }
            for r in page
        ],
        "next": cursor_encode([page[-1]["pk"]]) if more and page else None,
    }


def transparency(*, months: int = 12) -> dict[str, Any]:
    """Counts per month: actions by kind, reports by reason. Counts only."""
    since = (timezone.now() - datetime.timedelta(days=31 * months)).replace(day=1)
    actions = (
        ModAction.objects.filter(created_at__gte=since, action__in=PUBLIC_ACTIONS)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "action")
        .annotate(n=Count("id"))
        .order_by("-month", "action")
    )
    reports = (
        Report.objects.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "reason")
        .annotate(n=Count("id"))
        .order_by("-month", "reason")
    )
    by_month: dict[str, dict[str, Any]] = {}
    for row in actions:
        key = row["month"].strftime("%Y-%m")
        by_month.setdefault(key, {"month": key, "actions": {}, "reports": {}})["actions"][
            row["action"]
        ] = row["n"]
    for report_row in reports:
        key = report_row["month"].strftime("%Y-%m")
        by_month.setdefault(key, {"month": key, "actions": {}, "reports": {}})["reports"][
            report_row["reason"]
        ] = report_row["n"]
    return {"months": sorted(by_month.values(), key=lambda m: m["month"], reverse=True)}


# --- notes --------------------------------------------------------------------------------------


def notes_list(*, actor: Actor, subject_id: int) -> list[dict[str, Any]]:
    """Moderator notes about a person; every reading is audited."""
    from alongside.accounts.models import User

    notes = list(ModeratorNote.objects.filter(subject_id=subject_id).order_by("-created_at")[:100])
    audit_record(
        actor_id=actor.user_id,
        action="moderation.notes_read",
        target_user_id=subject_id,
        data={"count": len(notes)},
    )
    authors = dict(
        User.objects.filter(pk__in={n.author_id for n in notes if n.author_id}).values_list(
            "pk", "username"
        )
    )
    return [
        {
            "id": str(n.id),
            "text": n.text,
            "author": authors.get(n.author_id, "") if n.author_id else "",
            "created_at": n.created_at,
        }
        for n in notes
    ]


def watched_words_list(*, community: str) -> list[dict[str, Any]]:
    from alongside.moderation.models import WatchedWord

    return [
        {
            "id": w.pk,
            "community": w.community,
            "pattern": w.pattern,
            "action": w.action,
            "extra": w.argument,
            "created_at": w.created_at,
        }
        for w in WatchedWord.objects.filter(community=community).order_by("pattern", "action")[
            :5000
        ]
    ]
