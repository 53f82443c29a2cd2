from __future__ import annotations

from typing import Any

from allauth.core import ratelimit
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Status

from alongside.accounts.access import user_of
from alongside.accounts.middleware import actor_for_request
from alongside.core.api import USER_AUTH, ApiError
from alongside.privacy.access import export_get_for
from alongside.privacy.downloads import archive_response
from alongside.privacy.models import ExportRequest
from alongside.privacy.schemas import ConsentIn, ConsentOut, EraseIn, EraseOut, ExportOut
from alongside.privacy.selectors import consent_list, export_is_downloadable, export_status
from alongside.privacy.services import (
    consent_set,
    erasure_request,
    export_archive_read,
    export_request_create,
)

router = Router(tags=["privacy"])


@router.get("/me/consents", response=list[ConsentOut], auth=USER_AUTH, summary="My consents")
def consents_list(request: HttpRequest) -> list[dict[str, Any]]:
    return consent_list(user_id=user_of(request).pk)


@router.post(
    "/me/consents/{purpose}", response=ConsentOut, auth=USER_AUTH, summary="Grant or withdraw"
)
def consent_update(request: HttpRequest, purpose: str, payload: ConsentIn) -> dict[str, Any]:
    consent_set(
        user_id=user_of(request).pk,
        purpose=purpose,
        granted=payload.granted,
        version=payload.version,
        source="api",
    )
    return next(c for c in consent_list(user_id=user_of(request).pk) if c["purpose"] == purpose)


def _export_out(request: HttpRequest, export: ExportRequest) -> dict[str, Any]:
    downloadable = export_is_downloadable(export)
    return {
        "id": str(export.pk),
        "status": export_status(export),
        "created_at": export.created_at,
        "ready_at": export.ready_at,
        "expires_at": export.expires_at,
        "size_bytes": export.size_bytes if downloadable else 0,
        "download_url": (
            request.build_absolute_uri(
                reverse("api:privacy_export_download", kwargs={"export_id": export.pk})
            )
            if downloadable
            else None
        ),
        "url": request.build_absolute_uri(reverse("privacy") + "#export"),
    }


@router.post(
    "/me/export",
    response={200: ExportOut, 202: ExportOut},
    auth=USER_AUTH,
    summary="Start an export of my data",
    description="202 with a new export; 200 with the one already being prepared.",
)
def export_create(request: HttpRequest) -> Status[dict[str, Any]]:
    export, created = export_request_create(user_id=user_of(request).pk)
    return Status(202 if created else 200, _export_out(request, export))


@router.get(
    "/me/export/{export_id}", response=ExportOut, auth=USER_AUTH, summary="Status of an export"
)
def export_get(request: HttpRequest, export_id: str) -> dict[str, Any]:
    export = export_get_for(actor_for_request(request), export_id)
    return _export_out(request, export)


@router.get(
    "/me/export/{export_id}/download",
    auth=USER_AUTH,
    url_name="privacy_export_download",
    summary="Download an export archive (JSON)",
    response={200: None},
)
def export_download(request: HttpRequest, export_id: str) -> HttpResponse:
    actor = actor_for_request(request)
    export = export_get_for(actor, export_id)
    return archive_response(export, export_archive_read(actor=actor, export=export))


@router.post(
    "/me/erase",
    response={202: EraseOut},
    auth=USER_AUTH,
    summary="Erase my account",
    description=(
        "Password-confirmed. Every session ends at once; the erasure completes in the "
        "background. A wrong password answers 403 with field 'password' and changes nothing."
    ),
)
def erase(request: HttpRequest, payload: EraseIn) -> Status[dict[str, str]]:
    user = user_of(request)
    if not ratelimit.consume(request, action="reauthenticate", user=user):
        raise ApiError(429, _("Too many attempts. Please wait a minute."), "rate_limited")
    erasure_request(user_id=user.pk, password=payload.password)
    return Status(
        202,
        {
            "status": "accepted",
            "detail": _("Your account is being deleted. You have been signed out everywhere."),
        },
    )
