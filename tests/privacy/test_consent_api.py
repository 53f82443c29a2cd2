"""Consent through the API: grant, withdraw, history, version checks (API.md)."""

from __future__ import annotations

import pytest
from django.test import Client

from alongside.core.audit import pseudonym
from alongside.core.models import AuditEntry
from alongside.privacy.models import ConsentRecord
from alongside.privacy.purposes import PURPOSES
from tests.privacy.conftest import api_get, api_post

RESEARCH = PURPOSES["research"]


def _consent(client: Client, token: str, purpose: str) -> dict:
    listing = api_get(client, "/me/consents", token)
    assert listing.status_code == 200
    return next(c for c in listing.json() if c["purpose"] == purpose)


@pytest.mark.django_db
def test_consent_grant_and_withdraw_are_recorded_as_history(client: Client, make_member) -> None:
    member = make_member()
    assert _consent(client, member["token"], "research")["granted"] is False

    granted = api_post(
        client,
        "/me/consents/research",
        member["token"],
        {"granted": True, "version": RESEARCH.version},
    )
    assert granted.status_code == 200, granted.content
    assert granted.json()["granted"] is True
    assert granted.json()["version"] == RESEARCH.version

    withdrawn = api_post(client, "/me/consents/research", member["token"], {"granted": False})
    assert withdrawn.status_code == 200
    body = withdrawn.json()
    assert body["granted"] is False
    assert [(h["granted"], h["source"]) for h in body["history"]] == [
        (False, "api"),
        (True, "api"),
    ]

    me = api_get(client, "/me", member["token"]).json()
    assert {"purpose": "research", "granted": False, "version": RESEARCH.version} in me["consents"]
    actions = list(
        AuditEntry.objects.filter(target_id=pseudonym(member["user_id"]))
        .filter(action__startswith="consent.")
        .values_list("action", "data__purpose")
    )
    assert ("consent.grant", "research") in actions
    assert ("consent.withdraw", "research") in actions


@pytest.mark.django_db
def test_every_purpose_is_listed_with_the_version_in_force(client: Client, make_member) -> None:
    member = make_member()
    listing = api_get(client, "/me/consents", member["token"]).json()
    assert [c["purpose"] for c in listing] == list(PURPOSES)
    assert all(c["current_version"] == PURPOSES[c["purpose"]].version for c in listing)
    terms = next(c for c in listing if c["purpose"] == "terms")
    assert terms["granted"] is True  # accepted at signup
    assert terms["history"][0]["source"] == "signup"


@pytest.mark.django_db
def test_granting_an_outdated_wording_is_a_409_and_records_nothing(
    client: Client, make_member
) -> None:
    member = make_member()
    before = ConsentRecord.objects.filter(user_id=member["user_id"]).count()
    response = api_post(
        client, "/me/consents/research", member["token"], {"granted": True, "version": "1999-01"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "version_mismatch"
    assert response.json()["field"] == "version"
    assert ConsentRecord.objects.filter(user_id=member["user_id"]).count() == before


@pytest.mark.django_db
def test_an_unknown_purpose_is_a_404(client: Client, make_member) -> None:
    member = make_member()
    response = api_post(
        client, "/me/consents/selling_data", member["token"], {"granted": True, "version": "1"}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not ConsentRecord.objects.filter(
        user_id=member["user_id"], purpose="selling_data"
    ).exists()


@pytest.mark.django_db
def test_consents_need_a_signed_in_person(client: Client) -> None:
    assert client.get("/api/v1/me/consents").status_code == 401
    response = client.post(
        "/api/v1/me/consents/research", {"granted": True}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
