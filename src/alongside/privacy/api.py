from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from alongside.accounts.access import user_of
from alongside.core.api import USER_AUTH
from alongside.privacy.schemas import ConsentIn, ConsentOut
from alongside.privacy.selectors import consent_list
from alongside.privacy.services import consent_set

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
