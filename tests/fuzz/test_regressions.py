"""Defects the schema fuzz found, each pinned by a plain test."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import auth

ERROR_KEYS = {"detail", "code", "field"}


def _is_error(body: dict[str, Any]) -> bool:
    return set(body) <= ERROR_KEYS and {"detail", "code"} <= set(body)


@pytest.fixture
def document(client: Client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


# --- answers ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["TRACE", "PUT", "DELETE"])
def test_an_unsupported_method_is_a_json_405_naming_the_allowed_ones(
    client: Client, make_member, method: str
) -> None:
    """django-ninja's own 405 was the plain text "Method not allowed"."""
    member = make_member()
    response = client.generic(method, "/api/v1/me", **auth(member["token"]))
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert _is_error(body) and body["code"] == "method_not_allowed"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}


@pytest.mark.django_db
@pytest.mark.parametrize("value", [0, 1, "true", None])
def test_safety_settings_take_a_boolean_not_something_like_one(
    client: Client, make_member, value: Any
) -> None:
    """``{"concern_outreach": 0}`` was read as false and saved."""
    member = make_member()
    before = client.get("/api/v1/me/safety-settings", **auth(member["token"])).json()
    response = client.put(
        "/api/v1/me/safety-settings",
        {"concern_outreach": value},
        content_type="application/json",
        **auth(member["token"]),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "concern_outreach"
    assert client.get("/api/v1/me/safety-settings", **auth(member["token"])).json() == before


@pytest.mark.django_db
def test_notification_ids_are_numbers_not_booleans(client: Client, make_member) -> None:
    """``{"ids": [false]}`` was read as ``[0]`` and answered 200."""
    member = make_member()
    response = client.post(
        "/api/v1/notifications/read",
        {"ids": [False]},
        content_type="application/json",
        **auth(member["token"]),
    )
    assert response.status_code == 422
    assert response.json()["field"].startswith("ids")


@pytest.mark.django_db
def test_a_consent_is_granted_by_a_boolean_only(client: Client, make_member) -> None:
    member = make_member()
    before = client.get("/api/v1/me/consents", **auth(member["token"])).json()
    response = client.post(
        "/api/v1/me/consents/research",
        {"granted": 1},
        content_type="application/json",
        **auth(member["token"]),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "granted"
    assert client.get("/api/v1/me/consents", **auth(member["token"])).json() == before


@pytest.mark.django_db
def test_a_report_target_of_true_is_refused_not_read_as_post_one(
    client: Client, make_member
) -> None:
    member = make_member()
    response = client.post(
        "/api/v1/reports",
        {"target_type": "post", "target_id": True, "reason": "spam"},
        content_type="application/json",
        **auth(member["token"]),
    )
    assert response.status_code == 422
    assert response.json()["field"].startswith("target_id")


@pytest.mark.django_db
def test_a_reply_to_given_as_text_is_refused(client: Client, make_member) -> None:
    """``"reply_to": "1"`` was read as post 1."""
    from alongside.accounts.models import User
    from alongside.accounts.selectors import actor_for_user
    from alongside.communities.access import place_for
    from alongside.communities.models import Post
    from alongside.communities.services import community_create, thread_create

    member = make_member()
    actor = actor_for_user(User.objects.get(pk=member["user_id"]))
    community = community_create(slug="strict", name="Strict")
    written = thread_create(
        actor=actor, place=place_for(actor, community), title="A thread", body="Opening words"
    )
    response = client.post(
        f"/api/v1/threads/{written.thread.pk}/posts",
        {"body": "Some words of support.", "reply_to": str(written.post.pk)},
        content_type="application/json",
        **auth(member["token"]),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "reply_to"
    assert Post.objects.filter(thread=written.thread).count() == 1


# --- the OpenAPI document ---------------------------------------------------------------------


@pytest.mark.django_db
def test_every_operation_documents_its_error_answers(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "code"]
    assert set(error["properties"]) == ERROR_KEYS
    assert error["additionalProperties"] is False
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            refusal = operation["responses"].get("4XX")
            assert refusal, (method, path)
            schema = refusal["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)


@pytest.mark.django_db
def test_reads_open_to_everyone_document_optional_authentication(
    document: dict[str, Any],
) -> None:
    """Signed-out reads were documented as needing an "AnonymousAllowed" API key."""
    assert "AnonymousAllowed" not in document["components"]["securitySchemes"]
    communities = document["paths"]["/api/v1/communities"]["get"]
    assert {} in communities["security"]
    me = document["paths"]["/api/v1/me"]["get"]
    assert {} not in me["security"]
    for operations in document["paths"].values():
        for operation in operations.values():
            for requirement in operation.get("security", []):
                assert "AnonymousAllowed" not in requirement


@pytest.mark.django_db
def test_optional_bodies_are_documented_as_objects_never_null(document: dict[str, Any]) -> None:
    """The parser takes JSON objects only, so ``null`` must not be offered as a body."""
    read = document["paths"]["/api/v1/notifications/read"]["post"]["requestBody"]
    assert read["required"] is False
    assert read["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NotificationReadIn"
    }
    for operations in document["paths"].values():
        for operation in operations.values():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                assert {"type": "null"} not in body["schema"].get("anyOf", [])


@pytest.mark.django_db
def test_an_optional_body_may_be_left_out_but_not_sent_as_null(client: Client, make_member) -> None:
    member = make_member()
    left_out = client.post(
        "/api/v1/notifications/read", "", content_type="application/json", **auth(member["token"])
    )
    assert left_out.status_code == 200
    null = client.post(
        "/api/v1/notifications/read",
        "null",
        content_type="application/json",
        **auth(member["token"]),
    )
    assert null.status_code == 400
    assert _is_error(null.json())


@pytest.mark.django_db
def test_the_watched_word_export_is_documented_as_csv(document: dict[str, Any]) -> None:
    ok = document["paths"]["/api/v1/moderation/watched-words/export"]["get"]["responses"]["200"]
    assert set(ok["content"]) == {"text/csv"}


@pytest.mark.django_db
def test_fixed_choices_are_documented_as_enums(document: dict[str, Any]) -> None:
    """Clients (and the fuzz) see the accepted values instead of meeting a 422."""
    from alongside.communities.models import Reaction
    from alongside.moderation.models import ReportReason
    from alongside.safety.models import Case

    schemas = document["components"]["schemas"]
    assert schemas["ReactionIn"]["properties"]["kind"]["enum"] == Reaction.Kind.values
    assert schemas["ReportIn"]["properties"]["reason"]["enum"] == ReportReason.values
    assert schemas["ReportIn"]["properties"]["target_type"]["enum"] == ["post", "thread", "user"]
    assert schemas["BlockIn"]["properties"]["kind"]["enum"] == ["block", "mute"]
    assert schemas["AppealDecideIn"]["properties"]["decision"]["enum"] == ["uphold", "overturn"]
    assert schemas["CaseResolveIn"]["properties"]["outcome"]["enum"] == Case.Outcome.values
    assert schemas["ConcernIn"]["properties"]["target_type"]["enum"] == ["post", "user"]
