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
    # --- API: communities (the world has a public, teen-friendly community "matrix" with a
    # thread and a post by the member; "member" is the author wherever that matters) --------
    Case("GET", "api/v1/communities", everyone(200)),
    Case(
        "POST",
        "api/v1/communities",
        {**members(403), "admin": 201},
        body={"slug": "matrix-made", "name": "Made in the matrix"},
    ),
    Case(
        "GET",
        "api/v1/communities/<slug>",
        everyone(200),
        path=lambda w, r: "/api/v1/communities/matrix",
    ),
    Case(
        "POST",
        "api/v1/communities/<slug>/membership",
        members(200),
        path=lambda w, r: "/api/v1/communities/matrix/membership",
    ),
    Case(
        "DELETE",
        "api/v1/communities/<slug>/membership",
        members(200),
        path=lambda w, r: "/api/v1/communities/matrix/membership",
    ),
    Case(
        "POST",
        "api/v1/communities/<slug>/invitations",
        {**members(403), "moderator": 201, "admin": 201},
        path=lambda w, r: "/api/v1/communities/matrix/invitations",
        body={"username": "matrix_teen"},
    ),
    Case(
        "GET",
        "api/v1/communities/<slug>/threads",
        everyone(200),
        path=lambda w, r: "/api/v1/communities/matrix/threads",
    ),
    Case(
        "POST",
        "api/v1/communities/<slug>/threads",
        members(201),
        path=lambda w, r: "/api/v1/communities/matrix/threads",
        body={"title": "A matrix thread", "body": "Checking who may write."},
    ),
    Case(
        "GET",
        "api/v1/threads/<thread_id>",
        everyone(200),
        path=lambda w, r: f"/api/v1/threads/{w.extra['thread']}",
    ),
    Case(
        "GET",
        "api/v1/threads/<thread_id>/posts",
        everyone(200),
        path=lambda w, r: f"/api/v1/threads/{w.extra['thread']}/posts",
    ),
    Case(
        "POST",
        "api/v1/threads/<thread_id>/posts",
        members(201),
        path=lambda w, r: f"/api/v1/threads/{w.extra['thread']}/posts",
        body={"body": "A reply from the matrix."},
    ),
    Case(
        "POST",
        "api/v1/threads/<thread_id>/lock",
        {**members(403), "moderator": 200, "admin": 200},
        path=lambda w, r: f"/api/v1/threads/{w.extra['thread']}/lock",
        body={"locked": True, "reason": "Matrix check of locking"},
    ),
    Case(
        "PUT",
        "api/v1/threads/<thread_id>/bookmark",
        members(200),
        path=lambda w, r: f"/api/v1/threads/{w.extra['thread']}/bookmark",
    ),
    Case(
        "DELETE",
        "api/v1/threads/<thread_id>/bookmark",
        members(200),
        path=lambda w, r: f"/api/v1/threads/{w.extra['thread']}/bookmark",
    ),
    Case("GET", "api/v1/me/bookmarks", members(200)),
    # Authors edit; moderators may add a warning (with a note); nobody else.
    Case(
        "PATCH",
        "api/v1/posts/<post_id>",
        {**members(403), "member": 200, "moderator": 200, "admin": 200},
        path=lambda w, r: f"/api/v1/posts/{w.extra['post']}",
        body={"content_warning": {"topics": ["grief"]}, "note": "Matrix warning note"},
    ),
    Case(
        "DELETE",
        "api/v1/posts/<post_id>",
        {**members(403), "member": 204, "moderator": 204, "admin": 204},
        path=lambda w, r: f"/api/v1/posts/{w.extra['post']}?reason=Matrix removal reason",
    ),
    Case(
        "POST",
        "api/v1/posts/<post_id>/reactions",
        members(200),
        path=lambda w, r: f"/api/v1/posts/{w.extra['post']}/reactions",
        body={"kind": "hug"},
    ),
    Case(
        "DELETE",
        "api/v1/posts/<post_id>/reactions/<kind>",
        members(200),
        path=lambda w, r: f"/api/v1/posts/{w.extra['post']}/reactions/hug",
    ),
    Case(
        "GET",
        "api/v1/posts/<post_id>/revisions",
        {**members(403), "moderator": 200, "admin": 200},
        path=lambda w, r: f"/api/v1/posts/{w.extra['post']}/revisions",
    ),
    Case(
        "POST",
        "api/v1/posts/<post_id>/reveal",
        {**members(403), "moderator": 200, "crisis_responder": 200, "admin": 200},
        path=lambda w, r: f"/api/v1/posts/{w.extra['post']}/reveal",
        body={"reason": "Matrix check of reveal"},
    ),
    Case("GET", "api/v1/search", members(200), path=lambda w, r: "/api/v1/search?q=matrix"),
    Case("GET", "api/v1/feed", members(200)),
    Case("GET", "api/v1/tags/trending", everyone(200)),
    Case("GET", "api/v1/tags/<name>", everyone(200), path=lambda w, r: "/api/v1/tags/matrix"),
    Case(
        "POST",
        "api/v1/tags/<name>/block",
        {**members(403), "admin": 200},
        path=lambda w, r: "/api/v1/tags/badmatrix/block",
        body={"blocked": True, "reason": "matrix"},
    ),
    # --- API: blocks and notifications --------------------------------------------------------
    Case("GET", "api/v1/me/blocks", members(200)),
    Case(
        "POST",
        "api/v1/me/blocks",
        {**members(200), "admin": 422},  # admin would block themself
        body={"username": "matrix_admin", "kind": "mute"},
    ),
    Case(
        "DELETE",
        "api/v1/me/blocks/<username>",
        members(404),  # nobody in the world blocked matrix_admin: nothing to remove
        path=lambda w, r: "/api/v1/me/blocks/matrix_admin",
    ),
    Case("GET", "api/v1/notifications", members(200)),
    Case("POST", "api/v1/notifications/read", members(200), body={}),
    # --- pages: communities (302 = to the login page) -----------------------------------------
    Case("GET", "c/", everyone(200), json=False),
    Case("GET", "c/<slug>/", everyone(200), path=lambda w, r: "/c/matrix/", json=False),
    Case(
        "POST",
        "c/<slug>/join/",
        {**everyone(303), **LOGIN},
        path=lambda w, r: "/c/matrix/join/",
        body={},
        json=False,
    ),
    Case(
        "POST",
        "c/<slug>/leave/",
        {**everyone(303), **LOGIN},
        path=lambda w, r: "/c/matrix/leave/",
        body={},
        json=False,
    ),
    Case(
        "GET",
        "c/<slug>/new/",
        {**everyone(200), **LOGIN},
        path=lambda w, r: "/c/matrix/new/",
        json=False,
    ),
    Case(
        "GET",
        "t/<thread_id>/",
        everyone(200),
        path=lambda w, r: f"/t/{w.extra['thread']}/",
        json=False,
    ),
    Case(
        "POST",
        "t/<thread_id>/reply/",
        {**everyone(303), **LOGIN},
        path=lambda w, r: f"/t/{w.extra['thread']}/reply/",
        body={"body": "A reply through the page."},
        json=False,
    ),
    Case(
        "GET",
        "t/<thread_id>/lock/",
        {**everyone(403), **LOGIN, "moderator": 200, "admin": 200},
        path=lambda w, r: f"/t/{w.extra['thread']}/lock/",
        json=False,
    ),
    Case(
        "POST",
        "t/<thread_id>/bookmark/",
        {**everyone(303), **LOGIN},
        path=lambda w, r: f"/t/{w.extra['thread']}/bookmark/",
        body={},
        json=False,
    ),
    Case(
        "GET",
        "p/<post_id>/edit/",
        {**everyone(403), **LOGIN, "member": 200},
        path=lambda w, r: f"/p/{w.extra['post']}/edit/",
        json=False,
    ),
    Case(
        "GET",
        "p/<post_id>/delete/",
        {**everyone(403), **LOGIN, "member": 200, "moderator": 200, "admin": 200},
        path=lambda w, r: f"/p/{w.extra['post']}/delete/",
        json=False,
    ),
    Case(
        "POST",
        "p/<post_id>/react/",
        {**everyone(303), **LOGIN},
        path=lambda w, r: f"/p/{w.extra['post']}/react/",
        body={"kind": "hug"},
        json=False,
    ),
    Case(
        "GET",
        "p/<post_id>/warning/",
        {**everyone(403), **LOGIN, "moderator": 200, "admin": 200},
        path=lambda w, r: f"/p/{w.extra['post']}/warning/",
        json=False,
    ),
    Case(
        "GET",
        "p/<post_id>/history/",
        {**everyone(403), **LOGIN, "moderator": 200, "admin": 200},
        path=lambda w, r: f"/p/{w.extra['post']}/history/",
        json=False,
    ),
    Case(
        "GET",
        "p/<post_id>/reveal/",
        {**everyone(403), **LOGIN, "moderator": 200, "crisis_responder": 200, "admin": 200},
        path=lambda w, r: f"/p/{w.extra['post']}/reveal/",
        json=False,
    ),
    Case("GET", "feed/", {**everyone(200), **LOGIN}, json=False),
    Case(
        "GET",
        "search/",
        {**everyone(200), **LOGIN},
        path=lambda w, r: "/search/?q=matrix",
        json=False,
    ),
    Case("GET", "bookmarks/", {**everyone(200), **LOGIN}, json=False),
    Case("GET", "tags/", everyone(200), json=False),
    Case("GET", "tags/<name>/", everyone(200), path=lambda w, r: "/tags/matrix/", json=False),
    # --- pages: notifications and personal settings --------------------------------------------
    Case("GET", "notifications/", {**everyone(200), **LOGIN}, json=False),
    Case("POST", "notifications/read/", {**everyone(303), **LOGIN}, body={}, json=False),
    Case(
        "POST",
        "settings/filters/",
        {**everyone(303), **LOGIN},
        body={
            **{
                f"topic_{t}": "collapse"
                for t in (
                    "self_harm",
                    "suicide",
                    "eating_disorders",
                    "abuse",
                    "substance_use",
                    "grief",
                    "trauma",
                )
            },
            "topic_grief": "hide",
            "muted_words": "exams",
        },
        json=False,
    ),
    Case("POST", "settings/notifications/", {**everyone(303), **LOGIN}, body={}, json=False),
    Case(
        "POST",
        "settings/blocks/",
        {**everyone(303), **LOGIN, "admin": 200},  # admin: "you cannot block yourself"
        body={"username": "matrix_admin", "kind": "mute"},
        json=False,
    ),
    Case(
        "POST",
        "settings/blocks/remove/",
        {**everyone(303), **LOGIN},
        body={"username": "matrix_admin"},
        json=False,
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


def _add_community(world: World) -> None:
    from alongside.accounts.selectors import actor_for_user
    from alongside.communities.access import place_for
    from alongside.communities.services import community_create, thread_create

    community = community_create(slug="matrix", name="Matrix", teen_friendly=True)
    actor = actor_for_user(world.users["member"])
    written = thread_create(
        actor=actor,
        place=place_for(actor, community),
        title="The matrix thread",
        body="Opening words #matrix",
    )
    world.extra["thread"] = written.thread.pk
    world.extra["post"] = written.post.pk


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
    _add_community(world)
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
