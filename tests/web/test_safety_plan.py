"""The safety plan: the owner's alone, encrypted at rest, editable without JavaScript."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from alongside.safety.models import SafetyPlan
from alongside.safety.plan import SECTION_KEYS, SECTION_MAX_LENGTH
from alongside.safety.selectors import safety_plan_sections
from tests.conftest import auth

pytestmark = pytest.mark.django_db

PLAN = {
    "warning_signs": "Not sleeping, cancelling plans",
    "coping_strategies": "Walk by the river; the 5-4-3-2-1 exercise",
    "distractions": "The library; my cousin's kitchen",
    "people_to_ask": "Sam (phone in favourites)",
    "professionals": "Dr Lee at the clinic; Samaritans 116 123",
    "environment_safety": "Ask Sam to hold on to things for me",
    "reasons_for_living": "Biscuit the cat. Seeing the sea again.",
}


def put_plan(client: Client, token: str, body: dict) -> object:
    return client.put(
        "/api/v1/me/safety-plan", body, content_type="application/json", **auth(token)
    )


def test_a_person_without_a_plan_gets_empty_sections(client: Client, make_member) -> None:
    token = make_member()["token"]
    response = client.get("/api/v1/me/safety-plan", **auth(token))
    assert response.status_code == 200
    data = response.json()
    assert {key: data[key] for key in SECTION_KEYS} == dict.fromkeys(SECTION_KEYS, "")
    assert data["updated_at"] is None
    assert data["url"] == "/safety-plan"


def test_put_replaces_the_plan_and_get_returns_it(client: Client, make_member) -> None:
    token = make_member()["token"]
    response = put_plan(client, token, PLAN)
    assert response.status_code == 200
    assert response.json()["updated_at"]
    data = client.get("/api/v1/me/safety-plan", **auth(token)).json()
    assert {key: data[key] for key in SECTION_KEYS} == PLAN
    # PUT is a whole replacement: a section left out becomes empty.
    put_plan(client, token, {"reasons_for_living": "The sea"})
    data = client.get("/api/v1/me/safety-plan", **auth(token)).json()
    assert data["reasons_for_living"] == "The sea"
    assert data["warning_signs"] == ""
    assert SafetyPlan.objects.count() == 1


def test_another_persons_token_never_reads_the_plan(client: Client, make_member) -> None:
    owner = make_member()
    other = make_member()
    put_plan(client, owner["token"], PLAN)
    data = client.get("/api/v1/me/safety-plan", **auth(other["token"])).json()
    assert all(data[key] == "" for key in SECTION_KEYS)
    assert PLAN["reasons_for_living"] not in str(data)
    # ...and writing their own plan leaves the owner's untouched.
    put_plan(client, other["token"], {"warning_signs": "other"})
    mine = client.get("/api/v1/me/safety-plan", **auth(owner["token"])).json()
    assert mine["warning_signs"] == PLAN["warning_signs"]


def test_the_plan_needs_a_signed_in_person(client: Client) -> None:
    assert client.get("/api/v1/me/safety-plan").status_code == 401
    response = client.put("/api/v1/me/safety-plan", PLAN, content_type="application/json")
    assert response.status_code == 401
    assert SafetyPlan.objects.count() == 0


def test_every_section_is_stored_encrypted(client: Client, make_member) -> None:
    member = make_member()
    put_plan(client, member["token"], PLAN)
    table = SafetyPlan._meta.db_table
    columns = ", ".join(connection.ops.quote_name(key) for key in SECTION_KEYS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE user_id = %s", [member["user_id"]])
        row = cursor.fetchone()
    for key, raw in zip(SECTION_KEYS, row, strict=True):
        raw_bytes = bytes(raw)
        assert PLAN[key].encode() not in raw_bytes, key
        assert raw_bytes != PLAN[key].encode(), key
        assert len(raw_bytes) > len(PLAN[key].encode()), key  # nonce + tag + ciphertext


def test_too_long_section_is_a_422_naming_it_and_writes_nothing(
    client: Client, make_member
) -> None:
    token = make_member()["token"]
    put_plan(client, token, PLAN)
    body = {**PLAN, "distractions": "x" * (SECTION_MAX_LENGTH + 1)}
    response = put_plan(client, token, body)
    assert response.status_code == 422
    assert response.json()["field"] == "distractions"
    data = client.get("/api/v1/me/safety-plan", **auth(token)).json()
    assert data["distractions"] == PLAN["distractions"]


def test_wrong_type_is_a_422(client: Client, make_member) -> None:
    token = make_member()["token"]
    response = put_plan(client, token, {"warning_signs": ["a", "list"]})
    assert response.status_code == 422
    assert response.json()["field"] == "warning_signs"
    assert SafetyPlan.objects.count() == 0


# --- pages -------------------------------------------------------------------------------


def test_plan_pages_need_login(client: Client) -> None:
    for path in ("/safety-plan", "/safety-plan/edit"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_editing_the_plan_with_a_plain_form_redirects_303_and_saves(
    client: Client, make_user
) -> None:
    user = make_user()
    client.force_login(user)
    empty = client.get("/safety-plan").content.decode()
    assert "Start when you are ready" in empty
    form = client.get("/safety-plan/edit").content.decode()
    for key in SECTION_KEYS:
        assert f'name="{key}"' in form
    response = client.post("/safety-plan/edit", PLAN)
    assert response.status_code == 303
    assert response["Location"] == "/safety-plan"
    page = client.get("/safety-plan").content.decode()
    assert "Biscuit the cat." in page
    assert "Your safety plan is saved." in page
    plan = SafetyPlan.objects.get(user=user)
    assert safety_plan_sections(plan) == PLAN


def test_an_htmx_post_gets_an_hx_redirect(client: Client, make_user) -> None:
    client.force_login(make_user())
    response = client.post("/safety-plan/edit", PLAN, HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"] == "/safety-plan"


def test_a_too_long_section_in_the_form_shows_an_error_and_saves_nothing(
    client: Client, make_user
) -> None:
    client.force_login(make_user())
    response = client.post("/safety-plan/edit", {**PLAN, "warning_signs": "x" * 5000})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert SafetyPlan.objects.count() == 0


def test_the_plan_is_in_the_export_and_erased_with_the_account(make_member) -> None:
    from alongside.privacy import inventory

    member = make_member()
    put_plan(Client(), member["token"], PLAN)
    entry = inventory.entry_for(SafetyPlan)
    assert entry is not None
    assert set(entry.encrypted_fields) == set(SECTION_KEYS)
    sections = inventory.export_sections(member["user_id"])
    exported = sections["safety_plan"]["items"]
    assert len(exported) == 1
    assert {key: exported[0][key] for key in SECTION_KEYS} == PLAN
    assert entry.erase_rows(member["user_id"]) >= 1
    assert not SafetyPlan.objects.filter(user_id=member["user_id"]).exists()
