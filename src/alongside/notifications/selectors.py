"""Reads of notifications, always for their recipient, shaped by the recipient's filters.

Filters are applied when a notification is shown, not when it is stored: a person who starts
hiding a topic today no longer sees it expanded in yesterday's notifications either.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from alongside.accounts.models import User
from alongside.accounts.selectors import Filters, filters_for
from alongside.core.actor import Actor, Role
from alongside.core.api import ApiError
from alongside.core.content_warnings import FilterChoice, topic_label
from alongside.core.pagination import cursor_decode, cursor_encode
from alongside.notifications.models import Notification

PAGE_SIZE = 30
MAX_PAGE_SIZE = 100

#: Moderator actions on a person's content: (sentence with the thread title, without it).
_MODERATION_SENTENCES = {
    "hide": (
        gettext_lazy("A moderator hid your post in “%(title)s”."),
        gettext_lazy("A moderator hid your post."),
    ),
    "remove": (
        gettext_lazy("A moderator removed your post in “%(title)s”."),
        gettext_lazy("A moderator removed your post."),
    ),
    "restore": (
        gettext_lazy("A moderator restored your post in “%(title)s”."),
        gettext_lazy("A moderator restored your post."),
    ),
    "add_content_warning": (
        gettext_lazy("A moderator added a content warning to your post in “%(title)s”."),
        gettext_lazy("A moderator added a content warning to your post."),
    ),
    "lock": (
        gettext_lazy("A moderator locked your thread “%(title)s”."),
        gettext_lazy("A moderator locked your thread."),
    ),
    "unlock": (
        gettext_lazy("A moderator reopened your thread “%(title)s”."),
        gettext_lazy("A moderator reopened your thread."),
    ),
    "warn": (
        gettext_lazy("A moderator sent you a warning about “%(title)s”."),
        gettext_lazy("A moderator sent you a warning."),
    ),
    "mute": (
        gettext_lazy("A moderator paused your posting for a while, about “%(title)s”."),
        gettext_lazy("A moderator paused your posting for a while."),
    ),
    "suspend": (
        gettext_lazy("A moderator suspended your account, about “%(title)s”."),
        gettext_lazy("A moderator suspended your account."),
    ),
    # moderation queue outcomes and appeals (decision 0014)
    "approve": (
        gettext_lazy("A moderator published your post in “%(title)s”."),
        gettext_lazy("A moderator published your post."),
    ),
    "edit_with_note": (
        gettext_lazy("A moderator edited your post in “%(title)s”."),
        gettext_lazy("A moderator edited your post."),
    ),
    "move": (
        gettext_lazy("A moderator moved your thread “%(title)s” to another community."),
        gettext_lazy("A moderator moved your thread to another community."),
    ),
    "ban": (
        gettext_lazy("An administrator closed your account, about “%(title)s”."),
        gettext_lazy("An administrator closed your account."),
    ),
    "appeal_upheld": (
        gettext_lazy("Your appeal was reviewed: the decision stays."),
        gettext_lazy("Your appeal was reviewed: the decision stays."),
    ),
    "appeal_overturned": (
        gettext_lazy("Your appeal was reviewed: the decision was reversed."),
        gettext_lazy("Your appeal was reviewed: the decision was reversed."),
    ),
}


def recipient_actor(user: User) -> Actor:
    """The recipient as an Actor, enough for their filters (teens get warnings first)."""
    return Actor(user_id=user.pk, roles=frozenset({Role.MEMBER}), age_band=user.age_band)


def recipient_filters(*, user_id: int) -> Filters:
    user = User.objects.filter(pk=user_id).only("pk", "birth_year").first()
    if user is None:
        return Filters()
    return filters_for(recipient_actor(user))


def safe_url(value: Any) -> str:
    """A link inside this site, or the notification list: never another site's address."""
    if (
        isinstance(value, str)
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and not any(ord(ch) < 32 for ch in value)
    ):
        return value
    return reverse("notification-list")


def displayed_data(data: dict[str, Any], filters: Filters) -> dict[str, Any]:
    """``data`` as this recipient may see it now.

    A topic the recipient hides, or a muted word in the excerpt, drops the excerpt
    (``filtered``); a topic they collapse keeps it behind its warning (``collapsed``); a muted
    word in the thread title drops the title too. ``content_warning_label`` names the warning
    in the active language.
    """
    shown = dict(data)
    if shown.get("actor_anonymous"):
        # Named at read time, in the reader's language (never stored as a name).
        shown["actor_name"] = str(_("Anonymous member"))
    filtered = False
    collapsed = False
    warning = shown.get("content_warning")
    if isinstance(warning, dict):
        topics = [t for t in warning.get("topics") or [] if isinstance(t, str)]
        choices = {filters.choice(t) for t in topics}
        if FilterChoice.HIDE.value in choices:
            filtered = True
        elif FilterChoice.COLLAPSE.value in choices or (not topics and warning.get("text")):
            collapsed = True
        text = str(warning.get("text") or "")
        shown["content_warning_label"] = ", ".join(
            filter(None, [*(topic_label(t) for t in topics), text])
        )
    excerpt = shown.get("excerpt")
    if isinstance(excerpt, str) and excerpt and filters.muted_word_in(excerpt):
        filtered = True
    title = shown.get("thread_title")
    if isinstance(title, str) and title and filters.muted_word_in(title):
        shown["thread_title"] = ""
        filtered = True
    if filtered:
        shown.pop("excerpt", None)
        collapsed = False
    shown["filtered"] = filtered
    shown["collapsed"] = collapsed and bool(shown.get("excerpt"))
    return shown


def notification_text(*, kind: str, data: dict[str, Any], count: int) -> str:
    """One plain-language sentence, in the active language."""
    title = str(data.get("thread_title") or "")
    if data.get("actor_anonymous"):
        name = str(_("Anonymous member"))
    else:
        name = str(data.get("actor_name") or "") or _("Someone")
    values = {"title": title, "name": name, "count": count}
    if kind == Notification.Kind.REPLY:
        if count > 1:
            if title:
                return (
                    ngettext(
                        "%(count)d new reply to you in “%(title)s”.",
                        "%(count)d new replies to you in “%(title)s”.",
                        count,
                    )
                    % values
                )
            return (
                ngettext("%(count)d new reply to you.", "%(count)d new replies to you.", count)
                % values
            )
        if not title:
            return _("%(name)s replied to you.") % values
        if data.get("target") == "post":
            return _("%(name)s replied to your post in “%(title)s”.") % values
        return _("%(name)s replied to your thread “%(title)s”.") % values
    if kind == Notification.Kind.MENTION:
        if title:
            return _("%(name)s mentioned you in “%(title)s”.") % values
        return _("%(name)s mentioned you.") % values
    if kind == Notification.Kind.REACTION:
        if title:
            return (
                ngettext(
                    "%(count)d person sent support for your post in “%(title)s”.",
                    "%(count)d people sent support for your post in “%(title)s”.",
                    count,
                )
                % values
            )
        return (
            ngettext(
                "%(count)d person sent support for your post.",
                "%(count)d people sent support for your post.",
                count,
            )
            % values
        )
    if kind == Notification.Kind.MODERATION:
        with_title, without_title = _MODERATION_SENTENCES.get(
            str(data.get("action") or ""),
            (
                gettext_lazy("A moderator took action on your content in “%(title)s”."),
                gettext_lazy("A moderator took action on your content."),
            ),
        )
        return str(with_title if title else without_title) % values
    if kind == Notification.Kind.SAFETY:
        if data.get("message") == "caring":
            # To a person someone is worried about (or who asked to talk): never says who.
            return _(
                "Someone from our support team is thinking of you. Here is how to reach them, "
                "and other support."
            )
        # Crisis-queue notices for responders: no name and no words of the person, only urgency.
        urgent = data.get("level") == "imminent"
        if data.get("escalated"):
            if urgent:
                return _("Still waiting: an urgent crisis case has not been acknowledged.")
            return _("Still waiting: a crisis case has not been acknowledged.")
        if urgent:
            return _("An urgent crisis case is waiting in the queue.")
        return _("A new crisis case is waiting in the queue.")
    if kind == Notification.Kind.FUTURE_SELF:
        return _future_self_text(data, values)
    return _("You have a new notification.")


def _future_self_text(data: dict[str, Any], values: dict[str, Any]) -> str:
    """The "future self" option (decision 0013): between a person and the one they trust,
    and to an author whose post finished waiting. ``name`` is the other person's public name
    (never the author of an anonymous post to anyone but the person they chose to trust)."""
    values = {**values, "name": str(data.get("name") or "") or _("Someone")}
    event = data.get("event")
    title = values["title"]
    count = values["count"]
    if event == "request":
        return _("%(name)s asks you to be their trusted person for posts they hold back.") % values
    if event == "released":
        return _("%(name)s no longer asks you to approve their posts.") % values
    if event == "accepted":
        return _("%(name)s agreed to be your trusted person.") % values
    if event == "declined":
        return (
            _(
                "%(name)s can't be your trusted person. Your posts still wait for the time "
                "you chose."
            )
            % values
        )
    if event == "ended":
        return (
            _(
                "%(name)s is no longer your trusted person. Your posts still wait for the time "
                "you chose."
            )
            % values
        )
    if event == "waiting":
        return (
            ngettext(
                "%(name)s has a post waiting for your approval.",
                "%(name)s has %(count)d posts waiting for your approval.",
                count,
            )
            % values
        )
    if event == "held":
        if title:
            return (
                _("Your post in “%(title)s” finished waiting and is now with the moderators.")
                % values
            )
        return _("Your post finished waiting and is now with the moderators.")
    if event == "approved":
        if title:
            return _("%(name)s approved your post in “%(title)s”: it is published.") % values
        return _("%(name)s approved your post: it is published.") % values
    if title:
        return _("Your post in “%(title)s” is published.") % values
    return _("Your post is published.")


def notification_item(notification: Notification, *, filters: Filters) -> dict[str, Any]:
    """A notification as the API, the page and the live push show it."""
    data = displayed_data(notification.data or {}, filters)
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "text": notification_text(kind=notification.kind, data=data, count=notification.count),
        "data": data,
        "count": notification.count,
        "read": notification.read_at is not None,
        "created_at": notification.created_at,
        "updated_at": notification.updated_at,
        "url": safe_url(data.get("url")),
    }


def parse_cursor(cursor: str | None) -> int | None:
    """The cursor is opaque to clients: it carries the last id of the previous page."""
    values = cursor_decode(cursor, [int])
    if values is None:
        return None
    if values[0] <= 0:
        raise ApiError(422, _("This page link is not valid."), "invalid", "cursor")
    return int(values[0])


def notification_list(
    *,
    user_id: int,
    cursor: str | None,
    limit: int = PAGE_SIZE,
    filters: Filters | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The recipient's notifications, newest first, one page after ``cursor``; (items, next).

    Keyset pagination by id: a page costs the same however many notifications came before.
    ``filters`` are the recipient's (looked up when not given: never shown unfiltered).
    """
    after = parse_cursor(cursor)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if filters is None:
        filters = recipient_filters(user_id=user_id)
    rows = Notification.objects.filter(user_id=user_id)
    if after is not None:
        rows = rows.filter(pk__lt=after)
    page = list(rows.order_by("-pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    items = [notification_item(n, filters=filters) for n in page]
    return items, (cursor_encode([page[-1].pk]) if more and page else None)


def unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
