"""Authorization matrix: every route × every role, with the expected answer in each cell.

A meta-test walks Django's URL resolver and fails when a route is missing from the matrix, so
a new endpoint cannot ship without someone deciding who may call it. "Owner" resources are
checked from the owner and from another member: a resource the caller may not see answers
exactly like one that does not exist (existence hiding).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.foundation.routes import all_routes

ROLES = ("anonymous", "member", "teen", "moderator", "crisis_responder", "admin")
STAFF = {"moderator", "crisis_responder", "admin"}

#: Route prefixes handed whole to django-allauth, with why they are not cell-by-cell here.
DELEGATED = {
    "/accounts/": "allauth pages; exercised by tests/accounts and the browser tests, "
    "and smoke-checked below for every parameterless page",
    "/_allauth/": "allauth headless API; exercised by tests/accounts",
    "/static/": "static files",
}


@dataclass
class World:
    """People for one matrix run, one of each role, plus an 'other' member."""

    clients: dict[str, Client]
    users: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    method: str
    route: str  # Django route as the resolver spells it
    expect: dict[str, int | tuple[int, ...]]  # role → status (or allowed statuses)
    path: Callable[[World, str], str] | None = None  # concrete path for a role
    body: dict[str, Any] | None = None
    json: bool = True

    def concrete_path(self, world: World, role: str) -> str:
        if self.path:
            return self.path(world, role)
        return "/" + self.route


def everyone(status: int | tuple[int, ...]) -> dict[str, int | tuple[int, ...]]:
    return dict.fromkeys(ROLES, status)


def members(status: int | tuple[int, ...], anonymous: int | tuple[int, ...] = 401):
    return {**everyone(status), "anonymous": anonymous}


PAGE_OK = (200,)
LOGIN_REDIRECT = 302


def _export_path(world: World, role: str) -> str:
    """The member's export: the member owns it; for every other role it is someone else's."""
    return f"/api/v1/me/export/{world.extra['member_export']}"


def _api_download_path(world: World, role: str) -> str:
    return f"/api/v1/me/export/{world.extra['member_export']}/download"


def _page_download_path(world: World, role: str) -> str:
    return f"/privacy/export/{world.extra['member_export']}/download/"


LOGIN = {"anonymous": LOGIN_REDIRECT}


CASES: list[Case] = [
    # --- shell and health -------------------------------------------------------------------
    Case("GET", "", everyone(200), json=False),
    Case("GET", "healthz", everyone(200), json=False),
    Case("GET", "readyz", everyone(200), json=False),
    Case(
        "POST",
        "i18n/setlang/",
        everyone(302),
        body={"language": "zh-hans", "next": "/"},
        json=False,
    ),
    Case("GET", "help", everyone(200), json=False),
    Case("GET", "help/", everyone(200), json=False),
    Case("GET", "safety-plan/edit", {**everyone(200), **LOGIN}, json=False),
    Case("GET", "signup/too-young/", everyone(200), json=False),
    Case("GET", "settings/", {**everyone(200), "anonymous": LOGIN_REDIRECT}, json=False),
    Case("GET", "safety-plan", {**everyone(200), "anonymous": LOGIN_REDIRECT}, json=False),
    Case("GET", "privacy/", {**everyone(200), "anonymous": LOGIN_REDIRECT}, json=False),
    Case(
        "POST",
        "privacy/consents/<purpose>/",
        {**everyone(303), **LOGIN},
        path=lambda w, r: "/privacy/consents/research/",
        body={"granted": "on"},
        json=False,
    ),
    Case("POST", "privacy/export/", {**everyone(303), **LOGIN}, body={}, json=False),
    # The member's own archive is not built yet (303 back with a message); others: 404.
    Case(
        "GET",
        "privacy/export/<export_id>/download/",
        {**everyone(404), **LOGIN, "member": 303},
        path=_page_download_path,
        json=False,
    ),
    Case(
        "POST",
        "privacy/erase/",
        {**everyone(303), **LOGIN},
        body={"password": PASSWORD},
        json=False,
    ),
    Case("GET", "privacy/goodbye/", everyone(200), json=False),
    # --- API: me ------------------------------------------------------------------------------
    Case("GET", "api/v1/me", members(200)),
    Case("PATCH", "api/v1/me", members(200), body={"pronouns": "they/them"}),
    Case("GET", "api/v1/me/consents", members(200)),
    Case(
        "POST",
        "api/v1/me/consents/<purpose>",
        members(200),
        path=lambda w, r: "/api/v1/me/consents/research",
        body={"granted": False},
    ),
    Case("GET", "api/v1/me/safety-plan", members(200)),
    Case(
        "PUT",
        "api/v1/me/safety-plan",
        members(200),
        body={"warning_signs": "", "reasons_for_living": "the garden"},
    ),
    Case("POST", "api/v1/me/export", members((200, 202))),
    # Only the owner sees their export; anyone else gets the same 404 as for a missing id.
    Case(
        "GET",
        "api/v1/me/export/<export_id>",
        {**everyone(404), "anonymous": 401, "member": 200},
        path=_export_path,
    ),
    Case(
        "GET",
        "api/v1/me/export/<export_id>/download",
        {**everyone(404), "anonymous": 401, "member": 409},
        path=_api_download_path,
    ),
    Case("POST", "api/v1/me/erase", members(202), body={"password": PASSWORD}),
    # --- API: help (public, never rate-limited) --------------------------------------------
    Case(
        "GET",
        "api/v1/help/hotlines",
        everyone(200),
        path=lambda w, r: "/api/v1/help/hotlines?country=GB",
    ),
]


def _world(db: Any, settings: Any) -> World:
    from alongside.accounts.models import User
    from alongside.accounts.services import role_grant
    from alongside.privacy.services import consent_grant

    settings.STAFF_MFA_REQUIRED = False  # MFA for staff is tested in tests/accounts
    clients: dict[str, Client] = {"anonymous": Client()}
    users: dict[str, Any] = {}
    for role in ROLES[1:]:
        user = User.objects.create_user(
            username=f"matrix_{role}",
            password=PASSWORD,
            birth_year=2011 if role == "teen" else 1985,
        )
        consent_grant(user_id=user.pk, purpose="terms", version=None, source="signup")
        if role in STAFF:
            role_grant(user_id=user.pk, role=role)
        client = Client()
        client.force_login(user)
        clients[role], users[role] = client, user
    return World(clients=clients, users=users)


def _add_export(world: World) -> None:
    from alongside.privacy.models import ExportRequest

    export = ExportRequest.objects.create(user=world.users["member"])
    world.extra["member_export"] = export.pk


def _request(client: Client, case: Case, path: str) -> Any:
    method = case.method.lower()
    if case.body is None:
        return getattr(client, method)(path)
    if case.json:
        return getattr(client, method)(path, case.body, content_type="application/json")
    return getattr(client, method)(path, case.body)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} /{c.route}")
def test_matrix_cell(case: Case, db: Any, settings: Any) -> None:
    world = _world(db, settings)
    _add_export(world)
    for role in ROLES:
        client = world.clients[role]
        client.cookies.pop("django_language", None)
        response = _request(client, case, case.concrete_path(world, role))
        expected = case.expect[role]
        allowed = expected if isinstance(expected, tuple) else (expected,)
        assert response.status_code in allowed, (
            role,
            case.method,
            case.route,
            response.status_code,
            response.content[:300],
        )
        if case.route.startswith("api/") and response.status_code >= 400:
            body = response.json()
            assert set(body) <= {"detail", "code", "field"} and {"detail", "code"} <= set(body)


@pytest.mark.django_db
def test_missing_and_forbidden_exports_answer_alike(db: Any, settings: Any) -> None:
    world = _world(db, settings)
    _add_export(world)
    other = world.clients["moderator"]
    forbidden = other.get(f"/api/v1/me/export/{world.extra['member_export']}")
    missing = other.get(f"/api/v1/me/export/{uuid.uuid4()}")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content


def _normalise(route: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", route.lstrip("^").rstrip("$"))


def test_every_route_is_in_the_matrix() -> None:
    covered = {_normalise(c.route) for c in CASES}
    missing = sorted(
        route
        for route in map(_normalise, all_routes())
        if route not in covered
        and not any(("/" + route).startswith(prefix) for prefix in DELEGATED)
        and route != "api/v1/"  # django-ninja's index, not an operation
        and route != "api/v1/openapi.json"  # public schema, checked in test_openapi
    )
    assert not missing, f"routes without authorization matrix rows: {missing}"


def test_every_matrix_row_names_every_role() -> None:
    for case in CASES:
        assert set(case.expect) == set(ROLES), case.route


@pytest.mark.django_db
def test_allauth_pages_never_fail(db: Any, settings: Any) -> None:
    """Every parameterless allauth page answers (200 or a redirect) for anonymous and members."""
    world = _world(db, settings)
    pages = sorted(
        "/" + r
        for r in map(_normalise, all_routes())
        if r.startswith("accounts/") and "<" not in r and "logout" not in r
    )
    assert pages
    for role in ("anonymous", "member", "admin"):
        for page in pages:
            status = world.clients[role].get(page).status_code
            assert status in (200, 302, 303, 404), (role, page, status)
