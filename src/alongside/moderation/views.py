"""Pages of moderation. Every form works without JavaScript; the queue page also refreshes
itself when a ``moderation.queue`` event arrives on the page's event socket.

Moderator pages answer 404 to anyone who moderates nothing (like a missing page).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alongside.accounts.middleware import actor_for_request
from alongside.communities.access import get_community_for
from alongside.core.actor import Actor
from alongside.core.api import ApiError
from alongside.core.content_warnings import TOPICS
from alongside.core.http import redirect_after_post
from alongside.core.realtime import last_seq
from alongside.moderation import access, selectors, services
from alongside.moderation.actions import COMMANDS, action_take
from alongside.moderation.api import report_received_detail
from alongside.moderation.models import ReportReason, WatchedWord

_MAX_ID = 2**63 - 1


def _actor(request: HttpRequest) -> Actor:
    return actor_for_request(request)


def _moderator(request: HttpRequest) -> Actor:
    actor = _actor(request)
    access.require_moderator(actor)
    return actor


def _item(actor: Actor, item_id: int) -> Any:
    if not 0 < item_id <= _MAX_ID:
        raise Http404
    return access.get_item_for(actor, item_id)


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number


# --- the queue ---------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    actor = _moderator(request)
    assert actor.user_id is not None
    try:
        page = selectors.queue_page(actor=actor, cursor=request.GET.get("cursor") or None)
    except ApiError:
        page = selectors.queue_page(actor=actor)
    context = {
        "items": page["items"],
        "next": page["next"],
        "counts": selectors.queue_counts(actor=actor),
        "event_seq": last_seq(user_id=actor.user_id),
    }
    fragment = getattr(request, "htmx", False)
    template = "moderation/queue/partial.html" if fragment else "moderation/queue/index.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


ACTION_LABELS: dict[str, Any] = {
    "approve": gettext_lazy("Approve (publish)"),
    "dismiss": gettext_lazy("Dismiss: nothing wrong"),
    "hide": gettext_lazy("Hide"),
    "remove": gettext_lazy("Remove"),
    "restore": gettext_lazy("Restore"),
    "add_content_warning": gettext_lazy("Add a content warning"),
    "remove_content_warning": gettext_lazy("Remove the content warning"),
    "edit_with_note": gettext_lazy("Edit the words (with a note)"),
    "lock": gettext_lazy("Lock the thread"),
    "unlock": gettext_lazy("Reopen the thread"),
    "move": gettext_lazy("Move the thread"),
    "slow_mode": gettext_lazy("Slow mode"),
    "warn": gettext_lazy("Warn the author"),
    "mute": gettext_lazy("Mute the author (hours)"),
    "suspend": gettext_lazy("Suspend the author (days)"),
    "ban": gettext_lazy("Ban the author"),
    "reveal_anonymous_author": gettext_lazy("Reveal who wrote this (reason recorded)"),
}


def _item_page(request: HttpRequest, actor: Actor, item: Any, status: int = 200) -> HttpResponse:
    detail = selectors.item_detail(actor=actor, item=item)
    context = {
        "item": detail,
        "actions": [(name, ACTION_LABELS.get(name, name)) for name in COMMANDS],
        "topics": TOPICS,
        "reason_labels": dict(ReportReason.choices),
        "revealed": request.session.pop(f"moderation-reveal-{item.pk}", None),
    }
    return render(request, "moderation/item/index.html", context, status=status)


@login_required
@require_GET
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = _actor(request)
    return _item_page(request, actor, _item(actor, item_id))


@login_required
@require_POST
def item_claim(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = _actor(request)
    item = _item(actor, item_id)
    try:
        if request.POST.get("release"):
            services.item_unclaim(actor=actor, item=item)
            messages.success(request, _("You gave this item back to the queue."))
        else:
            services.item_claim(actor=actor, item=item)
            messages.success(request, _("This item is yours for the next 15 minutes."))
    except ApiError as exc:
        messages.error(request, exc.detail)
    return redirect_after_post(request, reverse("moderation:item-detail", args=[item.pk]))


@login_required
@require_POST
def item_action(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = _actor(request)
    item = _item(actor, item_id)
    post = request.POST
    params: dict[str, Any] = {}
    if post.getlist("topics"):
        params["topics"] = post.getlist("topics")
    for name in ("text", "body", "community"):
        if post.get(name):
            params[name] = post.get(name)
    for name in ("seconds", "hours", "days"):
        if post.get(name):
            number = _int(post.get(name))
            params[name] = number if number is not None else post.get(name)
    try:
        result = action_take(
            actor=actor,
            item=item,
            action=post.get("action", ""),
            reason=post.get("reason", ""),
            params=params,
        )
    except ApiError as exc:
        messages.error(request, exc.detail)
        return _item_page(request, actor, item, status=409 if exc.status == 409 else 422)
    if result.data.get("author"):
        request.session[f"moderation-reveal-{item.pk}"] = result.data["author"]
    messages.success(request, _("Done. The author was told, with the reason."))
    target = (
        reverse("moderation:queue")
        if result.item is not None and result.item.state == "resolved"
        else reverse("moderation:item-detail", args=[item.pk])
    )
    return redirect_after_post(request, target)


# --- appeals -------------------------------------------------------------------------------------


@login_required
@require_GET
def appeal_list(request: HttpRequest) -> HttpResponse:
    actor = _moderator(request)
    return render(
        request,
        "moderation/appeals/index.html",
        {"appeals": selectors.appeals_pending(actor=actor)},
    )


@login_required
@require_POST
def appeal_decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    actor = _actor(request)
    if not 0 < appeal_id <= _MAX_ID:
        raise Http404
    appeal = access.get_appeal_for(actor, appeal_id)
    try:
        services.appeal_decide(
            actor=actor,
            appeal=appeal,
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
        )
    except ApiError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Decided. The person was told."))
    return redirect_after_post(request, reverse("moderation:appeal-list"))


@login_required
@require_http_methods(["GET", "POST"])
def appeal_create(request: HttpRequest, action_id: int) -> HttpResponse:
    actor = _actor(request)
    if not 0 < action_id <= _MAX_ID:
        raise Http404
    action = access.get_action_for_subject(actor, action_id)
    error = ""
    text = ""
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            services.appeal_create(actor=actor, action=action, text=text)
        except ApiError as exc:
            error = exc.detail
        else:
            messages.success(request, _("Your appeal was sent. Another moderator will decide."))
            return redirect_after_post(request, reverse("moderation:my-moderation"))
    return render(
        request,
        "moderation/appeal/create.html",
        {"action": action, "error": error, "text": text},
        status=422 if error else 200,
    )


@login_required
@require_GET
def my_moderation(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    context = {
        **selectors.my_moderation(actor=actor),
        "reports": selectors.my_reports(actor=actor)["items"],
    }
    return render(request, "moderation/mine/index.html", context)


# --- reports -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    data = request.POST if request.method == "POST" else request.GET
    target_type = data.get("target_type", "post")
    target_id = data.get("target_id", "")
    error = ""
    if request.method == "POST":
        try:
            services.report_create(
                actor=actor,
                target_type=target_type,
                target_id=target_id,
                reason=data.get("reason", ""),
                note=data.get("note", ""),
            )
        except ApiError as exc:
            error = exc.detail
        else:
            messages.success(request, report_received_detail(data.get("reason", "")))
            return redirect_after_post(request, reverse("moderation:report-sent"))
    return render(
        request,
        "moderation/report/create.html",
        {
            "target_type": target_type,
            "target_id": target_id,
            "reasons": ReportReason.choices,
            "chosen": data.get("reason", ""),
            "note": data.get("note", ""),
            "error": error,
        },
        status=422 if error else 200,
    )


@login_required
@require_GET
def report_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "moderation/report/sent.html", {})


# --- public --------------------------------------------------------------------------------------


@require_GET
def community_modlog(request: HttpRequest, slug: str) -> HttpResponse:
    place = get_community_for(_actor(request), slug)
    if not place.can_read:
        # As the API answers: the community's existence is public (its page offers Join),
        # its log is for members.
        return render(
            request,
            "core/error.html",
            {
                "title": _("Members only"),
                "message": _("Join this community to read its log."),
                "action_url": reverse("community-detail", args=[place.community.slug]),
                "action_label": _("Go to the community"),
            },
            status=403,
        )
    try:
        page = selectors.modlog_page(
            community=place.community.slug, cursor=request.GET.get("cursor")
        )
    except ApiError:
        page = selectors.modlog_page(community=place.community.slug)
    return render(
        request,
        "moderation/modlog/index.html",
        {
            "community": place.community,
            "entries": page["items"],
            "next": page["next"],
            "labels": ACTION_LABELS,
        },
    )


@require_GET
def suspended(request: HttpRequest) -> HttpResponse:
    """Where a suspended or banned person lands when they try to sign in."""
    import datetime

    raw = request.session.get("moderation_suspended_until")
    until = None
    if raw:
        try:
            until = datetime.datetime.fromisoformat(str(raw))
        except ValueError:
            until = None
    return render(
        request,
        "moderation/suspended/index.html",
        {"until": until, "known": raw is not None},
    )


@require_GET
def transparency(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "moderation/transparency/index.html",
        {
            **selectors.transparency(),
            "labels": ACTION_LABELS,
            "reasons": dict(ReportReason.choices),
        },
    )


# --- notes ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def user_notes(request: HttpRequest, username: str) -> HttpResponse:
    from alongside.accounts.selectors import user_ids_by_username
    from alongside.core.actor import Role

    actor = _actor(request)
    if not actor.has_role(Role.MODERATOR):
        raise Http404
    subject = user_ids_by_username([username]).get(username.lower())
    if subject is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            services.note_add(actor=actor, subject_id=subject, text=request.POST.get("text", ""))
        except ApiError as exc:
            error = exc.detail
        else:
            messages.success(request, _("Note saved."))
            return redirect_after_post(request, reverse("moderation:user-notes", args=[username]))
    return render(
        request,
        "moderation/notes/index.html",
        {
            "username": username,
            "notes": selectors.notes_list(actor=actor, subject_id=subject),
            "error": error,
        },
        status=422 if error else 200,
    )


# --- watched words ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def watched_words(request: HttpRequest) -> HttpResponse:
    """One page: the list, a form to add one, a box to import many, a link to export."""
    actor = _actor(request)
    community = (request.POST.get("community") or request.GET.get("community") or "").strip()
    access.require_word_keeper(actor, community)
    here = reverse("moderation:watched-words") + (f"?community={community}" if community else "")
    error = ""
    problems: list[dict[str, Any]] = []
    if request.method == "POST":
        try:
            if request.POST.get("delete"):
                word_id = _int(request.POST.get("delete"))
                if word_id is None or not 0 < word_id <= _MAX_ID:
                    raise Http404
                services.watched_word_delete(
                    actor=actor, word=access.get_watched_word_for(actor, word_id)
                )
                messages.success(request, _("Removed."))
            elif "import" in request.POST:
                result = services.watched_words_import(
                    actor=actor, community=community, text=request.POST.get("import", "")
                )
                problems = result["problems"]
                messages.success(request, _("%(n)d entries imported.") % {"n": result["added"]})
            else:
                services.watched_word_set(
                    actor=actor,
                    community=community,
                    pattern=request.POST.get("pattern", ""),
                    action=request.POST.get("action", ""),
                    argument=request.POST.get("extra", ""),
                )
                messages.success(request, _("Saved."))
        except ApiError as exc:
            error = exc.detail
        else:
            if not problems:
                return redirect_after_post(request, here)
    return render(
        request,
        "moderation/watched_words/index.html",
        {
            "community": community,
            "words": selectors.watched_words_list(community=community),
            "actions": WatchedWord.Action.choices,
            "error": error,
            "problems": problems,
        },
        status=422 if error else 200,
    )


@login_required
@require_GET
def watched_words_export(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    community = (request.GET.get("community") or "").strip()
    access.require_word_keeper(actor, community)
    response = HttpResponse(
        services.watched_words_export(community=community), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="watched-words.csv"'
    return response
