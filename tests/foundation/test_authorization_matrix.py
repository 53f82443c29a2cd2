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


def responders_api(status: int) -> dict[str, int | tuple[int, ...]]:
    """Crisis queue API: responders and admins; other people 404; signed out 401."""
    return {**members(404), "crisis_responder": status, "admin": status}


def responders_page(status: int) -> dict[str, int | tuple[int, ...]]:
    """Crisis queue pages: responders and admins; other people 404; signed out: to login."""
    return {**everyone(404), **LOGIN, "crisis_responder": status, "admin": status}


def moderators_api(status: int) -> dict[str, int | tuple[int, ...]]:
    """Moderation API: moderators and admins; other people 404; signed out 401."""
    return {**members(404), "moderator": status, "admin": status}


def moderators_page(status: int) -> dict[str, int | tuple[int, ...]]:
    """Moderation pages: moderators and admins; other people 404; signed out: to login."""
    return {**everyone(404), **LOGIN, "moderator": status, "admin": status}


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
    # --- support in the moment: draft check (any signed-in person, for their own text) and
    # the grounding page (a crisis path: everyone, logged out too) -----------------------------
    Case(
        "POST",
        "api/v1/safety/assess",
        members(200),
        body={"text": "Checking my draft before I post it."},
    ),
    Case("GET", "help/grounding/", everyone(200), json=False),
    # --- future self (decision 0013): the member's posts wait 24 hours and "moderator" is the
    # member's trusted person; _waiting_post makes a waiting reply by the member on first use.
    # A waiting post is its author's alone: everyone else, staff included, gets a 404. ------
    Case("GET", "api/v1/me/future-self", members(200)),
    Case(
        "PUT",
        "api/v1/me/future-self",
        members(200),
        body={"hold_hours": 6, "trusted_username": None},
    ),
    Case("GET", "api/v1/me/trusted-by", members(200)),
    Case(
        "POST",
        "api/v1/me/trusted-by/<username>/accept",
        {**members(404), "moderator": 200},
        path=lambda w, r: _waiting_path(w, "/api/v1/me/trusted-by/matrix_member/accept"),
    ),
    Case(
        "DELETE",
        "api/v1/me/trusted-by/<username>",
        {**members(404), "moderator": 204},
        path=lambda w, r: _waiting_path(w, "/api/v1/me/trusted-by/matrix_member"),
    ),
    Case("GET", "api/v1/me/pending-posts", members(200)),
    Case("GET", "api/v1/me/approvals", members(200)),
    Case(
        "POST",
        "api/v1/posts/<post_id>/publish",
        {**members(404), "member": 409},  # the author, before half of the wait
        path=lambda w, r: _waiting_path(w, "/api/v1/posts/{post}/publish"),
    ),
    Case(
        "POST",
        "api/v1/posts/<post_id>/approve",
        {**members(404), "moderator": 200},
        path=lambda w, r: _waiting_path(w, "/api/v1/posts/{post}/approve"),
        body={},
    ),
    Case("GET", "settings/future-self/", {**everyone(200), **LOGIN}, json=False),
    Case(
        "POST",
        "settings/future-self/trusted-by/",
        {**everyone(404), **LOGIN, "moderator": 303},
        path=lambda w, r: _waiting_path(w, "/settings/future-self/trusted-by/"),
        body={"username": "matrix_member", "action": "accept"},
        json=False,
    ),
    Case("GET", "waiting/", {**everyone(200), **LOGIN}, json=False),
    Case("GET", "approvals/", {**everyone(200), **LOGIN}, json=False),
    Case(
        "POST",
        "p/<post_id>/publish/",
        {**everyone(404), "member": 409},
        path=lambda w, r: _waiting_path(w, "/p/{post}/publish/"),
        body={},
        json=False,
    ),
    Case(
        "POST",
        "p/<post_id>/discard/",
        {**everyone(404), "member": 303},
        path=lambda w, r: _waiting_path(w, "/p/{post}/discard/"),
        body={},
        json=False,
    ),
    Case(
        "POST",
        "p/<post_id>/approve/",
        {**everyone(404), **LOGIN, "moderator": 303},
        path=lambda w, r: _waiting_path(w, "/p/{post}/approve/"),
        body={},
        json=False,
    ),
    # --- crisis queue (decision 0012): crisis responders and administrators only; for anyone
    # else every case answers like a missing one (404). _case_path opens a case about the
    # member (they asked to talk to someone) on first use, and again after one is closed.
    # "Worried about someone", asking for a person and the outreach setting: any member. ------
    Case("GET", "api/v1/safety/cases", responders_api(200)),
    Case(
        "GET",
        "api/v1/safety/cases/<case_id>",
        responders_api(200),
        path=lambda w, r: _case_path(w, "/api/v1/safety/cases/{case}"),
    ),
    Case(
        "POST",
        "api/v1/safety/cases/<case_id>/acknowledge",
        responders_api(200),
        path=lambda w, r: _case_path(w, "/api/v1/safety/cases/{case}/acknowledge"),
    ),
    Case(
        "POST",
        "api/v1/safety/cases/<case_id>/notes",
        responders_api(201),
        path=lambda w, r: _case_path(w, "/api/v1/safety/cases/{case}/notes"),
        body={"text": "Matrix note"},
    ),
    Case(
        "POST",
        "api/v1/safety/cases/<case_id>/resolve",
        responders_api(200),
        path=lambda w, r: _case_path(w, "/api/v1/safety/cases/{case}/resolve"),
        body={"outcome": "supported"},
    ),
    Case(
        "POST",
        "api/v1/safety/cases/<case_id>/outreach",
        responders_api(200),
        path=lambda w, r: _case_path(w, "/api/v1/safety/cases/{case}/outreach"),
        body={},
    ),
    Case("POST", "api/v1/safety/on-call", responders_api(200), body={"on_call": True}),
    Case(
        "POST",
        "api/v1/safety/concerns",
        members(202),
        body={"target_type": "user", "target_id": "matrix_member"},
    ),
    Case("POST", "api/v1/safety/talk", members(202), body={}),
    Case("GET", "api/v1/me/safety-settings", members(200)),
    Case("PUT", "api/v1/me/safety-settings", members(200), body={"concern_outreach": False}),
    Case("GET", "safety/cases/", responders_page(200), json=False),
    Case(
        "GET",
        "safety/cases/<case_id>/",
        responders_page(200),
        path=lambda w, r: _case_path(w, "/safety/cases/{case}/"),
        json=False,
    ),
    Case(
        "POST",
        "safety/cases/<case_id>/acknowledge/",
        responders_page(303),
        path=lambda w, r: _case_path(w, "/safety/cases/{case}/acknowledge/"),
        body={},
        json=False,
    ),
    Case(
        "POST",
        "safety/cases/<case_id>/notes/",
        responders_page(303),
        path=lambda w, r: _case_path(w, "/safety/cases/{case}/notes/"),
        body={"text": "Matrix note"},
        json=False,
    ),
    Case(
        "POST",
        "safety/cases/<case_id>/resolve/",
        responders_page(303),
        path=lambda w, r: _case_path(w, "/safety/cases/{case}/resolve/"),
        body={"outcome": "supported"},
        json=False,
    ),
    Case(
        "POST",
        "safety/cases/<case_id>/outreach/",
        responders_page(303),
        path=lambda w, r: _case_path(w, "/safety/cases/{case}/outreach/"),
        body={},
        json=False,
    ),
    Case("POST", "safety/on-call/", responders_page(303), body={"on_call": "on"}, json=False),
    Case(
        "GET",
        "safety/concern/",
        {**everyone(200), **LOGIN},
        path=lambda w, r: f"/safety/concern/?target_type=post&target_id={w.extra['post']}",
        json=False,
    ),
    Case(
        "POST",
        "safety/concern/",
        {**everyone(303), **LOGIN},
        body={"target_type": "post", "target_id": "1"},
        json=False,
    ),
    Case("GET", "safety/concern/sent/", {**everyone(200), **LOGIN}, json=False),
    Case("GET", "safety/talk/", everyone(200), json=False),
    Case("POST", "safety/talk/", {**everyone(303), **LOGIN}, body={}, json=False),
    Case("GET", "safety/settings/", {**everyone(200), **LOGIN}, json=False),
    Case(
        "POST",
        "safety/settings/",
        {**everyone(303), **LOGIN},
        body={"concern_outreach": "on"},
        json=False,
    ),
    # --- moderation (issue 5): queue, items and appeals for moderators and admins (404 for
    # anyone else); appeals by the person acted on; reports by members; public modlog ------
    Case(
        "POST",
        "api/v1/reports",
        members(202),
        body={"target_type": "post", "target_id": "1", "reason": "spam"},
    ),
    Case("GET", "api/v1/me/reports", members(200)),
    Case("GET", "api/v1/me/moderation", members(200)),
    Case("GET", "api/v1/moderation/queue", moderators_api(200)),
    Case(
        "GET",
        "api/v1/moderation/items/<item_id>",
        moderators_api(200),
        path=lambda w, r: f"/api/v1/moderation/items/{_mod_item(w, r)}",
    ),
    Case(
        "POST",
        "api/v1/moderation/items/<item_id>/claim",
        moderators_api(200),
        path=lambda w, r: f"/api/v1/moderation/items/{_mod_item(w, r)}/claim",
    ),
    Case(
        "DELETE",
        "api/v1/moderation/items/<item_id>/claim",
        moderators_api(200),
        path=lambda w, r: f"/api/v1/moderation/items/{_mod_item(w, r)}/claim",
    ),
    Case(
        "POST",
        "api/v1/moderation/items/<item_id>/actions",
        moderators_api(200),
        path=lambda w, r: f"/api/v1/moderation/items/{_mod_item(w, r)}/actions",
        body={"action": "dismiss"},
    ),
    # Only the person an action concerns may appeal it ("member" here).
    Case(
        "POST",
        "api/v1/moderation/actions/<action_id>/appeal",
        {**members(404), "member": 201},
        path=lambda w, r: f"/api/v1/moderation/actions/{_mod_action(w)}/appeal",
        body={"text": "Please look at this decision again."},
    ),
    Case("GET", "api/v1/moderation/appeals", moderators_api(200)),
    Case(
        "POST",
        "api/v1/moderation/appeals/<appeal_id>/decide",
        moderators_api(200),
        path=lambda w, r: f"/api/v1/moderation/appeals/{_mod_appeal(w)}/decide",
        body={"decision": "uphold"},
    ),
    Case(
        "GET",
        "api/v1/moderation/users/<username>/notes",
        moderators_api(200),
        path=lambda w, r: "/api/v1/moderation/users/matrix_member/notes",
    ),
    Case(
        "POST",
        "api/v1/moderation/users/<username>/notes",
        moderators_api(201),
        path=lambda w, r: "/api/v1/moderation/users/matrix_member/notes",
        body={"text": "Matrix note."},
    ),
    Case(
        "GET",
        "api/v1/communities/<slug>/modlog",
        everyone(200),
        path=lambda w, r: "/api/v1/communities/matrix/modlog",
    ),
    Case("GET", "mod/queue/", moderators_page(200), json=False),
    Case(
        "GET",
        "mod/items/<item_id>/",
        moderators_page(200),
        path=lambda w, r: f"/mod/items/{_mod_item(w, r)}/",
        json=False,
    ),
    Case(
        "POST",
        "mod/items/<item_id>/claim/",
        moderators_page(303),
        path=lambda w, r: f"/mod/items/{_mod_item(w, r)}/claim/",
        body={},
        json=False,
    ),
    Case(
        "POST",
        "mod/items/<item_id>/act/",
        moderators_page(303),
        path=lambda w, r: f"/mod/items/{_mod_item(w, r)}/act/",
        body={"action": "dismiss"},
        json=False,
    ),
    Case("GET", "mod/appeals/", moderators_page(200), json=False),
    Case(
        "POST",
        "mod/appeals/<appeal_id>/decide/",
        moderators_page(303),
        path=lambda w, r: f"/mod/appeals/{_mod_appeal(w)}/decide/",
        body={"decision": "uphold"},
        json=False,
    ),
    Case(
        "GET",
        "mod/users/<username>/notes/",
        moderators_page(200),
        path=lambda w, r: "/mod/users/matrix_member/notes/",
        json=False,
    ),
    Case("GET", "moderation/", {**everyone(200), **LOGIN}, json=False),
    Case(
        "GET",
        "moderation/actions/<action_id>/appeal/",
        {**everyone(404), **LOGIN, "member": 200},
        path=lambda w, r: f"/moderation/actions/{_mod_action(w)}/appeal/",
        json=False,
    ),
    Case(
        "GET",
        "report/",
        {**everyone(200), **LOGIN},
        path=lambda w, r: f"/report/?target_type=post&target_id={w.extra['post']}",
        json=False,
    ),
    Case("GET", "report/sent/", {**everyone(200), **LOGIN}, json=False),
    Case(
        "GET", "c/<slug>/modlog/", everyone(200), path=lambda w, r: "/c/matrix/modlog/", json=False
    ),
    Case("GET", "transparency/", everyone(200), json=False),
    Case("GET", "suspended/", everyone(200), json=False),
    Case("GET", "api/v1/moderation/watched-words", moderators_api(200)),
    Case(
        "POST",
        "api/v1/moderation/watched-words",
        moderators_api(201),
        body={"pattern": "matrixword", "action": "flag"},
    ),
    Case(
        "DELETE",
        "api/v1/moderation/watched-words/<word_id>",
        moderators_api(204),
        path=lambda w, r: f"/api/v1/moderation/watched-words/{_watched_word()}",
    ),
    Case(
        "POST",
        "api/v1/moderation/watched-words/import",
        moderators_api(200),
        body={"text": "matrixword,hold"},
    ),
    Case("GET", "api/v1/moderation/watched-words/export", moderators_api(200)),
    Case("GET", "mod/watched-words/", moderators_page(200), json=False),
    Case("GET", "mod/watched-words/export/", moderators_page(200), json=False),
]


def _mod_item(world: World, role: str) -> int:
    """A fresh open queue item about the matrix post for each role (claims and actions of
    one role must not change what the next one meets)."""
    from alongside.moderation.models import Item

    Item.objects.filter(target_id=str(world.extra["post"])).update(state="resolved")
    item = Item.objects.create(
        target_type="post",
        target_id=str(world.extra["post"]),
        community="matrix",
        author_id=world.users["member"].pk,
    )
    return item.pk


def _watched_word() -> int:
    """A fresh site-wide watched word (each role deletes its own)."""
    from alongside.moderation.models import WatchedWord

    return WatchedWord.objects.create(
        pattern=f"word{WatchedWord.objects.count()}", action="flag"
    ).pk


def _mod_action(world: World) -> int:
    """An action on the member (taken by the crisis responder's account, so that both the
    moderator and the admin may decide its appeals)."""
    from alongside.moderation.models import ModAction

    action = ModAction.objects.create(
        moderator=world.users["crisis_responder"],
        action="hide",
        target_type="post",
        target_id=str(world.extra["post"]),
        community="matrix",
        subject=world.users["member"],
        reason="Matrix reason for hiding.",
        data={"post_id": world.extra["post"], "previous": "visible"},
    )
    return action.pk


def _mod_appeal(world: World) -> int:
    """A fresh pending appeal by the member (one per call: deciding closes it)."""
    from alongside.moderation.models import Appeal, ModAction

    action = ModAction.objects.get(pk=_mod_action(world))
    return Appeal.objects.create(
        action=action, appellant=world.users["member"], text="Matrix appeal text."
    ).pk


def _waiting_path(world: World, template: str) -> str:
    """``template`` with ``{post}``: a reply by the member that waits for their future self,
    with "moderator" as the member's accepted trusted person (made once per world)."""
    if "waiting_post" not in world.extra:
        from django.utils import timezone

        from alongside.accounts.models import FutureSelf
        from alongside.accounts.selectors import actor_for_user
        from alongside.communities.access import get_thread_for
        from alongside.communities.services import post_create

        member = world.users["member"]
        now = timezone.now()
        FutureSelf.objects.create(
            user=member,
            hold_hours=24,
            trusted_user=world.users["moderator"],
            trusted_asked_at=now,
            trusted_accepted_at=now,
        )
        actor = actor_for_user(member)
        thread, place = get_thread_for(actor, world.extra["thread"])
        written = post_create(actor=actor, thread=thread, place=place, body="Waiting words.")
        world.extra["waiting_post"] = written.post.pk
    return template.format(post=world.extra["waiting_post"])


def _case_path(world: World, template: str) -> str:
    """``template`` with ``{case}``: the member's open crisis case (they asked to talk to
    someone), opened on first use and again once a responder has closed it."""
    from alongside.safety.cases import case_open_or_update

    case, _opened = case_open_or_update(
        person_id=world.users["member"].pk, level="high", source="asked"
    )
    return template.format(case=case.pk)


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
