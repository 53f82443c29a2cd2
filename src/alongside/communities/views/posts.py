"""Actions on one post: edit, delete or remove, react, add a warning, history, reveal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alongside.communities import access, selectors, services
from alongside.communities.forms import (
    PostEditForm,
    ReasonForm,
    WarningForm,
)
from alongside.communities.models import Status
from alongside.communities.views.common import (
    actor_of,
    form_refusal,
    post_urls,
    reaction_list,
    refusal_page,
    render_page,
    thread_url,
    to_login,
)
from alongside.core.actor import Actor
from alongside.core.api import ApiError
from alongside.core.http import redirect_after_post


def _post_context(actor: Actor, post: Any, place: access.Place) -> dict[str, Any]:
    data = selectors.post_single(actor=actor, post=post, place=place)
    return {
        "post": data,
        "thread_title": post.thread.title,
        "thread_url": thread_url(post.thread_id),
        "community": selectors.community_data(place.community, is_member=place.is_member),
    }


@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    """Authors edit their words, title (opening post) and warning; moderators keep the
    earlier version in the history."""
    actor = actor_of(request)
    post, place = access.get_post_for(actor, post_id)
    if not actor.is_authenticated:
        return to_login(request, request.get_full_path())
    context = _post_context(actor, post, place)
    data = context["post"]
    if not data["author"]["is_me"]:
        raise PermissionDenied
    if data["status"] in (Status.DELETED, Status.REMOVED):
        return refusal_page(request, ApiError(409, _("This post was removed."), "gone"))
    with_title = bool(post.is_opening)
    status = 200
    if request.method == "POST":
        form = PostEditForm(request.POST, with_title=with_title)
        status = 422
        if form.is_valid():
            try:
                services.post_edit(
                    actor=actor,
                    post=post,
                    place=place,
                    body=form.cleaned_data["body"],
                    title=form.cleaned_data["title"] if with_title else None,
                    # The whole warning as the form shows it: unticking every topic removes it.
                    content_warning=form.content_warning() or {"topics": [], "text": ""},
                )
            except ApiError as exc:
                status = form_refusal(form, exc)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect_after_post(request, thread_url(post.thread_id, post.pk))
    else:
        warning = data["content_warning"] or {"topics": [], "text": ""}
        initial = {
            "body": data["body"],
            "cw_topics": [t["slug"] for t in warning["topics"]],
            "cw_text": warning["text"],
        }
        if with_title:
            initial["title"] = post.thread.title
        form = PostEditForm(initial=initial, with_title=with_title)
    context["form"] = form
    return render_page(request, "communities/post_edit/index.html", context, status=status)


@require_http_methods(["GET", "POST"])
def post_delete(request: HttpRequest, post_id: int) -> HttpResponse:
    """The author deletes (a tombstone stays); a moderator removes with a reason."""
    actor = actor_of(request)
    post, place = access.get_post_for(actor, post_id)
    if not actor.is_authenticated:
        return to_login(request, request.get_full_path())
    context = _post_context(actor, post, place)
    is_author = bool(context["post"]["author"]["is_me"])
    if not is_author and not place.can_moderate:
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = ReasonForm(request.POST, auto_id="remove_%s")
        status = 422
        if form.is_valid():
            try:
                services.post_delete(
                    actor=actor,
                    post=post,
                    place=place,
                    reason=form.cleaned_data["reason"],
                )
            except ApiError as exc:
                status = form_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("Your post is deleted.") if is_author else _("The post is removed."),
                )
                return redirect_after_post(request, thread_url(post.thread_id))
    else:
        form = ReasonForm(auto_id="remove_%s")
    context.update({"form": form, "is_author": is_author})
    return render_page(request, "communities/post_delete/index.html", context, status=status)


@require_POST
def post_react(request: HttpRequest, post_id: int) -> HttpResponse:
    """Send support, or take it back (``on`` says which, so a double click changes nothing)."""
    actor = actor_of(request)
    post, place = access.get_post_for(actor, post_id)
    url = thread_url(post.thread_id, post.pk)
    if not actor.is_authenticated:
        return to_login(request, url)
    kind = request.POST.get("kind", "")
    try:
        if request.POST.get("on", "1") == "1":
            services.reaction_add(actor=actor, post=post, place=place, kind=kind)
        else:
            services.reaction_remove(actor=actor, post=post, kind=kind)
    except ApiError as exc:
        return refusal_page(request, exc)
    if getattr(request, "htmx", False):
        data = selectors.post_single(actor=actor, post=post, place=place)
        data["reaction_list"] = reaction_list(data)
        data["urls"] = post_urls(data["id"])
        return render_page(
            request,
            "communities/thread_detail/reactions.html",
            {"post": data, "can_react": True, "announce": True},
        )
    return redirect_after_post(request, url)


@require_http_methods(["GET", "POST"])
def post_warning(request: HttpRequest, post_id: int) -> HttpResponse:
    """Moderators add a content warning to any post, with a note the author is told."""
    actor = actor_of(request)
    post, place = access.get_post_for(actor, post_id)
    if not actor.is_authenticated:
        return to_login(request, request.get_full_path())
    if not place.can_moderate:
        raise PermissionDenied
    context = _post_context(actor, post, place)
    status = 200
    if request.method == "POST":
        form = WarningForm(request.POST, auto_id="warning_%s")
        status = 422
        if form.is_valid():
            warning = form.content_warning()
            if warning is None:
                form.add_error("cw_topics", _("Choose at least one topic or describe it."))
            else:
                try:
                    services.post_edit(
                        actor=actor,
                        post=post,
                        place=place,
                        content_warning=warning,
                        note=form.cleaned_data["note"],
                    )
                except ApiError as exc:
                    status = form_refusal(form, exc)
                else:
                    messages.success(request, _("The content warning is added."))
                    return redirect_after_post(request, thread_url(post.thread_id, post.pk))
    else:
        current = context["post"]["content_warning"] or {"topics": [], "text": ""}
        form = WarningForm(
            initial={
                "cw_topics": [t["slug"] for t in current["topics"]],
                "cw_text": current["text"],
            },
            auto_id="warning_%s",
        )
    context["form"] = form
    return render_page(request, "communities/post_warning/index.html", context, status=status)


@require_GET
def post_history(request: HttpRequest, post_id: int) -> HttpResponse:
    """Earlier versions of an edited post, for this community's moderators."""
    actor = actor_of(request)
    post, place = access.get_post_for(actor, post_id)
    if not actor.is_authenticated:
        return to_login(request, request.get_full_path())
    if not place.can_moderate:
        raise PermissionDenied
    context = _post_context(actor, post, place)
    context["revisions"] = selectors.post_revisions(actor=actor, post=post, place=place)
    return render_page(request, "communities/post_history/index.html", context)


@require_http_methods(["GET", "POST"])
def post_reveal(request: HttpRequest, post_id: int) -> HttpResponse:
    """Who wrote an anonymous post, for moderators and crisis responders, only with a
    recorded reason. The answer is shown once, in the response to the POST (never at a URL
    that could be opened again without a new audit entry)."""
    actor = actor_of(request)
    post, place = access.get_post_for(actor, post_id)
    if not actor.is_authenticated:
        return to_login(request, request.get_full_path())
    if not access.can_reveal(actor, place.community):
        raise PermissionDenied
    context = _post_context(actor, post, place)
    status = 200
    if request.method == "POST":
        form = ReasonForm(
            request.POST,
            auto_id="reveal_%s",
            reason_label=_("Why do you need to know who wrote this?"),
        )
        status = 422
        if form.is_valid():
            try:
                revealed = services.author_reveal(
                    actor=actor, post=post, place=place, reason=form.cleaned_data["reason"]
                )
            except ApiError as exc:
                status = form_refusal(form, exc)
            else:
                context["revealed"] = revealed
                return render_page(request, "communities/post_reveal/result.html", context)
    else:
        form = ReasonForm(
            auto_id="reveal_%s", reason_label=_("Why do you need to know who wrote this?")
        )
    context["form"] = form
    return render_page(request, "communities/post_reveal/index.html", context, status=status)
