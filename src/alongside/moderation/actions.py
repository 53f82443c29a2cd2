"""Moderator actions as small command objects: ``validate`` (may refuse with a clear 4xx),
``execute`` (changes state, returns what ``reverse`` needs) and, where it makes sense,
``reverse``. :func:`action_take` runs one inside a transaction and does what every action
shares: the claim check, the modlog row, the audit row, the author's notification with the
reason and an appeal link, closing the item, and the live queue update.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import transaction
from django.db.models import CharField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alongside.communities import services as community_services
from alongside.communities.models import Community, Post, Status, Thread
from alongside.core.actor import Actor, Role
from alongside.core.api import ApiError
from alongside.core.audit import audit_record
from alongside.moderation.models import Item, ModAction, Sanction, SlowMode
from alongside.moderation.services import claimed_by_other, ladder, queue_publish
from alongside.notifications.services import notify

REVEAL_REASON_MIN = 10
SLOW_MODE_MAX = 24 * 3600


@dataclass
class Context:
    """What a command acts on, loaded and locked by :func:`action_take`."""

    actor: Actor
    item: Item | None
    reason: str
    params: dict[str, Any]
    post: Post | None = None
    thread: Thread | None = None
    subject_id: int | None = None
    community: str = ""
    #: filled by execute: extra actions the ladder added (mute after warnings …)
    follow_ups: list[ModAction] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)


class Command:
    name: ClassVar[str]
    #: what the item must point at: a post, or (for sanctions) a person
    needs_post: ClassVar[bool] = True
    #: closes the item
    resolves: ClassVar[bool] = False
    reason_required: ClassVar[bool] = True
    notify_author: ClassVar[bool] = True
    appealable: ClassVar[bool] = True
    site_moderator_only: ClassVar[bool] = False
    admin_only: ClassVar[bool] = False

    def validate(self, ctx: Context) -> None:
        """Refuse what cannot be done (raises ApiError); change nothing."""

    def execute(self, ctx: Context) -> dict[str, Any]:
        """Do it; return what ``reverse`` needs (ids and states, never text)."""
        return {}

    def reverse(self, action: ModAction) -> None:
        raise ApiError(409, _("This action can't be reversed."), "not_reversible")

    @property
    def reversible(self) -> bool:
        return type(self).reverse is not Command.reverse


def _post_status(status: str, previous_ok: tuple[str, ...]) -> type[Command]:
    class PostStatus(Command):
        def validate(self, ctx: Context) -> None:
            assert ctx.post is not None
            if ctx.post.status not in previous_ok:
                raise ApiError(409, _("This post is not in a state for that."), "invalid_state")

        def execute(self, ctx: Context) -> dict[str, Any]:
            assert ctx.post is not None
            _post, previous = community_services.post_status_set(post_id=ctx.post.pk, status=status)
            return {"post_id": ctx.post.pk, "previous": previous}

        def reverse(self, action: ModAction) -> None:
            community_services.post_status_set(
                post_id=int(action.data["post_id"]), status=action.data["previous"]
            )

    return PostStatus


class Approve(_post_status(Status.VISIBLE, (Status.HELD, Status.VISIBLE))):  # type: ignore[misc]
    """Publish a held post (or keep a flagged one up): the item is done."""

    name = "approve"
    resolves = True
    reason_required = False
    appealable = False


class Dismiss(Command):
    """Nothing to do: the reports were not about a problem."""

    name = "dismiss"
    needs_post = False
    resolves = True
    reason_required = False
    notify_author = False
    appealable = False

    def execute(self, ctx: Context) -> dict[str, Any]:
        if ctx.post is not None and ctx.post.status == Status.HELD:
            community_services.post_status_set(post_id=ctx.post.pk, status=Status.VISIBLE)
        return {}


class Hide(_post_status(Status.HELD, (Status.VISIBLE, Status.HELD))):  # type: ignore[misc]
    name = "hide"
    resolves = True


class Remove(_post_status(Status.REMOVED, (Status.VISIBLE, Status.HELD))):  # type: ignore[misc]
    name = "remove"
    resolves = True


class Restore(_post_status(Status.VISIBLE, (Status.HELD, Status.REMOVED))):  # type: ignore[misc]
    name = "restore"
    appealable = False


class AddContentWarning(Command):
    name = "add_content_warning"

    def validate(self, ctx: Context) -> None:
        topics = ctx.params.get("topics") or []
        text = ctx.params.get("text") or ""
        if not topics and not text:
            raise ApiError(422, _("Give topics and/or a short text."), "invalid", "topics")
        community_services.clean_warning({"topics": topics, "text": text})

    def execute(self, ctx: Context) -> dict[str, Any]:
        assert ctx.post is not None
        before = community_services.post_warning_set(
            post_id=ctx.post.pk,
            topics=ctx.params.get("topics") or [],
            text=ctx.params.get("text") or "",
        )
        return {"post_id": ctx.post.pk, "before": before}

    def reverse(self, action: ModAction) -> None:
        before = action.data["before"]
        community_services.post_warning_set(
            post_id=int(action.data["post_id"]), topics=before["topics"], text=before["text"]
        )


class RemoveContentWarning(AddContentWarning):
    name = "remove_content_warning"
    appealable = False

    def validate(self, ctx: Context) -> None:
        assert ctx.post is not None
        if not (ctx.post.cw_topics or ctx.post.cw_text):
            raise ApiError(409, _("This post has no content warning."), "invalid_state")

    def execute(self, ctx: Context) -> dict[str, Any]:
        assert ctx.post is not None
        before = community_services.post_warning_set(post_id=ctx.post.pk, topics=[], text="")
        return {"post_id": ctx.post.pk, "before": before}


class EditWithNote(Command):
    name = "edit_with_note"

    def validate(self, ctx: Context) -> None:
        body = ctx.params.get("body")
        if not isinstance(body, str) or not body.strip():
            raise ApiError(422, _("Give the new text."), "invalid", "body")

    def execute(self, ctx: Context) -> dict[str, Any]:
        assert ctx.post is not None
        revision = community_services.post_body_replace(
            post_id=ctx.post.pk,
            body=ctx.params["body"],
            editor_id=ctx.actor.user_id,
            note=ctx.reason,
        )
        return {"post_id": ctx.post.pk, "revision_id": revision}

    def reverse(self, action: ModAction) -> None:
        from alongside.communities.models import PostRevision

        revision = PostRevision.objects.filter(pk=action.data["revision_id"]).first()
        if revision is None:
            raise ApiError(409, _("The earlier version is no longer kept."), "not_reversible")
        community_services.post_body_replace(
            post_id=int(action.data["post_id"]),
            body=revision.body,
            editor_id=action.moderator_id,
            note="reverted",
        )


class Lock(Command):
    name = "lock"
    locked: ClassVar[bool] = True

    def execute(self, ctx: Context) -> dict[str, Any]:
        assert ctx.thread is not None
        before = community_services.thread_locked_set(thread_id=ctx.thread.pk, locked=self.locked)
        return {"thread_id": ctx.thread.pk, "before": before}

    def reverse(self, action: ModAction) -> None:
        community_services.thread_locked_set(
            thread_id=int(action.data["thread_id"]), locked=bool(action.data["before"])
        )


class Unlock(Lock):
    name = "unlock"
    locked = False
    appealable = False


class Move(Command):
    name = "move"

    def validate(self, ctx: Context) -> None:
        from alongside.communities.access import can_moderate

        slug = ctx.params.get("community")
        target = Community.objects.filter(slug=slug).first() if isinstance(slug, str) else None
        if target is None or not can_moderate(ctx.actor, target):
            raise ApiError(422, _("Choose a community you moderate."), "invalid", "community")
        ctx.result["target"] = target

    def execute(self, ctx: Context) -> dict[str, Any]:
        assert ctx.thread is not None
        target = ctx.result.pop("target")
        before = community_services.thread_move(thread_id=ctx.thread.pk, community=target)
        _items_follow(ctx.thread.pk, target.slug)
        return {"thread_id": ctx.thread.pk, "before": before}

    def reverse(self, action: ModAction) -> None:
        community = Community.objects.filter(slug=action.data["before"]).first()
        if community is None:
            raise ApiError(409, _("The earlier community no longer exists."), "not_reversible")
        thread_id = int(action.data["thread_id"])
        community_services.thread_move(thread_id=thread_id, community=community)
        _items_follow(thread_id, community.slug)


def _items_follow(thread_id: int, community: str) -> None:
    """Queue items about a moved thread's posts go with it: they belong to the moderators of
    the community the posts are in now, not to those of the one they left."""
    post_ids = (
        Post.objects.filter(thread_id=thread_id)
        .annotate(as_text=Cast("pk", output_field=CharField()))
        .values("as_text")
    )
    Item.objects.filter(target_type=Item.TargetType.POST, target_id__in=post_ids).update(
        community=community
    )


class SlowModeSet(Command):
    name = "slow_mode"

    def validate(self, ctx: Context) -> None:
        seconds = ctx.params.get("seconds")
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int)
            or not 0 <= seconds <= SLOW_MODE_MAX
        ):
            raise ApiError(
                422, _("Give a delay in seconds (0 turns slow mode off)."), "invalid", "seconds"
            )

    def execute(self, ctx: Context) -> dict[str, Any]:
        assert ctx.thread is not None
        before = (
            SlowMode.objects.filter(thread_id=ctx.thread.pk)
            .values_list("seconds", flat=True)
            .first()
        )
        self._set(ctx.thread.pk, int(ctx.params["seconds"]))
        return {"thread_id": ctx.thread.pk, "before": before or 0, "seconds": ctx.params["seconds"]}

    @staticmethod
    def _set(thread_id: int, seconds: int) -> None:
        if seconds:
            SlowMode.objects.update_or_create(thread_id=thread_id, defaults={"seconds": seconds})
        else:
            SlowMode.objects.filter(thread_id=thread_id).delete()

    def reverse(self, action: ModAction) -> None:
        self._set(int(action.data["thread_id"]), int(action.data["before"]))


# --- sanctions on the person ------------------------------------------------------------------


class SanctionCommand(Command):
    needs_post = False
    kind: ClassVar[str]

    def validate(self, ctx: Context) -> None:
        if ctx.subject_id is None:
            raise ApiError(409, _("This item has no author to act on."), "no_author")
        if ctx.subject_id == ctx.actor.user_id:
            raise ApiError(409, _("You can't act on yourself."), "self")

    def duration(self, ctx: Context) -> datetime.timedelta | None:
        return None

    def execute(self, ctx: Context) -> dict[str, Any]:
        now = timezone.now()
        length = self.duration(ctx)
        assert ctx.subject_id is not None
        sanction = Sanction.objects.create(
            user_id=ctx.subject_id,
            kind=self.kind,
            starts_at=now,
            ends_at=(now + length) if length is not None else None,
        )
        ctx.result["until"] = sanction.ends_at.isoformat() if sanction.ends_at else None
        return {"sanction_ids": [sanction.pk]}

    def reverse(self, action: ModAction) -> None:
        Sanction.objects.filter(pk__in=action.data.get("sanction_ids", [])).update(
            revoked_at=timezone.now()
        )
        if action.subject_id is not None:
            from alongside.moderation.trust import trust_recompute

            trust_recompute(user_ids=[action.subject_id])


def _positive(ctx: Context, name: str, default: int, maximum: int) -> int:
    value = ctx.params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= maximum:
        raise ApiError(
            422, _("Give a whole number from 1 to %(n)d.") % {"n": maximum}, "invalid", name
        )
    return value


class Warn(SanctionCommand):
    """A warning; repeated warnings climb the ladder (mute, then suspension)."""

    name = "warn"
    kind = Sanction.Kind.WARNING

    def duration(self, ctx: Context) -> datetime.timedelta | None:
        return datetime.timedelta(days=ladder()["warning_days"])

    def execute(self, ctx: Context) -> dict[str, Any]:
        data = super().execute(ctx)
        assert ctx.subject_id is not None
        now = timezone.now()
        steps = ladder()
        from alongside.moderation.services import active_sanctions

        active = active_sanctions(ctx.subject_id, now=now)
        warnings = sum(1 for s in active if s.kind == Sanction.Kind.WARNING)
        if warnings >= steps["mute_after_warnings"] and not any(
            s.kind != Sanction.Kind.WARNING for s in active
        ):
            recent_mutes = Sanction.objects.filter(
                user_id=ctx.subject_id,
                kind=Sanction.Kind.MUTE,
                revoked_at__isnull=True,
                starts_at__gt=now - datetime.timedelta(days=steps["mute_window_days"]),
            ).count()
            escalate: type[SanctionCommand] = (
                Suspend if recent_mutes >= steps["suspend_after_mutes"] else Mute
            )
            ctx.result["escalated"] = escalate.name
            ctx.params.setdefault("hours", steps["mute_hours"])
            ctx.params.setdefault("days", steps["suspend_days"])
            follow = escalate()
            extra = follow.execute(ctx)
            logged = _log(
                ctx,
                follow,
                extra,
                reason=_("Repeated warnings: %(reason)s") % {"reason": ctx.reason},
            )
            ctx.follow_ups.append(logged)
            data["follow_up_ids"] = [logged.pk]
        return data


class Mute(SanctionCommand):
    name = "mute"
    kind = Sanction.Kind.MUTE

    def validate(self, ctx: Context) -> None:
        super().validate(ctx)
        _positive(ctx, "hours", ladder()["mute_hours"], 24 * 90)

    def duration(self, ctx: Context) -> datetime.timedelta | None:
        return datetime.timedelta(hours=int(ctx.params.get("hours") or ladder()["mute_hours"]))


class Suspend(SanctionCommand):
    name = "suspend"
    kind = Sanction.Kind.SUSPENSION
    site_moderator_only = True

    def execute(self, ctx: Context) -> dict[str, Any]:
        from alongside.privacy.services import user_sessions_end

        data = super().execute(ctx)
        assert ctx.subject_id is not None
        user_sessions_end(user_id=ctx.subject_id)  # signed out everywhere, at once
        return data

    def validate(self, ctx: Context) -> None:
        super().validate(ctx)
        _positive(ctx, "days", ladder()["suspend_days"], 365)

    def duration(self, ctx: Context) -> datetime.timedelta | None:
        return datetime.timedelta(days=int(ctx.params.get("days") or ladder()["suspend_days"]))


class Ban(SanctionCommand):
    name = "ban"
    kind = Sanction.Kind.BAN
    admin_only = True

    def execute(self, ctx: Context) -> dict[str, Any]:
        from alongside.privacy.services import user_sessions_end

        data = super().execute(ctx)
        assert ctx.subject_id is not None
        user_sessions_end(user_id=ctx.subject_id)
        return data


class RevealAnonymousAuthor(Command):
    """Learn who wrote an anonymous post, with a recorded reason (the audited reveal of
    communities). Not reversible, not told to the author."""

    name = "reveal_anonymous_author"
    notify_author = False
    appealable = False

    def validate(self, ctx: Context) -> None:
        if len(ctx.reason) < REVEAL_REASON_MIN:
            raise ApiError(
                422,
                _("Please write at least %(n)d characters.") % {"n": REVEAL_REASON_MIN},
                "too_short",
                "reason",
            )

    def execute(self, ctx: Context) -> dict[str, Any]:
        from alongside.communities.access import place_for

        assert ctx.post is not None
        place = place_for(ctx.actor, ctx.post.thread.community)
        revealed = community_services.author_reveal(
            actor=ctx.actor, post=ctx.post, place=place, reason=ctx.reason
        )
        ctx.result["author"] = revealed["author"]
        return {"post_id": ctx.post.pk}


COMMANDS: dict[str, type[Command]] = {
    c.name: c
    for c in (
        Approve,
        Dismiss,
        Hide,
        Remove,
        Restore,
        AddContentWarning,
        RemoveContentWarning,
        EditWithNote,
        Lock,
        Unlock,
        Move,
        SlowModeSet,
        Warn,
        Mute,
        Suspend,
        Ban,
        RevealAnonymousAuthor,
    )
}
APPEALABLE = frozenset(name for name, c in COMMANDS.items() if c.appealable)


@dataclass(frozen=True)
class ActionResult:
    action: ModAction
    item: Item | None
    follow_ups: tuple[ModAction, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


def _log(ctx: Context, command: Command, data: dict[str, Any], *, reason: str) -> ModAction:
    if ctx.post is not None:
        target_type, target_id = "post", str(ctx.post.pk)
    else:
        target_type, target_id = "user", str(ctx.subject_id or "")
    action = ModAction.objects.create(
        moderator_id=ctx.actor.user_id,
        action=command.name,
        target_type=target_type,
        target_id=target_id,
        community=ctx.community,
        subject_id=ctx.subject_id,
        item=ctx.item,
        reason=reason[:500],
        data=data,
    )
    audit_record(
        actor_id=ctx.actor.user_id,
        action=f"moderation.{command.name}",
        target_type=target_type if ctx.subject_id is None else "",
        target_id=target_id if ctx.subject_id is None else "",
        target_user_id=ctx.subject_id,
        reason=reason,
        data={"mod_action_id": action.pk, "item_id": ctx.item.pk if ctx.item else None},
    )
    if command.notify_author and ctx.subject_id is not None:
        _notify(ctx, command, action)
    return action


def _notify(ctx: Context, command: Command, action: ModAction) -> None:
    data: dict[str, Any] = {"action": command.name, "reason": action.reason}
    if ctx.thread is not None and ctx.post is not None:
        data.update(
            thread_id=ctx.thread.pk,
            post_id=ctx.post.pk,
            thread_title=ctx.thread.title if ctx.thread.status == Status.VISIBLE else "",
            url=reverse("thread-detail", args=[ctx.thread.pk]) + f"#post-{ctx.post.pk}",
        )
    else:
        data["url"] = reverse("moderation:my-moderation")
    if ctx.result.get("until"):
        data["until"] = ctx.result["until"]
    if command.appealable:
        data["appeal_url"] = reverse("moderation:appeal-create", args=[action.pk])
    assert ctx.subject_id is not None
    notify(user_id=ctx.subject_id, kind="moderation", data=data)


def _can_act(actor: Actor, community: str, command: Command) -> bool:
    if command.admin_only:
        return Role.ADMIN in actor.roles
    if command.site_moderator_only:
        return actor.has_role(Role.MODERATOR)
    return actor.has_role(Role.MODERATOR, community=community or None)


def action_take(
    *,
    actor: Actor,
    item: Item,
    action: Any,
    reason: Any = "",
    params: dict[str, Any] | None = None,
) -> ActionResult:
    """Run one action on a queue item (already checked visible to ``actor`` by access)."""
    command_cls = COMMANDS.get(action) if isinstance(action, str) else None
    if command_cls is None:
        raise ApiError(
            422, _("Unknown action. One of: %s") % ", ".join(COMMANDS), "invalid", "action"
        )
    command = command_cls()
    if not isinstance(reason, str):
        raise ApiError(422, _("Write the reason as text."), "invalid", "reason")
    if command.reason_required:
        reason = community_services.clean_reason(reason)
    else:
        reason = community_services.clean_text(reason, field="reason", max_length=300, min_length=0)
    if not _can_act(actor, item.community, command):
        raise ApiError(
            403,
            _("Only administrators can ban.")
            if command.admin_only
            else _("Only site moderators can do this."),
            "forbidden",
        )
    now = timezone.now()
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if claimed_by_other(item, actor, now):
            raise ApiError(409, _("Another moderator is reviewing this item."), "claimed")
        if command.resolves and item.state != Item.State.OPEN:
            raise ApiError(409, _("This item was already reviewed."), "resolved")
        ctx = Context(
            actor=actor,
            item=item,
            reason=reason,
            params=dict(params or {}),
            subject_id=item.author_id,
            community=item.community,
        )
        if item.target_type == Item.TargetType.POST:
            ctx.post = (
                Post.objects.select_for_update(of=("self",))
                .select_related("thread", "thread__community")
                .filter(pk=int(item.target_id))
                .first()
            )
            if ctx.post is None:
                raise ApiError(409, _("This post no longer exists."), "gone")
            ctx.thread = ctx.post.thread
            ctx.subject_id = ctx.post.author_id
        elif command.needs_post:
            raise ApiError(422, _("This action needs a post."), "invalid", "action")
        command.validate(ctx)
        data = command.execute(ctx)
        logged = _log(ctx, command, data, reason=reason)
        if command.resolves:
            item.state = Item.State.RESOLVED
            item.resolution = command.name
            item.resolved_at = now
            item.claimed_by_id = None
            item.claimed_until = None
            item.save(
                update_fields=["state", "resolution", "resolved_at", "claimed_by", "claimed_until"]
            )
        queue_publish(item, "acted")
    return ActionResult(
        action=logged, item=item, follow_ups=tuple(ctx.follow_ups), data=dict(ctx.result)
    )


def action_reverse(*, actor: Actor, action: ModAction, reason: str) -> ModAction:
    """Undo an action (an appeal overturned it); writes its own modlog and audit rows."""
    command = COMMANDS[action.action]()
    with transaction.atomic():
        action = ModAction.objects.select_for_update().get(pk=action.pk)
        if action.reversed_at is not None:
            raise ApiError(409, _("This action was already reversed."), "reversed")
        command.reverse(action)
        action.reversed_at = timezone.now()
        action.save(update_fields=["reversed_at"])
        for follow in ModAction.objects.filter(
            pk__in=action.data.get("follow_up_ids", []), reversed_at__isnull=True
        ):
            COMMANDS[follow.action]().reverse(follow)
            follow.reversed_at = action.reversed_at
            follow.save(update_fields=["reversed_at"])
        undo = ModAction.objects.create(
            moderator_id=actor.user_id,
            action="reverse",
            target_type=action.target_type,
            target_id=action.target_id,
            community=action.community,
            subject_id=action.subject_id,
            item=action.item,
            reason=reason[:500],
            data={"reversed_action_id": action.pk, "reversed": action.action},
        )
        audit_record(
            actor_id=actor.user_id,
            action="moderation.reverse",
            target_type="mod_action",
            target_id=action.pk,
            reason=reason,
        )
    return undo
