"""The privacy page: consents, "download my data" and "delete my account".

Every form is a plain POST with a 303 redirect afterwards, so the page works without
JavaScript; htmx requests get ``HX-Redirect`` instead.
"""

from __future__ import annotations

from typing import Any

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from alongside.accounts.middleware import actor_for_request
from alongside.core.api import ApiError
from alongside.core.http import HttpResponseSeeOther, redirect_after_post
from alongside.privacy.access import export_get_for
from alongside.privacy.downloads import archive_response
from alongside.privacy.forms import ConsentChangeForm, ErasureForm
from alongside.privacy.purposes import PURPOSES
from alongside.privacy.selectors import (
    consent_list,
    export_is_downloadable,
    export_list,
    export_status,
)
from alongside.privacy.services import (
    consent_set,
    erasure_request,
    export_archive_read,
    export_request_create,
)


def _overview_url(anchor: str) -> str:
    return f"{reverse('privacy')}#{anchor}"


def _user_id(request: HttpRequest) -> int:
    """The signed-in person (every view but the goodbye page is behind login_required)."""
    user_id = actor_for_request(request).user_id
    if user_id is None:
        raise PermissionDenied
    return user_id


def _render_overview(
    request: HttpRequest, *, erase_form: ErasureForm, status: int = 200
) -> HttpResponse:
    user_id = _user_id(request)
    exports = [
        {
            "export": export,
            "status": export_status(export),
            "downloadable": export_is_downloadable(export),
        }
        for export in export_list(user_id=user_id)
    ]
    context: dict[str, Any] = {
        "consents": consent_list(user_id=user_id),
        "exports": exports,
        "export_in_progress": any(e["status"] in ("pending", "running") for e in exports),
        "erase_form": erase_form,
        "retention_days": settings.EXPORT_RETENTION_DAYS,
    }
    response = render(request, "privacy/overview/index.html", context, status=status)
    response["Cache-Control"] = "no-store, private"
    return response


@never_cache
@login_required
@require_GET
def privacy_overview(request: HttpRequest) -> HttpResponse:
    return _render_overview(request, erase_form=ErasureForm())


@login_required
@require_POST
def privacy_consent_update(request: HttpRequest, purpose: str) -> HttpResponse:
    """Granting and withdrawing are the same single button press."""
    spec = PURPOSES.get(purpose)
    if spec is None:
        raise Http404
    form = ConsentChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That change could not be understood. Please try again."))
        return redirect_after_post(request, _overview_url("consents"))
    granted: bool = form.cleaned_data["granted"]
    try:
        consent_set(
            user_id=_user_id(request),
            purpose=purpose,
            granted=granted,
            version=form.cleaned_data["version"] or None,
            source="settings",
        )
    except ApiError as exc:
        messages.error(request, exc.detail)
    else:
        label = str(spec.label)
        if granted:
            messages.success(request, _("Turned on: %(purpose)s.") % {"purpose": label})
        else:
            messages.success(request, _("Turned off: %(purpose)s.") % {"purpose": label})
    return redirect_after_post(request, _overview_url("consents"))


@login_required
@require_POST
def privacy_export_create(request: HttpRequest) -> HttpResponse:
    _export, created = export_request_create(user_id=_user_id(request))
    if created:
        messages.success(
            request,
            _("We are preparing your data. Reload this page in a minute to download it."),
        )
    else:
        messages.info(request, _("Your data is already being prepared."))
    return redirect_after_post(request, _overview_url("export"))


@never_cache
@login_required
@require_GET
def privacy_export_download(request: HttpRequest, export_id: str) -> HttpResponse:
    actor = actor_for_request(request)
    export = export_get_for(actor, export_id)
    try:
        text = export_archive_read(actor=actor, export=export)
    except ApiError as exc:
        messages.error(request, exc.detail)
        return HttpResponseSeeOther(_overview_url("export"))
    return archive_response(export, text)


@login_required
@require_POST
def privacy_erase(request: HttpRequest) -> HttpResponse:
    """Password-confirmed erasure; signs the person out and says goodbye."""
    form = ErasureForm(request.POST)
    if form.is_valid():
        if not ratelimit.consume(request, action="reauthenticate", user=request.user):
            form.add_error("password", _("Too many attempts. Please wait a minute."))
        else:
            try:
                erasure_request(user_id=_user_id(request), password=form.cleaned_data["password"])
            except ApiError as exc:
                form.add_error("password", exc.detail)
            else:
                logout(request)
                return redirect_after_post(request, reverse("privacy-erase-done"))
    return _render_overview(request, erase_form=form, status=400)


@require_GET
def privacy_erase_done(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/erase_done/index.html")
