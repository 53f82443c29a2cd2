from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from allauth.account.views import SignupView as AllauthSignupView
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from alongside.accounts.access import user_of
from alongside.accounts.forms import (
    BlockForm,
    ContentFiltersForm,
    FutureSelfForm,
    NotificationSettingsForm,
    ProfileForm,
)
from alongside.accounts.models import NOTIFY_KINDS, Block, User
from alongside.accounts.selectors import (
    block_list,
    future_self_data,
    preferences_get,
    trusted_by_list,
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
from alongside.core.api import ApiError
from alongside.core.http import redirect_after_post
from alongside.safety.selectors import hotlines_for_young_people


class SignupView(AllauthSignupView):
    """allauth's signup, sending anyone under 13 to a kind page instead of an error."""

    def form_invalid(self, form: Any) -> HttpResponse:
        errors = form.errors.as_data().get("birth_year", [])
        if any(getattr(e, "code", None) == "too_young" for e in errors):
            return redirect("signup-too-young")
        return super().form_invalid(form)


def too_young(request: HttpRequest) -> HttpResponse:
    """Under 13: no account, and no shame either: a kind page with places to turn."""
    return render(
        request,
        "accounts/too_young/index.html",
        {"young_lines": _young_lines(hotlines_for_young_people())},
    )


def _young_lines(lines: list[Any]) -> list[dict[str, Any]]:
    lang = "zh-hans" if (translation.get_language() or "").startswith("zh") else "en"
    return [
        {"line": line, "name": line.display_name(lang), "description": line.description_text(lang)}
        for line in lines
    ]


def _settings_forms(user: User) -> dict[str, Any]:
    """Unbound forms of the settings page, filled from what is saved."""
    prefs = preferences_get(user_id=user.pk)
    notify = prefs.notify or {}
    return {
        "form": ProfileForm(
            initial={
                "display_name": user.display_name,
                "pronouns": user.pronouns,
                "locale": user.locale,
                "country": user.country,
                "time_zone": user.time_zone,
            }
        ),
        "filters_form": ContentFiltersForm(
            initial=ContentFiltersForm.initial_for(
                dict(prefs.topic_filters or {}), list(prefs.muted_words or [])
            )
        ),
        "notify_form": NotificationSettingsForm(
            initial={
                **{f"notify_{k}": notify.get(k, True) is not False for k in NOTIFY_KINDS},
                "quiet_hours_start": prefs.quiet_hours_start,
                "quiet_hours_end": prefs.quiet_hours_end,
            }
        ),
        "block_form": BlockForm(),
    }


def _render_settings(request: HttpRequest, **bound: forms.Form) -> HttpResponse:
    """The settings page; ``bound`` replaces a form with the one just submitted (errors)."""
    user = user_of(request)
    context: dict[str, Any] = {
        **_settings_forms(user),
        **bound,
        "blocks": block_list(user_id=user.pk),
        "is_teen": user.age_band == AgeBand.TEEN,
    }
    response = render(request, "accounts/settings/index.html", context)
    response["Cache-Control"] = "no-store, private"
    return response


def _settings_url(anchor: str = "") -> str:
    return reverse("account-settings") + (f"#{anchor}" if anchor else "")


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    """Profile settings, content filters, notifications and blocks; links out to security
    (allauth) and privacy pages."""
    user = user_of(request)
    if request.method != "POST":
        return _render_settings(request)
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            user = profile_update(user_id=user.pk, **form.cleaned_data)
        except ApiError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
        else:
            translation.activate(user.locale)
            messages.success(request, _("Your profile is saved."))
            response = redirect_after_post(request, reverse("account-settings"))
            # The language cookie wins over the profile (ActorMiddleware), so keep the
            # two in step when the person changes their language here.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.locale,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                path=settings.LANGUAGE_COOKIE_PATH,
            )
            return response
    return _render_settings(request, form=form)


@login_required
@require_POST
def account_settings_filters(request: HttpRequest) -> HttpResponse:
    """Content filters: show, collapse or hide each topic; muted words."""
    form = ContentFiltersForm(request.POST)
    if form.is_valid():
        try:
            preferences_update(
                user_id=user_of(request).pk,
                topic_filters=form.topic_filters(),
                muted_words=form.muted_word_list(),
            )
        except ApiError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
        else:
            messages.success(request, _("Your content filters are saved."))
            return redirect_after_post(request, _settings_url("filters"))
    return _render_settings(request, filters_form=form)


@login_required
@require_POST
def account_settings_notifications(request: HttpRequest) -> HttpResponse:
    """Which notifications to get, and quiet hours that hold live alerts."""
    form = NotificationSettingsForm(request.POST)
    if form.is_valid():
        try:
            preferences_update(
                user_id=user_of(request).pk,
                notify=form.notify(),
                quiet_hours=(
                    form.cleaned_data["quiet_hours_start"],
                    form.cleaned_data["quiet_hours_end"],
                ),
            )
        except ApiError as exc:
            field = "quiet_hours_end" if exc.field == "quiet_hours" else None
            form.add_error(field, exc.detail)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect_after_post(request, _settings_url("notifications"))
    return _render_settings(request, notify_form=form)


@login_required
@require_POST
def account_block_create(request: HttpRequest) -> HttpResponse:
    form = BlockForm(request.POST)
    if form.is_valid():
        try:
            block = block_set(
                user_id=user_of(request).pk,
                target_username=form.cleaned_data["username"],
                kind=form.cleaned_data["kind"],
            )
        except ApiError as exc:
            if exc.status == 404:
                form.add_error("username", _("There is no member with this username."))
            else:
                form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
        else:
            name = block.target.public_name
            if block.kind == Block.Kind.MUTE:
                messages.success(request, _("You muted %(name)s.") % {"name": name})
            else:
                messages.success(request, _("You blocked %(name)s.") % {"name": name})
            return redirect_after_post(request, _settings_url("blocks"))
    return _render_settings(request, block_form=form)


@login_required
@require_POST
def account_block_delete(request: HttpRequest) -> HttpResponse:
    username = request.POST.get("username", "")
    if not username or len(username) > 150:
        return HttpResponseBadRequest(_("Choose someone to unblock."))
    if block_remove(user_id=user_of(request).pk, target_username=username):
        messages.success(request, _("They are no longer blocked or muted."))
    # Nothing removed (already gone, another tab): the list on the page says how things are.
    return redirect_after_post(request, _settings_url("blocks"))


# --- future self (decision 0013) ---------------------------------------------------------------


def _render_future_self(
    request: HttpRequest, form: FutureSelfForm | None = None, *, status: int = 200
) -> HttpResponse:
    user = user_of(request)
    state = future_self_data(user_id=user.pk, now=timezone.now())
    if form is None:
        trusted = state["trusted"]
        form = FutureSelfForm(
            initial={
                "hold_hours": state["hold_hours"],
                "trusted_username": trusted["username"] if trusted else "",
            },
            current=state["hold_hours"],
        )
    context = {
        "state": state,
        "form": form,
        "trusted_by": trusted_by_list(user_id=user.pk),
    }
    with timezone.override(_zone_of(user)):
        response = render(request, "accounts/future_self/index.html", context, status=status)
    response["Cache-Control"] = "no-store, private"
    return response


def _zone_of(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@login_required
@require_http_methods(["GET", "POST"])
def account_settings_future_self(request: HttpRequest) -> HttpResponse:
    """The "future self" option: hold my new posts for a while, and name someone I trust to
    publish them sooner; and the requests of people who trust me."""
    user = user_of(request)
    if request.method != "POST":
        return _render_future_self(request)
    current = future_self_data(user_id=user.pk, now=timezone.now())["hold_hours"]
    form = FutureSelfForm(request.POST, current=current)
    if form.is_valid():
        try:
            future_self_update(
                user_id=user.pk,
                hold_hours=form.cleaned_data["hold_hours"],
                trusted_username=form.cleaned_data["trusted_username"],
            )
        except ApiError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.detail)
        else:
            messages.success(request, _("Your choice is saved."))
            return redirect_after_post(request, reverse("account-settings-future-self"))
    return _render_future_self(request, form, status=422)


@login_required
@require_POST
def account_trusted_by(request: HttpRequest) -> HttpResponse:
    """Answer someone who asked me to be their trusted person: agree, say no, or stop."""
    username = request.POST.get("username", "")
    action = request.POST.get("action", "")
    if not username or len(username) > 150 or action not in ("accept", "end"):
        return HttpResponseBadRequest(_("Choose someone and what to do."))
    user_id = user_of(request).pk
    try:
        if action == "accept":
            trusted_accept(user_id=user_id, author_username=username)
        else:
            trusted_end(user_id=user_id, author_username=username)
    except ApiError as exc:
        raise Http404 from exc
    if action == "accept":
        messages.success(request, _("Thank you. You can now read and approve their waiting posts."))
    else:
        messages.success(
            request, _("Done. They are told, and their posts keep waiting as they chose.")
        )
    return redirect_after_post(request, reverse("account-settings-future-self") + "#trusted-by")
