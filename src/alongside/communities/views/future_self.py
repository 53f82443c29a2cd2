"""Pages of the "future self" option (decision 0013): my waiting posts, with "publish now"
and "discard"; the posts waiting for my approval as someone's trusted person.

Every action is a plain form (POST, 303 back); nothing needs JavaScript. A waiting post is
reached only through ``access`` (its author) or ``access.get_post_for_approval`` (the
person its author trusts): anyone else gets the 404 of a post that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alongside.communities import access, selectors, services
from alongside.communities.models import Status
from alongside.communities.views.common import (
    actor_of,
    cursor_of,
    next_url,
    refusal_page,
    render_page,
    thread_url,
    to_login,
)
from alongside.core.api import ApiError
from alongside.core.http import redirect_after_post


@login_required
@require_GET
def pending_post_list(request: HttpRequest) -> HttpResponse:
    """My posts that wait, soonest first, each with its time and what I can do."""
    actor = actor_of(request)
    cursor = cursor_of(request)
    try:
        page = selectors.pending_post_list(actor=actor, cursor=cursor)
    except ApiError as exc:
        return refusal_page(request, exc)
    return render_page(
        request, "communities/pending_post_list/index.html", {"page": page, "cursor": cursor}
    )


@login_required
@require_GET
def approval_list(request: HttpRequest) -> HttpResponse:
    """Posts of people who trust me, waiting for my approval: their words, nothing around."""
    actor = actor_of(request)
    cursor = cursor_of(request)
    try:
        page = selectors.approval_list(actor=actor, cursor=cursor)
    except ApiError as exc:
        return refusal_page(request, exc)
    return render_page(
        request, "communities/approval_list/index.html", {"page": page, "cursor": cursor}
    )


@require_POST
def post_publish(request: HttpRequest, post_id: int) -> HttpResponse:
    actor = actor_of(request)
    post, _place = access.get_post_for(actor, post_id)
    if not actor.is_authenticated:
        return to_login(request, thread_url(post.thread_id, post.pk))
    try:
        published = services.post_publish_now(actor=actor, post=post)
    except ApiError as exc:
        return refusal_page(request, exc)
    if published.status == Status.HELD:
        messages.info(
            request,
            _("Your post finished waiting. It is now with the moderators, who read it first."),
        )
    else:
        messages.success(request, _("Your post is published."))
    return redirect_after_post(
        request, next_url(request, thread_url(published.thread_id, published.pk))
    )


@require_POST
def post_discard(request: HttpRequest, post_id: int) -> HttpResponse:
    actor = actor_of(request)
    post, place = access.get_post_for(actor, post_id)
    if not actor.is_authenticated:
        return to_login(request, thread_url(post.thread_id, post.pk))
    was_opening = post.is_opening
    try:
        services.post_discard(actor=actor, post=post)
    except ApiError as exc:
        return refusal_page(request, exc)
    messages.success(request, _("Discarded. Nobody saw it."))
    default = (
        reverse("community-detail", args=[place.community.slug])
        if was_opening
        else thread_url(post.thread_id)
    )
    # A discarded thread no longer exists: never go back to it.
    target = next_url(request, default)
    if was_opening and target.startswith(thread_url(post.thread_id)):
        target = default
    return redirect_after_post(request, target)


@require_POST
def post_approve(request: HttpRequest, post_id: int) -> HttpResponse:
    actor = actor_of(request)
    if not actor.is_authenticated:
        return to_login(request, reverse("approval-list"))
    post = access.get_post_for_approval(actor, post_id)
    version = request.POST.get("version") or None
    try:
        approved = services.post_approve(
            actor=actor, post=post, version=version[:60] if version else None
        )
    except ApiError as exc:
        if exc.code == "changed":
            messages.warning(request, exc.detail)
            return redirect_after_post(request, reverse("approval-list"))
        return refusal_page(request, exc)
    if approved.status == Status.HELD:
        messages.info(request, _("Approved. Moderators read it before it is published."))
    else:
        messages.success(request, _("Approved. It is published."))
    return redirect_after_post(request, reverse("approval-list"))
