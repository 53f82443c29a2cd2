"""Writes of moderation: screening text (the one entry point for every app), reports, queue
items and claims, posting checks (sanctions, slow mode), appeals, moderator notes.

Moderator actions themselves are command objects in :mod:`alongside.moderation.actions`.
"""

from __future__ import annotations

import datetime
import logging
import math
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from alongside.core import ratelimit
from alongside.core.actor import Actor, Role
from alongside.core.api import ApiError
from alongside.core.audit import audit_record
from alongside.core.realtime import event_publish
from alongside.moderation.models import (
    Flag,
    Item,
    ModeratorNote,
    Report,
    ReportReason,
    Sanction,
    SlowMode,
    WatchedWord,
    WatchListVersion,
)
from alongside.moderation.screening import Author, Finding, scan

log = logging.getLogger(__name__)


class Verdict(StrEnum):
    ALLOW = "allow"
    FLAG = "flag"  # publish, and put it in the moderators' queue
    HOLD = "hold"  # keep it from others until a moderator approves
    BLOCK = "block"  # refuse the write with ``message``


@dataclass(frozen=True)
class ScreenResult:
    verdict: Verdict = Verdict.ALLOW
    #: each flag: {"rule", "category", "evidence"} so the moderator sees why
    flags: tuple[dict[str, str], ...] = field(default_factory=tuple)
    message: str = ""
    #: the text with censored watched words starred out, or None when nothing was censored
    censored_text: str | None = None
    #: content-warning topics that watched words ask for
    content_warning_topics: tuple[str, ...] = ()
    #: resources that watched words link to (shown to the writer)
    links: tuple[str, ...] = ()
    #: censors any other text (a title) the same way; identity when nothing is censored
    censor: Callable[[str], str] = field(default=lambda text: text, compare=False)


ALLOWED = ScreenResult()

#: Finding kinds that concern someone's safety: their items sort above everything else.
SAFETY_KINDS = frozenset({"method_detail", "pro_self_harm", "at_risk"})
_LINK_RE = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
RECENT_TEXTS = 10
EXCERPT_MAX = 300

EVENT_QUEUE = "moderation.queue"


# --- watched words (compiled once per process, recompiled when the version moves) -------------

_watch_lock = threading.Lock()
_watch_cache: dict[str, Any] = {"version": None, "lists": {}}


def _compile(entries: list[tuple[str, str, str]]) -> Any:
    """A compiled list (``watchwords.WatchList``); None when there is nothing to match. An
    entry that no longer compiles is skipped (logged), never the whole list."""
    from alongside.moderation import watchwords

    if not entries:
        return None
    valid = []
    for entry in entries:
        try:
            watchwords.clean_entry(*entry)
        except watchwords.InvalidEntry:
            log.warning("watched word skipped: it does not compile")
            continue
        valid.append(entry)
    return watchwords.WatchList.compile(valid) if valid else None


def watch_version() -> int:
    row = WatchListVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return int(row or 0)


def watch_version_bump() -> None:
    """Call inside the transaction that changes watched words."""
    updated = WatchListVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        WatchListVersion.objects.get_or_create(pk=1, defaults={"version": 1})


def watchlists_for(community: str) -> list[Any]:
    """The site-wide list and the community's, compiled (cached per process and version)."""
    version = watch_version()
    with _watch_lock:
        if _watch_cache["version"] != version:
            _watch_cache["version"] = version
            _watch_cache["lists"] = {}
        lists: dict[str, Any] = _watch_cache["lists"]
    found = []
    for scope in ("", community) if community else ("",):
        if scope not in lists:
            entries = [
                (w.pattern, w.action, w.argument)
                for w in WatchedWord.objects.filter(community=scope).order_by("pk")
            ]
            compiled = _compile(entries)
            with _watch_lock:
                lists[scope] = compiled
        if lists.get(scope) is not None:
            found.append(lists[scope])
    return found


def watched_word_set(
    *, actor: Actor, community: str, pattern: str, action: str, argument: str = ""
) -> WatchedWord:
    from alongside.moderation import watchwords

    if action not in WatchedWord.Action.values:
        raise ApiError(422, _("Unknown action."), "invalid", "action")
    try:
        entry = watchwords.clean_entry(pattern or "", action, argument or "")
    except watchwords.InvalidEntry as exc:
        raise ApiError(422, str(exc), "invalid", "pattern") from None
    pattern, argument = entry.pattern, entry.extra
    with transaction.atomic():
        word, _created = WatchedWord.objects.update_or_create(
            community=community, pattern=pattern, action=action, defaults={"argument": argument}
        )
        watch_version_bump()
        audit_record(
            actor_id=actor.user_id,
            action="moderation.watched_word",
            data={"community": community, "action": action},
        )
    return word


def watched_word_delete(*, actor: Actor, word: WatchedWord) -> None:
    with transaction.atomic():
        WatchedWord.objects.filter(pk=word.pk).delete()
        watch_version_bump()
        audit_record(
            actor_id=actor.user_id,
            action="moderation.watched_word_delete",
            data={"community": word.community, "action": word.action},
        )


def watched_words_import(*, actor: Actor, community: str, text: Any) -> dict[str, Any]:
    """Add every valid line (CSV ``pattern,action[,extra]`` or a JSON list); bad lines are
    reported by number and skipped; existing entries are kept (their extra updated)."""
    from alongside.moderation import watchwords

    if not isinstance(text, str) or len(text) > 500_000:
        raise ApiError(422, _("Paste the list as text."), "invalid", "text")
    entries, problems = watchwords.parse_import(text)
    with transaction.atomic():
        for entry in entries:
            WatchedWord.objects.update_or_create(
                community=community,
                pattern=entry.pattern,
                action=entry.action,
                defaults={"argument": entry.extra},
            )
        if entries:
            watch_version_bump()
        audit_record(
            actor_id=actor.user_id,
            action="moderation.watched_words_import",
            data={"community": community, "added": len(entries), "problems": len(problems)},
        )
    return {
        "added": len(entries),
        "problems": [{"line": p.line, "message": p.message} for p in problems[:100]],
    }


def watched_words_export(*, community: str) -> str:
    from alongside.moderation import watchwords

    return watchwords.export(
        (w.pattern, w.action, w.argument)
        for w in WatchedWord.objects.filter(community=community).order_by("pattern", "action")
    )


# --- screening -------------------------------------------------------------------------------


def _author(user_id: int | None, level: int, *, exclude_post: int | None) -> Author:
    from alongside.accounts.models import User
    from alongside.communities.models import Post

    if user_id is None:
        return Author()
    now = timezone.now()
    joined = User.objects.filter(pk=user_id).values_list("date_joined", flat=True).first()
    recent = Post.objects.filter(author_id=user_id).exclude(body="")
    if exclude_post is not None:
        recent = recent.exclude(pk=exclude_post)
    rows = list(recent.order_by("-id").values_list("body", "created_at")[:RECENT_TEXTS])
    return Author(
        trust_level=level,
        account_age_days=((now - joined).total_seconds() / 86400) if joined else 0.0,
        recent_texts=tuple(body for body, _at in rows),
        recent_ages=tuple(max(0.0, (now - at).total_seconds()) for _body, at in rows),
        links_allowed=level >= 1,
    )


def rate_limit(*, actor: Actor, action: str) -> None:
    """Count one ``action`` (``thread_create``, ``post_create``, ``report_create``) against the
    posting limits (moderation/limits.py); raises a 429 ``RateLimited`` when over."""
    from alongside.moderation.limits import enforce

    enforce(actor=actor, action=action)


def screen(
    *,
    actor: Actor,
    surface: str,
    text: str,
    community: str = "",
    object_type: str = "",
    object_id: int | str | None = None,
) -> ScreenResult:
    """The one entry point through which every app hands text to moderation.

    Called inside the owning app's write transaction, after the row exists, so queue items
    commit or roll back with the write. Block beats hold beats flag; a new account (trust
    level 0) is held for anything flagged, and for any link.
    """
    from alongside.moderation.trust import trust_level

    level = trust_level(actor.user_id)
    post_id = int(object_id) if object_type == "post" and object_id is not None else None
    author = _author(actor.user_id, level, exclude_post=post_id)
    findings: list[Finding] = list(scan(text, author=author))
    censors: list[Any] = []
    topics: list[str] = []
    links: list[str] = []
    for watchlist in watchlists_for(community):
        for hit in watchlist.match(text):
            if hit.action in ("block", "hold", "flag"):
                findings.append(
                    Finding(
                        kind="watched_word",
                        severity=3 if hit.action == "block" else 2,
                        action=hit.action,
                        rule=f"watched:{hit.pattern}"[:80],
                        start=hit.start,
                        end=hit.end,
                        excerpt=text[hit.start : hit.end][:EXCERPT_MAX],
                    )
                )
            elif hit.action == "censor" and watchlist not in censors:
                censors.append(watchlist)
            elif hit.action == "warn" and hit.extra:
                topics.append(hit.extra)
            elif hit.action == "link" and hit.extra:
                links.append(hit.extra)
    if level == 0 and not any(f.kind == "spam_link" for f in findings):
        match = _LINK_RE.search(text)
        if match:
            findings.append(
                Finding(
                    kind="spam_link",
                    severity=2,
                    action="hold",
                    rule="new_account_link",
                    start=match.start(),
                    end=match.end(),
                    excerpt=match.group(0)[:EXCERPT_MAX],
                )
            )
    censor_fn = _censor_with(censors)
    censored = censor_fn(text) if censors else None
    extra = {
        "censored_text": censored if censored != text else None,
        "content_warning_topics": tuple(dict.fromkeys(topics)),
        "links": tuple(dict.fromkeys(links)),
        "censor": censor_fn,
    }
    if not findings:
        return ScreenResult(**extra)  # type: ignore[arg-type]
    actions = {f.action for f in findings}
    flags = tuple(
        {"rule": f.rule, "category": f.kind, "evidence": f.excerpt[:EXCERPT_MAX]} for f in findings
    )
    if "block" in actions:
        blocking = next(f for f in findings if f.action == "block")
        return ScreenResult(
            verdict=Verdict.BLOCK,
            flags=flags,
            message=blocking.message or _("This can't be posted here."),
            **extra,  # type: ignore[arg-type]
        )
    verdict = Verdict.HOLD if ("hold" in actions or level == 0) else Verdict.FLAG
    if object_type and object_id is not None:
        item_record(
            target_type=object_type,
            target_id=str(object_id),
            community=community,
            author_id=actor.user_id,
            findings=findings,
            held=verdict == Verdict.HOLD,
        )
    log.info("moderation screen verdict=%s surface=%s", verdict, surface)
    return ScreenResult(verdict=verdict, flags=flags, **extra)  # type: ignore[arg-type]


def safety_flag(
    *, post_id: int, community: str, author_id: int | None, level: str, held: bool
) -> Item | None:
    """What the risk engine found reaches the same queue, first: a post whose writer now has a
    crisis case (``high``/``imminent``) and a post the engine held for method details. The
    item carries no words and no case details — those stay with the crisis team — only that
    the post needs care (moderators should not remove it without thinking of the writer)."""
    findings = []
    if held:
        findings.append(Finding("method_detail", 5, "hold", "safety.method_detail", 0, 0, ""))
    if level in ("high", "imminent"):
        findings.append(
            Finding("at_risk", 5 if level == "imminent" else 4, "flag", f"safety.{level}", 0, 0, "")
        )
    if not findings:
        return None
    return item_record(
        target_type="post",
        target_id=str(post_id),
        community=community,
        author_id=author_id,
        findings=findings,
        held=held,
    )


def _censor_with(lists: Sequence[Any]) -> Callable[[str], str]:
    def censor(text: str) -> str:
        for watchlist in lists:
            text = watchlist.censor(text)
        return text

    return censor


# --- the queue -------------------------------------------------------------------------------


def moderator_ids(community: str) -> set[int]:
    """Who watches the queue of ``community``: its moderators, site moderators and admins
    whose role is in effect (an active account, and MFA on when staff need it)."""
    from alongside.accounts.selectors import role_holders

    return role_holders((Role.MODERATOR, Role.ADMIN), community=community)


def queue_publish(item: Item, change: str) -> None:
    """Tell the item's moderators (their pages refresh); inside the transaction."""
    for user_id in sorted(moderator_ids(item.community)):
        event_publish(
            user_id=user_id,
            type=EVENT_QUEUE,
            data={"item_id": item.pk, "change": change, "state": item.state},
        )


def item_record(
    *,
    target_type: str,
    target_id: str,
    community: str,
    author_id: int | None,
    findings: Iterable[Finding] = (),
    held: bool = False,
    report: Report | None = None,
    severity: int = 1,
) -> Item:
    """Add evidence to the target's open item (creating it): one item per target."""
    now = timezone.now()
    findings = list(findings)
    with transaction.atomic():
        item = (
            Item.objects.select_for_update()
            .filter(target_type=target_type, target_id=target_id, state=Item.State.OPEN)
            .first()
        )
        created = item is None
        if item is None:
            try:
                with transaction.atomic():
                    item = Item.objects.create(
                        target_type=target_type,
                        target_id=target_id,
                        community=community,
                        author_id=author_id,
                        created_at=now,
                        updated_at=now,
                    )
            except IntegrityError:  # another writer opened it first: join theirs
                item = Item.objects.select_for_update().get(
                    target_type=target_type, target_id=target_id, state=Item.State.OPEN
                )
                created = False
        item.severity = max(
            [item.severity, severity, *(min(5, max(1, f.severity)) for f in findings)]
        )
        item.safety_first = item.safety_first or any(f.kind in SAFETY_KINDS for f in findings)
        item.held = item.held or held
        item.updated_at = now
        item.save(update_fields=["severity", "safety_first", "held", "updated_at"])
        Flag.objects.bulk_create(
            Flag(
                item=item,
                kind=f.kind[:32],
                rule=f.rule[:80],
                severity=min(5, max(1, f.severity)),
                action=f.action[:8],
                excerpt=f.excerpt[:EXCERPT_MAX],
                created_at=now,
            )
            for f in findings
        )
        if report is not None:
            Report.objects.filter(pk=report.pk).update(item=item)
        queue_publish(item, "created" if created else "updated")
    return item


def _claim_ttl() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "MODERATION_CLAIM_MINUTES", 15))


def claimed_by_other(item: Item, actor: Actor, now: datetime.datetime) -> bool:
    return (
        item.claimed_by_id is not None
        and item.claimed_by_id != actor.user_id
        and item.claimed_until is not None
        and item.claimed_until > now
    )


def item_claim(*, actor: Actor, item: Item, now: datetime.datetime | None = None) -> Item:
    """Take an item for ``MODERATION_CLAIM_MINUTES``: other moderators cannot act on it."""
    now = now or timezone.now()
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if item.state != Item.State.OPEN:
            raise ApiError(409, _("This item was already reviewed."), "resolved")
        if claimed_by_other(item, actor, now):
            raise ApiError(409, _("Another moderator is reviewing this item."), "claimed")
        item.claimed_by_id = actor.user_id
        item.claimed_until = now + _claim_ttl()
        item.save(update_fields=["claimed_by", "claimed_until"])
        queue_publish(item, "claimed")
    return item


def item_unclaim(*, actor: Actor, item: Item, now: datetime.datetime | None = None) -> Item:
    """Give an item back. Only its holder can (or anyone once the claim expired)."""
    now = now or timezone.now()
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if claimed_by_other(item, actor, now):
            raise ApiError(409, _("Another moderator is reviewing this item."), "claimed")
        if item.claimed_by_id is not None:
            item.claimed_by_id = None
            item.claimed_until = None
            item.save(update_fields=["claimed_by", "claimed_until"])
            queue_publish(item, "unclaimed")
    return item


# --- reports ---------------------------------------------------------------------------------

REPORT_TARGETS = ("post", "thread", "user")
NOTE_MAX = 1000


def _report_limit() -> tuple[int, int]:
    limit = getattr(settings, "MODERATION_REPORT_LIMIT", (10, 3600))
    return int(limit[0]), int(limit[1])


def _clean_report(
    target_type: Any, target_id: Any, reason: Any, note: Any
) -> tuple[str, str, str, str]:
    from alongside.communities.services import clean_text

    if target_type not in REPORT_TARGETS:
        raise ApiError(422, _("Report a post, a thread or a person."), "invalid", "target_type")
    if reason not in ReportReason.values:
        raise ApiError(
            422,
            _("Choose one of the reasons: %s") % ", ".join(ReportReason.values),
            "invalid",
            "reason",
        )
    if target_type in ("post", "thread"):
        text = str(target_id).strip() if isinstance(target_id, int | str) else ""
        if isinstance(target_id, bool) or not (text.isascii() and text.isdigit()) or len(text) > 18:
            raise ApiError(422, _("Name the post or thread by its number."), "invalid", "target_id")
        target_id = str(int(text))
    elif not isinstance(target_id, str) or not 0 < len(target_id.strip()) <= 150:
        raise ApiError(422, _("Name the person by their username."), "invalid", "target_id")
    else:
        target_id = target_id.strip()
    note = clean_text(note or "", field="note", max_length=NOTE_MAX, min_length=0)
    return target_type, target_id, reason, note


def _report_target(
    actor: Actor, target_type: str, target_id: str
) -> tuple[str, str, str, int | None] | None:
    """(item target type, id, community, author) when the reporter may see the target."""
    from alongside.accounts.models import User
    from alongside.communities import access as community_access
    from alongside.communities.models import Post, Status

    if target_type == "user":
        found = (
            User.objects.filter(username__iexact=target_id, is_active=True)
            .values_list("pk", flat=True)
            .first()
        )
        if found is None or found == actor.user_id:
            return None
        return "user", str(found), "", int(found)
    try:
        if target_type == "thread":
            thread, _place = community_access.get_thread_for(actor, int(target_id))
            post = Post.objects.filter(thread=thread, is_opening=True).first()
            if post is None:
                return None
        else:
            post, _place = community_access.get_post_for(actor, int(target_id))
    except Http404:
        return None
    if post.status not in (Status.VISIBLE, Status.HELD):
        return None
    thread_community = _place.community.slug
    return "post", str(post.pk), thread_community, post.author_id


def report_create(
    *, actor: Actor, target_type: Any, target_id: Any, reason: Any, note: Any = ""
) -> Report | None:
    """Report content or a person. The answer is the same whether or not the target exists
    or is visible to the reporter; only a visible target reaches the queue. "Someone at risk"
    goes to the crisis queue as a concern (safety), never to moderators."""
    if actor.user_id is None:
        raise ApiError(401, _("Sign in to do this."), "not_authenticated")
    target_type, target_id, reason, note = _clean_report(target_type, target_id, reason, note)
    limit, window = _report_limit()
    decision = ratelimit.hit(f"moderation:report:{actor.user_id}", limit=limit, window=window)
    if not decision.allowed:
        raise ApiError(
            429,
            _("You have sent many reports recently. Please wait a while before sending more."),
            "rate_limited",
            headers={"Retry-After": str(max(1, decision.retry_after))},
        )
    if reason == ReportReason.SOMEONE_AT_RISK:
        concern_from_report(actor=actor, target_type=target_type, target_id=target_id, note=note)
        return None
    with transaction.atomic():
        report = Report.objects.create(
            reporter_id=actor.user_id,
            target_type=target_type,
            target_id=target_id,
            reason=reason,
            note=note,
        )
        target = _report_target(actor, target_type, target_id)
        if target is not None:
            item_type, item_id, community, author_id = target
            severity = 3 if reason in ("self_harm_promotion", "ed_promotion", "hate") else 2
            item = item_record(
                target_type=item_type,
                target_id=item_id,
                community=community,
                author_id=author_id,
                report=report,
                severity=severity,
            )
            report.item = item
            if reason in ("self_harm_promotion",) and not item.safety_first:
                Item.objects.filter(pk=item.pk).update(safety_first=True)
    log.info("moderation report recorded target_type=%s", target_type)
    return report


def concern_from_report(*, actor: Actor, target_type: str, target_id: str, note: str) -> None:
    """Adapter to the crisis queue: a "someone at risk" report becomes a safety concern."""
    from alongside.communities import access as community_access
    from alongside.communities.models import Post
    from alongside.safety.services import concern_create

    if target_type == "thread":
        opening = "0"  # a post id that never exists: the concern answers alike
        try:
            thread, _place = community_access.get_thread_for(actor, int(target_id))
        except Http404:
            pass
        else:
            first = Post.objects.filter(thread=thread, is_opening=True).values_list("pk", flat=True)
            opening = str(first.first() or 0)
        target_type, target_id = "post", opening
    concern_create(actor=actor, target_type=target_type, target_id=target_id, note=note)


# --- sanctions and posting checks --------------------------------------------------------------

DEFAULT_LADDER = {
    "warning_days": 90,
    "mute_after_warnings": 3,
    "mute_hours": 24,
    "suspend_after_mutes": 2,
    "mute_window_days": 90,
    "suspend_days": 7,
}


def ladder() -> dict[str, int]:
    return {**DEFAULT_LADDER, **(getattr(settings, "MODERATION_SANCTIONS", None) or {})}


def active_sanctions(user_id: int, *, now: datetime.datetime | None = None) -> list[Sanction]:
    now = now or timezone.now()
    return list(
        Sanction.objects.filter(user_id=user_id, revoked_at__isnull=True, starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("-starts_at")
    )


def posting_block(user_id: int, *, now: datetime.datetime | None = None) -> Sanction | None:
    """The sanction that keeps the person from posting now (ban > suspension > mute)."""
    order: dict[str, int] = {"ban": 0, "suspension": 1, "mute": 2}
    blocking = [s for s in active_sanctions(user_id, now=now) if s.kind in order]
    return min(blocking, key=lambda s: order[s.kind]) if blocking else None


def sign_in_block(user_id: int, *, now: datetime.datetime | None = None) -> Sanction | None:
    sanction = posting_block(user_id, now=now)
    if sanction is not None and sanction.kind in (Sanction.Kind.BAN, Sanction.Kind.SUSPENSION):
        return sanction
    return None


def _until(sanction: Sanction) -> str:
    from django.utils import formats

    if sanction.ends_at is None:
        return ""
    return str(formats.date_format(sanction.ends_at, "DATETIME_FORMAT"))


def posting_check(*, actor: Actor, thread_id: int | None = None, moderator: bool = False) -> None:
    """Refuse a write from a muted, suspended or banned person (403 with the end date), and
    a reply faster than a thread's slow mode allows (429 with ``Retry-After``)."""
    if actor.user_id is None:
        return
    now = timezone.now()
    sanction = posting_block(actor.user_id, now=now)
    if sanction is not None:
        if sanction.ends_at is None:
            detail = _("Your account can't post any more. You can appeal this decision.")
        else:
            detail = _("You can't post until %(until)s (UTC). You can appeal this decision.") % {
                "until": _until(sanction)
            }
        raise ApiError(403, detail, "muted" if sanction.kind == Sanction.Kind.MUTE else "suspended")
    if thread_id is None or moderator:
        return
    slow = SlowMode.objects.filter(thread_id=thread_id).values_list("seconds", flat=True).first()
    if not slow:
        return
    from alongside.communities.models import Post

    last = (
        Post.objects.filter(thread_id=thread_id, author_id=actor.user_id)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is not None and last > now - datetime.timedelta(seconds=slow):
        wait = max(1, math.ceil((last + datetime.timedelta(seconds=slow) - now).total_seconds()))
        raise ApiError(
            429,
            _("This thread is in slow mode: you can post again in %(n)d seconds.") % {"n": wait},
            "slow_mode",
            headers={"Retry-After": str(wait)},
        )


def sanctions_expire(*, now: datetime.datetime | None = None) -> int:
    """Periodic: nothing to flip (sanctions end by their date); recompute the trust of the
    people whose sanctions ended in the last day, so their level comes back."""
    from alongside.moderation.trust import trust_recompute

    now = now or timezone.now()
    ended = set(
        Sanction.objects.filter(
            ends_at__lte=now, ends_at__gt=now - datetime.timedelta(days=1)
        ).values_list("user_id", flat=True)
    )
    if ended:
        trust_recompute(user_ids=ended, now=now)
    return len(ended)


# --- appeals ---------------------------------------------------------------------------------

APPEAL_MAX = 2000


def _uid(actor: Actor) -> int:
    if actor.user_id is None:
        raise ApiError(401, _("Sign in to do this."), "not_authenticated")
    return actor.user_id


def appeal_create(*, actor: Actor, action: Any, text: Any) -> Any:
    """The person an action concerns appeals it, once."""
    from alongside.communities.services import clean_text
    from alongside.moderation.actions import APPEALABLE
    from alongside.moderation.models import Appeal

    text = clean_text(text or "", field="text", max_length=APPEAL_MAX, min_length=10)
    if action.action not in APPEALABLE or action.reversed_at is not None:
        raise ApiError(409, _("This decision can't be appealed."), "not_appealable")
    with transaction.atomic():
        if Appeal.objects.filter(action=action).exists():
            raise ApiError(409, _("You have already appealed this decision."), "already_appealed")
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(action=action, appellant_id=_uid(actor), text=text)
        except IntegrityError:
            raise ApiError(
                409, _("You have already appealed this decision."), "already_appealed"
            ) from None
        audit_record(
            actor_id=actor.user_id,
            action="moderation.appeal",
            target_type="mod_action",
            target_id=action.pk,
        )
        for user_id in sorted(moderator_ids(action.community) - {action.moderator_id}):
            event_publish(user_id=user_id, type="moderation.appeal", data={"appeal_id": appeal.pk})
    return appeal


def appeal_decide(*, actor: Actor, appeal: Any, decision: Any, note: Any = "") -> Any:
    """A moderator who did not take the action upholds or overturns it; overturning reverses
    it. The appellant is told the outcome."""
    from alongside.communities.services import clean_text
    from alongside.moderation.actions import action_reverse
    from alongside.moderation.models import Appeal
    from alongside.notifications.services import notify

    if decision not in ("uphold", "overturn"):
        raise ApiError(422, _("Decide uphold or overturn."), "invalid", "decision")
    note = clean_text(note or "", field="note", max_length=500, min_length=0)
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("action").get(pk=appeal.pk)
        if appeal.state != Appeal.State.PENDING:
            raise ApiError(409, _("This appeal was already decided."), "decided")
        if appeal.action.moderator_id == actor.user_id:
            raise ApiError(
                403,
                _("Another moderator must decide an appeal of your own action."),
                "own_action",
            )
        if decision == "overturn":
            action_reverse(actor=actor, action=appeal.action, reason=note or _("Appeal upheld"))
        appeal.state = Appeal.State.OVERTURNED if decision == "overturn" else Appeal.State.UPHELD
        appeal.decided_by_id = actor.user_id
        appeal.decided_at = timezone.now()
        appeal.decision_note = note
        appeal.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor_id=actor.user_id,
            action=f"moderation.appeal_{decision}",
            target_type="appeal",
            target_id=appeal.pk,
            reason=note,
        )
        from django.urls import reverse

        notify(
            user_id=appeal.appellant_id,
            kind="moderation",
            data={
                "action": "appeal_" + ("overturned" if decision == "overturn" else "upheld"),
                "reason": note,
                "url": reverse("moderation:my-moderation"),
            },
        )
    return appeal


# --- moderator notes -------------------------------------------------------------------------


def note_add(*, actor: Actor, subject_id: int, text: Any) -> ModeratorNote:
    from alongside.communities.services import clean_text

    text = clean_text(text or "", field="text", max_length=2000)
    with transaction.atomic():
        note = ModeratorNote(subject_id=subject_id, author_id=actor.user_id, text=text)
        note.save()
        audit_record(
            actor_id=actor.user_id, action="moderation.note_add", target_user_id=subject_id
        )
    return note


# --- reading (trust levels) ------------------------------------------------------------------


def reading_record(*, user_id: int, thread_id: int, posts_seen: int) -> bool:
    """Count a thread page view towards trust levels (once per thread per day). Never fails
    the page: counting is best effort."""
    from alongside.moderation.trust import reading_record as record

    try:
        return record(user_id=user_id, thread_id=thread_id, posts_seen=posts_seen)
    except Exception:  # a counter must never take a page down
        log.warning("trust reading not recorded")
        return False
