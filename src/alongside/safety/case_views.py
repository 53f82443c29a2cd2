"""Pages of the crisis queue (crisis responders and administrators; 404 for anyone else),
"I'm worried about this person", "talk to someone", and the outreach setting.

Every page works without JavaScript. The queue page also updates live: a small module hears
``safety.case`` events on the page's event socket and fetches the queue fragment again
(``HX-Request``: the same view, ``Vary: HX-Request``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alongside.core.actor import Actor
from alongside.core.api import ApiError
from alongside.core.http import redirect_after_post
from alongside.core.realtime import last_seq
from alongside.safety import access, cases, guidance, selectors, services
from alongside.safety.case_forms import (
    CaseNoteForm,
    CaseResolveForm,
    ConcernForm,
    OnCallForm,
    OutreachForm,
    SafetySettingsForm,
    TalkForm,
)
from alongside.safety.directory import DIRECTORY, language_base
from alongside.safety.models import Case


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


def _responder(request: HttpRequest) -> Actor:
    actor = _actor(request)
    access.require_responder(actor)
    return actor


def _text_language() -> str:
    return "zh-hans" if language_base(translation.get_language() or "en") == "zh" else "en"


def _lines(request: HttpRequest) -> dict[str, Any]:
    """Crisis lines for the visitor's place, for the pages that end with them."""
    lang = _text_language()
    user = getattr(request, "user", None)
    country = str(getattr(user, "country", "") or "") if user and user.is_authenticated else ""
    code, place, lines = guidance.place_for(country, translation.get_language() or "en")
    return {
        "country_code": code,
        "place_name": place.name(lang) if place else code,
        "emergency_numbers": list(place.emergency) if place else [],
        "lines": [
            {"line": line, "name": line.display_name(lang), "hours": line.hours_text(lang)}
            for line in [*lines[:4], *DIRECTORY.international()[:1]]
        ],
    }


def _error(form: Any, exc: ApiError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.detail)


# --- the queue ---------------------------------------------------------------------------------


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """The queue, most urgent first. An htmx request gets the list fragment alone."""
    actor = _responder(request)
    assert actor.user_id is not None
    try:
        page = selectors.case_queue(
            viewer_id=actor.user_id, cursor=request.GET.get("cursor") or None
        )
    except ApiError:
        page = selectors.case_queue(viewer_id=actor.user_id)
    context = {
        "items": page["items"],
        "next": page["next"],
        "counts": selectors.case_counts(viewer_id=actor.user_id),
        "on_call": selectors.on_call_get(user_id=actor.user_id),
        "on_call_form": OnCallForm(),
        "now": timezone.now(),
        # Where the page's event socket resumes: events after this refresh the list.
        "event_seq": last_seq(user_id=actor.user_id),
    }
    fragment = getattr(request, "htmx", False)
    template = "safety/cases/list/partial.html" if fragment else "safety/cases/list/index.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def on_call(request: HttpRequest) -> HttpResponse:
    actor = _responder(request)
    form = OnCallForm(request.POST)
    hours = form.cleaned_data.get("hours") if form.is_valid() else None
    on = bool(form.is_valid() and form.cleaned_data["on_call"])
    try:
        cases.on_call_set(actor=actor, on=on, hours=hours)
    except ApiError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("You are on call.") if on else _("You are no longer on call."))
    return redirect_after_post(request, reverse("safety:case-list"))


# --- one case ----------------------------------------------------------------------------------


def _case_page(
    request: HttpRequest, actor: Actor, case: Case, *, status: int = 200, **forms: Any
) -> HttpResponse:
    cases.case_view_record(actor=actor, case=case)
    context = {
        "case": selectors.case_detail(case=case),
        "note_form": forms.get("note_form") or CaseNoteForm(),
        "resolve_form": forms.get("resolve_form") or CaseResolveForm(),
        "outreach_form": forms.get("outreach_form") or OutreachForm(),
    }
    return render(request, "safety/cases/detail/index.html", context, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """Evidence in context, the person's recent posts and earlier cases, notes, the timeline
    and the actions. Every reading is audited."""
    actor = _responder(request)
    return _case_page(request, actor, access.get_case_for(actor, case_id))


def _back_to(case: Case) -> str:
    return reverse("safety:case-detail", args=[case.pk])


@login_required
@require_POST
def case_acknowledge(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _responder(request)
    case = access.get_case_for(actor, case_id)
    try:
        cases.case_acknowledge(actor=actor, case=case)
    except ApiError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("You have taken this case. Escalation has stopped."))
    return redirect_after_post(request, _back_to(case))


@login_required
@require_POST
def case_note_create(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _responder(request)
    case = access.get_case_for(actor, case_id)
    form = CaseNoteForm(request.POST)
    if form.is_valid():
        try:
            cases.case_note_add(actor=actor, case=case, text=form.cleaned_data["text"])
        except ApiError as exc:
            _error(form, exc)
        else:
            messages.success(request, _("Your note is saved."))
            return redirect_after_post(request, _back_to(case) + "#notes")
    return _case_page(request, actor, case, status=422, note_form=form)


@login_required
@require_POST
def case_resolve(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _responder(request)
    case = access.get_case_for(actor, case_id)
    form = CaseResolveForm(request.POST)
    if form.is_valid():
        try:
            cases.case_resolve(
                actor=actor,
                case=case,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                level=form.cleaned_data["level"] or None,
            )
        except ApiError as exc:
            if exc.status == 409:
                messages.error(request, exc.detail)
                return redirect_after_post(request, _back_to(case))
            _error(form, exc)
        else:
            messages.success(request, _("The case is closed. Thank you."))
            return redirect_after_post(request, reverse("safety:case-list"))
    return _case_page(request, actor, case, status=422, resolve_form=form)


@login_required
@require_POST
def case_outreach(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _responder(request)
    case = access.get_case_for(actor, case_id)
    form = OutreachForm(request.POST)
    if form.is_valid():
        try:
            cases.case_outreach(actor=actor, case=case, message=form.cleaned_data["message"])
        except ApiError as exc:
            if exc.status == 409:
                messages.error(request, exc.detail)
                return redirect_after_post(request, _back_to(case))
            _error(form, exc)
        else:
            messages.success(request, _("Your caring message is on its way."))
            return redirect_after_post(request, _back_to(case))
    return _case_page(request, actor, case, status=422, outreach_form=form)


# --- "I'm worried about this person" -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def concern_create(request: HttpRequest) -> HttpResponse:
    """One short form from any post (or a profile). The answer never says whether the target
    exists; rate limits answer with 429 and the way to emergency help."""
    actor = _actor(request)
    status = 200
    if request.method == "POST":
        form = ConcernForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                services.concern_create(
                    actor=actor,
                    target_type=form.cleaned_data["target_type"],
                    target_id=form.cleaned_data["target_id"],
                    note=form.cleaned_data["note"],
                )
            except ApiError as exc:
                status = exc.status
                _error(form, exc)
            else:
                return redirect_after_post(request, reverse("safety:concern-sent"))
    else:
        form = ConcernForm(
            initial={
                "target_type": request.GET.get("target_type", "post"),
                "target_id": request.GET.get("target_id", "")[:150],
            }
        )
    response = render(
        request, "safety/concern/create.html", {"form": form, **_lines(request)}, status=status
    )
    if status == 429:
        response["Retry-After"] = str(
            services.concern_retry_after(reporter_id=actor.user_id or 0) or 60
        )
    return response


@login_required
@require_GET
def concern_sent(request: HttpRequest) -> HttpResponse:
    context = {
        "received": guidance.concern_received(),
        "guidance": guidance.concern_guidance(),
        **_lines(request),
    }
    return render(request, "safety/concern/sent.html", context)


# --- talk to someone ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def talk(request: HttpRequest) -> HttpResponse:
    """Ask for a person. Logged out, the page still shows crisis lines and how to sign in;
    it is never rate-limited."""
    user = request.user
    if request.method == "POST":
        if not user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(reverse("safety:talk"))
        form = TalkForm(request.POST)
        if form.is_valid():
            try:
                services.talk_request(actor=_actor(request), message=form.cleaned_data["message"])
            except ApiError as exc:
                _error(form, exc)
            else:
                messages.success(request, guidance.talk_received())
                return redirect_after_post(request, reverse("safety:talk"))
        status = 422
    else:
        form = TalkForm()
        status = 200
    context: dict[str, Any] = {"form": form, "what_next": guidance.talk_what_next()}
    if user.is_authenticated:
        context["state"] = selectors.talk_state(user_id=user.pk)
    context.update(_lines(request))
    return render(request, "safety/talk/index.html", context, status=status)


# --- the person's outreach setting -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def safety_settings(request: HttpRequest) -> HttpResponse:
    user_id = _actor(request).user_id
    assert user_id is not None
    if request.method == "POST":
        form = SafetySettingsForm(request.POST)
        if form.is_valid():
            services.safety_settings_save(
                user_id=user_id, concern_outreach=form.cleaned_data["concern_outreach"]
            )
            messages.success(request, _("Your choice is saved."))
            return redirect_after_post(request, reverse("safety:settings"))
    else:
        row = selectors.safety_settings_get(user_id=user_id)
        form = SafetySettingsForm(initial={"concern_outreach": row.concern_outreach})
    return render(request, "safety/settings/index.html", {"form": form})
