"""Pages of a thread: start one, read it with its posts, reply, lock, bookmark."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alongside.communities import access, selectors, services
from alongside.communities.forms import (
    ReasonForm,
    ReplyForm,
    ThreadForm,
)
from alongside.communities.models import Community, Status
from alongside.communities.views.common import (
    actor_of,
    cursor_of,
    form_refusal,
    next_url,
    parse_id,
    post_urls,
    reaction_list,
    refusal_page,
    render_page,
    thread_url,
    to_login,
)
from alongside.core import fragments, pagecache
from alongside.core.actor import Actor
from alongside.core.api import ApiError
from alongside.core.http import redirect_after_post
from alongside.core.lru import BoundedMemo
from alongside.moderation import services as moderation_services
from alongside.safety.selectors import support_panel, support_session_fields

SUPPORT_SESSION_KEY = "communities_support"


def _post_actions(post: dict[str, Any], thread: dict[str, Any]) -> dict[str, bool]:
    """Which controls a post offers this reader (the services check again on POST)."""
    live = post["status"] in (Status.VISIBLE, Status.HELD)
    mine = bool(post["author"]["is_me"])
    moderate = bool(thread.get("can_moderate"))
    waiting = mine and post.get("waiting") is not None  # its author's alone (decision 0013)
    actions = {
        "reply": bool(thread.get("can_reply")) and post["status"] == Status.VISIBLE,
        "edit": mine and (live or waiting),
        "delete": mine and live,
        "waiting": waiting,
        "warning": moderate and live,
        "history": moderate and bool(post["edited"]),
        "remove": moderate and live and not mine,
        "reveal": bool(thread.get("can_reveal")) and bool(post["author"]["anonymous"]),
    }
    return {name: on for name, on in actions.items() if on}


def _decorate_posts(
    request: HttpRequest,
    items: Iterable[dict[str, Any]],
    thread: dict[str, Any],
    *,
    cursor: str | None,
    can_react: bool,
) -> list[dict[str, Any]]:
    """Each post with its controls and its rendered HTML (``html``), memoised per process on
    exactly what the template reads (core/fragments.py): rendering dominated the page's cost."""
    decorated = []
    for item in items:
        post = {
            **item,
            "reaction_list": reaction_list(item),
            "actions": _post_actions(item, thread),
            "urls": post_urls(item["id"]),
        }
        html = fragments.memo.render(
            "communities/_post.html",
            {
                "post": post,
                "cursor": cursor,
                "can_react": can_react,
                "signed_in": can_react,
                "csrf_token": fragments.CSRF_PLACEHOLDER,
            },
        )
        post["html"] = fragments.with_csrf(request, html)
        decorated.append(post)
    return decorated


def _remember_support(request: HttpRequest, written: services.Written) -> None:
    """When the safety engine offers support for what someone just wrote, the next view of
    the thread shows it, once. The session keeps what the panel needs (level, subject,
    country, whether a safety plan exists), never the text: the panel is rebuilt from that."""
    support = written.assessment.support
    if support is None:
        return
    request.session[SUPPORT_SESSION_KEY] = {
        "thread_id": written.thread.pk,
        "post_id": written.post.pk,
        **support_session_fields(support),
    }


def _take_support(request: HttpRequest, thread_id: int) -> dict[str, Any] | None:
    session = getattr(request, "session", None)
    if session is None:
        return None
    found = session.get(SUPPORT_SESSION_KEY)
    if not isinstance(found, dict) or found.get("thread_id") != thread_id:
        return None
    del session[SUPPORT_SESSION_KEY]
    actor = getattr(request, "actor", None)
    return support_panel(found, young=bool(getattr(actor, "is_teen", False)))


@require_http_methods(["GET", "POST"])
def thread_create(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_of(request)
    place = access.get_community_for(actor, slug)
    if not actor.is_authenticated:
        return to_login(request, reverse("thread-create", args=[slug]))
    status = 200
    if request.method == "POST":
        form = ThreadForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                written = services.thread_create(
                    actor=actor,
                    place=place,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    anonymous=form.cleaned_data["anonymous"],
                    content_warning=form.content_warning(),
                    tags=form.tag_list(),
                )
            except ApiError as exc:
                status = form_refusal(form, exc)
            else:
                _remember_support(request, written)
                if written.post.status == Status.PENDING:
                    messages.info(
                        request,
                        _(
                            "Your thread is waiting, as you chose: only you can see it for now. "
                            "You can read it again below, publish it when the time allows, or "
                            "discard it."
                        ),
                    )
                elif written.post.status == Status.HELD:
                    messages.info(
                        request,
                        _(
                            "Your thread is held for review before others can see it. "
                            "Only you and the moderators can see it for now."
                        ),
                    )
                else:
                    messages.success(request, _("Your thread is posted."))
                return redirect_after_post(request, thread_url(written.thread.pk))
    else:
        form = ThreadForm()
    context = {
        "community": selectors.community_data(place.community, is_member=place.is_member),
        "can_post": place.can_read,
        "can_join": place.community.visibility != Community.Visibility.PRIVATE,
        "form": form,
    }
    return render_page(request, "communities/thread_create/index.html", context, status=status)


def _thread_page(
    request: HttpRequest,
    actor: Actor,
    thread: Any,
    place: access.Place,
    *,
    reply_form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    cursor = cursor_of(request)
    try:
        data = selectors.thread_detail(actor=actor, thread=thread, place=place, cursor=cursor)
    except ApiError as exc:
        return refusal_page(request, exc)
    posts = _decorate_posts(
        request,
        data["posts"]["items"],
        data,
        cursor=cursor,
        can_react=actor.is_authenticated,
    )
    if actor.user_id is not None and request.method == "GET":
        # Trust levels count threads read (once per thread a day; counters only).
        moderation_services.reading_record(
            user_id=actor.user_id, thread_id=thread.pk, posts_seen=len(posts)
        )
    if reply_form is None:
        reply_form = ReplyForm(
            initial={"reply_to": parse_id(request.GET.get("reply_to"))}, auto_id="reply_%s"
        )
    reply_to = parse_id(str(reply_form["reply_to"].value() or ""))
    reply_fields = None
    if reply_to is None and not reply_form.is_bound and data.get("can_reply"):
        reply_fields = _blank_reply_fields()
    replying_to = None
    if reply_to is not None:
        replying_to = next((p for p in posts if p["id"] == reply_to), {"id": reply_to})
    context = {
        "thread": data,
        "posts": posts,
        "next_cursor": data["posts"]["next"],
        "cursor": cursor,
        "reply_form": reply_form,
        "reply_fields": reply_fields,
        "replying_to": replying_to,
        "support": _take_support(request, thread.pk),
        "signed_in": actor.is_authenticated,
        "can_react": actor.is_authenticated,
    }
    return render_page(
        request,
        "communities/thread_detail/index.html",
        context,
        status=status,
        fragment="communities/thread_detail/partial.html" if cursor else None,
    )


_BLANK_REPLY_FIELDS: BoundedMemo[str, str] = BoundedMemo(64)  # one per language


def _blank_reply_fields() -> SafeString:
    """The reply form's fields, empty, as every reader gets them: rendered once per language
    and process (a dozen widget templates were a fifth of a signed-in thread page's time).
    Nothing in them depends on the reader; the CSRF token is outside, in the form tag."""
    html = _BLANK_REPLY_FIELDS.get_or_compute(
        translation.get_language() or "",
        lambda: render_to_string(
            "communities/thread_detail/reply_fields.html",
            {"reply_form": ReplyForm(auto_id="reply_%s")},
        ),
    )
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there


@require_GET
@pagecache.anonymous_page(scope=lambda _request, thread_id: services.thread_scope(thread_id))
def thread_detail(request: HttpRequest, thread_id: int) -> HttpResponse:
    actor = actor_of(request)
    thread, place = access.get_thread_for(actor, thread_id, with_bookmark=True)
    return _thread_page(request, actor, thread, place)


@require_POST
def thread_reply_create(request: HttpRequest, thread_id: int) -> HttpResponse:
    actor = actor_of(request)
    thread, place = access.get_thread_for(actor, thread_id)
    if not actor.is_authenticated:
        return to_login(request, thread_url(thread.pk))
    form = ReplyForm(request.POST, auto_id="reply_%s")
    status = 422
    if form.is_valid():
        try:
            written = services.post_create(
                actor=actor,
                thread=thread,
                place=place,
                body=form.cleaned_data["body"],
                anonymous=form.cleaned_data["anonymous"],
                content_warning=form.content_warning(),
                reply_to=form.cleaned_data["reply_to"],
            )
        except ApiError as exc:
            status = form_refusal(form, exc)
        else:
            _remember_support(request, written)
            if written.post.status == Status.PENDING:
                messages.info(
                    request,
                    _(
                        "Your reply is waiting, as you chose: only you can see it for now. "
                        "It is published when its time comes."
                    ),
                )
            elif written.post.status == Status.HELD:
                messages.info(
                    request,
                    _("Your reply is held for review: only you and the moderators can see it."),
                )
            else:
                messages.success(request, _("Your reply is posted. Thank you for being here."))
            return redirect_after_post(request, thread_url(thread.pk, written.post.pk))
    return _thread_page(request, actor, thread, place, reply_form=form, status=status)


@require_http_methods(["GET", "POST"])
def thread_lock(request: HttpRequest, thread_id: int) -> HttpResponse:
    """Moderators lock a thread (no new replies) or unlock it, with a reason the author is
    told and the audit log keeps."""
    actor = actor_of(request)
    thread, place = access.get_thread_for(actor, thread_id)
    url = thread_url(thread.pk)
    if not actor.is_authenticated:
        return to_login(request, url)
    if not place.can_moderate:
        raise PermissionDenied
    lock = (request.POST.get("locked") or request.GET.get("locked") or "1") == "1"
    status = 200
    if request.method == "POST":
        form = ReasonForm(request.POST, auto_id="lock_%s")
        status = 422
        if form.is_valid():
            try:
                services.thread_lock(
                    actor=actor,
                    thread=thread,
                    place=place,
                    locked=lock,
                    reason=form.cleaned_data["reason"],
                )
            except ApiError as exc:
                status = form_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("The thread is locked.") if lock else _("The thread is open for replies."),
                )
                return redirect_after_post(request, url)
    else:
        form = ReasonForm(auto_id="lock_%s")
    context = {
        "thread": selectors.thread_summary(actor=actor, thread=thread, place=place),
        "form": form,
        "lock": lock,
    }
    return render_page(request, "communities/thread_lock/index.html", context, status=status)


@require_POST
def thread_bookmark(request: HttpRequest, thread_id: int) -> HttpResponse:
    actor = actor_of(request)
    thread, _place = access.get_thread_for(actor, thread_id)
    url = thread_url(thread.pk)
    if not actor.is_authenticated:
        return to_login(request, url)
    on = request.POST.get("on") == "1"
    try:
        services.bookmark_set(actor=actor, thread=thread, on=on)
    except ApiError as exc:
        return refusal_page(request, exc)
    if getattr(request, "htmx", False):
        return render_page(
            request,
            "communities/thread_detail/bookmark.html",
            {"thread": {"id": thread.pk, "bookmarked": on}, "announce": True},
        )
    messages.success(
        request, _("Saved to your bookmarks.") if on else _("Removed from your bookmarks.")
    )
    return redirect_after_post(request, next_url(request, url))
