from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router

from alongside.accounts.access import user_of
from alongside.accounts.middleware import actor_for_request
from alongside.accounts.schemas import MeOut, MePatchIn
from alongside.accounts.selectors import has_mfa, user_roles_list
from alongside.accounts.services import profile_update
from alongside.core.api import USER_AUTH
from alongside.privacy.selectors import consent_summary

router = Router(tags=["me"])


def _me(request: HttpRequest) -> dict[str, object]:
    user = user_of(request)
    actor = actor_for_request(request)
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "pronouns": user.pronouns,
        "locale": user.locale,
        "country": user.country,
        "time_zone": user.time_zone,
        "age_band": user.age_band.value if user.age_band else None,
        "roles": user_roles_list(user_id=user.pk),
        "pending_staff_roles": sorted(r.value for r in actor.pending_staff_roles),
        "mfa_enabled": has_mfa(user.pk),
        "consents": consent_summary(user_id=user.pk),
        "url": request.build_absolute_uri(reverse("account-settings")),
    }


@router.get("/me", response=MeOut, auth=USER_AUTH, summary="My profile, roles and consents")
def me_get(request: HttpRequest) -> dict[str, object]:
    return _me(request)


@router.patch("/me", response=MeOut, auth=USER_AUTH, summary="Update my profile")
def me_patch(request: HttpRequest, payload: MePatchIn) -> dict[str, object]:
    request.user = profile_update(
        user_id=user_of(request).pk, **payload.model_dump(exclude_unset=True)
    )
    return _me(request)
