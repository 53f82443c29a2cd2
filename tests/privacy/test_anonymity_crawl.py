"""Anonymous means anonymous, tested by crawling (CONVENTIONS rule 5, issue 6).

One member writes only anonymously: a thread with hashtags, a mention, a content warning and a
word only it contains, and a reply to another member. Other people react, reply, bookmark,
report it and worry about it; one community moderator acts on it and the author appeals. Then
every GET route Django resolves is fetched by everyone else who could look — another member, a
teen, a community moderator who did not reveal the author and a signed-out visitor — with the
path parameters filled from that world, plus the /ws/events stream and the data exports of the
other people. The author's id, username and display name must appear in no body and no header.

The author's id is made distinctive (a 9-digit number no page prints by chance) and matched
between non-digits, so "the id appears nowhere" is a real check, not a search for "3".
A meta-test fails when a route is neither crawled nor listed here as not reachable, with why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from tests.conftest import PASSWORD, auth, grant_trust, run_jobs, signup
from tests.foundation.routes import all_routes

AUTHOR_ID = 864_209_753
AUTHOR_USERNAME = "quillon_vantreck"
AUTHOR_NAME = "Peregrine Ashgrove"
SLUG = "harbour"
TAG = "nightshift"
SEARCH_WORD = "lighthousekeeper"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # sign-ups are not tested here
#: Everyone who looks, and must not learn who wrote the anonymous posts.
VIEWERS = ("other_member", "teen", "community_moderator", "visitor")

#: Routes with parameters, each with the concrete paths to fetch ({names} from World.values).
FILLED: dict[str, list[str]] = {
    "api/v1/communities/<slug>": ["/api/v1/communities/{slug}"],
    "api/v1/communities/<slug>/invitations": ["/api/v1/communities/{slug}/invitations"],
    "api/v1/communities/<slug>/membership": ["/api/v1/communities/{slug}/membership"],
    "api/v1/communities/<slug>/modlog": ["/api/v1/communities/{slug}/modlog"],
    "api/v1/communities/<slug>/threads": [
        "/api/v1/communities/{slug}/threads",
        "/api/v1/communities/{slug}/threads?sort=new",
        "/api/v1/communities/{slug}/threads?sort=waiting",
        "/api/v1/communities/{slug}/threads?sort=supported",
    ],
    "api/v1/me/blocks/<username>": ["/api/v1/me/blocks/{other}"],
    "api/v1/me/consents/<purpose>": ["/api/v1/me/consents/research"],
    # The author's export: anyone else must get the same 404 as for a missing one.
    "api/v1/me/export/<export_id>": ["/api/v1/me/export/{export}"],
    "api/v1/me/export/<export_id>/download": ["/api/v1/me/export/{export}/download"],
    "api/v1/me/trusted-by/<username>": ["/api/v1/me/trusted-by/{other}"],
    "api/v1/me/trusted-by/<username>/accept": ["/api/v1/me/trusted-by/{other}/accept"],
    "api/v1/moderation/actions/<action_id>/appeal": ["/api/v1/moderation/actions/{action}/appeal"],
    "api/v1/moderation/appeals/<appeal_id>/decide": ["/api/v1/moderation/appeals/{appeal}/decide"],
    "api/v1/moderation/items/<item_id>": ["/api/v1/moderation/items/{item}"],
    "api/v1/moderation/items/<item_id>/actions": ["/api/v1/moderation/items/{item}/actions"],
    "api/v1/moderation/items/<item_id>/claim": ["/api/v1/moderation/items/{item}/claim"],
    "api/v1/moderation/users/<username>/notes": ["/api/v1/moderation/users/{other}/notes"],
    "api/v1/moderation/watched-words/<word_id>": ["/api/v1/moderation/watched-words/{word}"],
    "api/v1/posts/<post_id>": ["/api/v1/posts/{post}", "/api/v1/posts/{reply}"],
    "api/v1/posts/<post_id>/approve": ["/api/v1/posts/{reply}/approve"],
    "api/v1/posts/<post_id>/publish": ["/api/v1/posts/{reply}/publish"],
    "api/v1/posts/<post_id>/reactions": ["/api/v1/posts/{post}/reactions"],
    "api/v1/posts/<post_id>/reactions/<kind>": ["/api/v1/posts/{post}/reactions/hug"],
    "api/v1/posts/<post_id>/reveal": ["/api/v1/posts/{post}/reveal"],
    "api/v1/posts/<post_id>/revisions": [
        "/api/v1/posts/{post}/revisions",
        "/api/v1/posts/{reply}/revisions",
    ],
    "api/v1/safety/cases/<case_id>": ["/api/v1/safety/cases/{case}"],
    "api/v1/safety/cases/<case_id>/acknowledge": ["/api/v1/safety/cases/{case}/acknowledge"],
    "api/v1/safety/cases/<case_id>/notes": ["/api/v1/safety/cases/{case}/notes"],
    "api/v1/safety/cases/<case_id>/outreach": ["/api/v1/safety/cases/{case}/outreach"],
    "api/v1/safety/cases/<case_id>/resolve": ["/api/v1/safety/cases/{case}/resolve"],
    "api/v1/tags/<name>": ["/api/v1/tags/{tag}", "/api/v1/tags/stillhere"],
    "api/v1/tags/<name>/block": ["/api/v1/tags/{tag}/block"],
    "api/v1/threads/<thread_id>": ["/api/v1/threads/{thread}"],
    "api/v1/threads/<thread_id>/bookmark": ["/api/v1/threads/{thread}/bookmark"],
    "api/v1/threads/<thread_id>/lock": ["/api/v1/threads/{thread}/lock"],
    "api/v1/threads/<thread_id>/posts": ["/api/v1/threads/{thread}/posts"],
    "c/<slug>/": ["/c/{slug}/", "/c/{slug}/?sort=new", "/c/{slug}/?sort=supported"],
    "c/<slug>/join/": ["/c/{slug}/join/"],
    "c/<slug>/leave/": ["/c/{slug}/leave/"],
    "c/<slug>/modlog/": ["/c/{slug}/modlog/"],
    "c/<slug>/new/": ["/c/{slug}/new/"],
    "mod/appeals/<appeal_id>/decide/": ["/mod/appeals/{appeal}/decide/"],
    "mod/items/<item_id>/": ["/mod/items/{item}/"],
    "mod/items/<item_id>/act/": ["/mod/items/{item}/act/"],
    "mod/items/<item_id>/claim/": ["/mod/items/{item}/claim/"],
    "mod/users/<username>/notes/": ["/mod/users/{other}/notes/"],
    "moderation/actions/<action_id>/appeal/": ["/moderation/actions/{action}/appeal/"],
    "p/<post_id>/approve/": ["/p/{reply}/approve/"],
    "p/<post_id>/delete/": ["/p/{post}/delete/", "/p/{reply}/delete/"],
    "p/<post_id>/discard/": ["/p/{reply}/discard/"],
    "p/<post_id>/edit/": ["/p/{post}/edit/", "/p/{reply}/edit/"],
    "p/<post_id>/history/": ["/p/{post}/history/", "/p/{reply}/history/"],
    "p/<post_id>/publish/": ["/p/{reply}/publish/"],
    "p/<post_id>/react/": ["/p/{post}/react/"],
    "p/<post_id>/reveal/": ["/p/{post}/reveal/", "/p/{reply}/reveal/"],
    "p/<post_id>/warning/": ["/p/{post}/warning/"],
    "privacy/consents/<purpose>/": ["/privacy/consents/research/"],
    "privacy/export/<export_id>/download/": ["/privacy/export/{export}/download/"],
    "safety/cases/<case_id>/": ["/safety/cases/{case}/"],
    "safety/cases/<case_id>/acknowledge/": ["/safety/cases/{case}/acknowledge/"],
    "safety/cases/<case_id>/notes/": ["/safety/cases/{case}/notes/"],
    "safety/cases/<case_id>/outreach/": ["/safety/cases/{case}/outreach/"],
    "safety/cases/<case_id>/resolve/": ["/safety/cases/{case}/resolve/"],
    "tags/<name>/": ["/tags/{tag}/", "/tags/stillhere/"],
    "t/<thread_id>/": ["/t/{thread}/"],
    "t/<thread_id>/bookmark/": ["/t/{thread}/bookmark/"],
    "t/<thread_id>/lock/": ["/t/{thread}/lock/"],
    "t/<thread_id>/reply/": ["/t/{thread}/reply/"],
}

#: Parameterless routes fetched with query strings too (the route itself is always fetched).
VARIANTS: dict[str, list[str]] = {
    "api/v1/search": [
        f"/api/v1/search?q={SEARCH_WORD}",
        "/api/v1/search?q=quiet",
        "/api/v1/search?q=harbour",
    ],
    "api/v1/feed": ["/api/v1/feed?sort=needs_support", "/api/v1/feed?sort=supported"],
    "api/v1/help/hotlines": ["/api/v1/help/hotlines?country=GB"],
    "search/": [f"/search/?q={SEARCH_WORD}", "/search/?q=quiet"],
    "feed/": ["/feed/?sort=needs_support", "/feed/?sort=supported"],
    "report/": [
        "/report/?target_type=post&target_id={post}",
        "/report/?target_type=thread&target_id={thread}",
    ],
    "api/v1/moderation/watched-words": [f"/api/v1/moderation/watched-words?community={SLUG}"],
    "api/v1/moderation/watched-words/export": [
        f"/api/v1/moderation/watched-words/export?community={SLUG}"
    ],
    "mod/watched-words/": [f"/mod/watched-words/?community={SLUG}"],
    "mod/queue/": [f"/mod/queue/?community={SLUG}"],
    "safety/concern/": ["/safety/concern/?target_type=post&target_id={post}"],
}

#: Routes not crawled, and why no other person can reach anything of the author's through them.
NOT_CRAWLED: dict[str, str] = {
    "api/v1/openapi.json": "the schema: the same document for everyone, no data",
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": "needs a secret key mailed to one address",
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": (
        "needs a secret key mailed to the account's owner"
    ),
    "accounts/2fa/webauthn/keys/<pk>/edit/": "security keys are their owner's alone",
    "accounts/2fa/webauthn/keys/<pk>/remove/": "security keys are their owner's alone",
}


def _normalise(route: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", route)


def _is_static(route: str) -> bool:
    return route.startswith("static/")


def crawl_plan() -> dict[str, list[str]]:
    """Route → path templates to fetch, for every route that is not in NOT_CRAWLED."""
    plan: dict[str, list[str]] = {}
    for route in sorted(map(_normalise, all_routes())):
        if route in NOT_CRAWLED or _is_static(route):
            continue
        if route in FILLED:
            plan[route] = FILLED[route]
        elif "<" not in route and "(?P" not in route:
            plan[route] = ["/" + route, *VARIANTS.get(route, [])]
    return plan


def test_every_route_is_crawled_or_listed_with_a_reason() -> None:
    routes = {_normalise(r) for r in all_routes() if not _is_static(_normalise(r))}
    plan = crawl_plan()
    missing = sorted(r for r in routes if r not in plan and r not in NOT_CRAWLED)
    assert not missing, f"routes neither crawled nor listed as not reachable: {missing}"
    stale = sorted((set(FILLED) | set(NOT_CRAWLED) | set(VARIANTS)) - routes)
    assert not stale, f"crawl tables name routes that no longer exist: {stale}"
    assert all(reason.strip() for reason in NOT_CRAWLED.values())


# --- the world ---------------------------------------------------------------------------------


@dataclass
class Person:
    user_id: int
    username: str
    token: str
    client: Client

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        call = getattr(self.client, method.lower())
        if body is None:
            return call(path, **auth(self.token))
        return call(path, body, content_type="application/json", **auth(self.token))


@dataclass
class World:
    people: dict[str, Person]
    values: dict[str, Any] = field(default_factory=dict)

    def path(self, template: str) -> str:
        return template.format(**self.values)


def _person(username: str, *, birth_year: int = 1990) -> Person:
    from alongside.accounts.models import User

    member = signup(Client(), username, birth_year=birth_year)
    client = Client()
    client.force_login(User.objects.get(pk=member["user_id"]))
    return Person(member["user_id"], username, member["token"], client)


def _author() -> Person:
    """The anonymous writer, with an id, username and display name nothing prints by chance."""
    from alongside.accounts.models import User
    from alongside.privacy.services import consent_grant

    user = User.objects.create_user(
        id=AUTHOR_ID,
        username=AUTHOR_USERNAME,
        password=PASSWORD,
        birth_year=1988,
        display_name=AUTHOR_NAME,
    )
    consent_grant(user_id=user.pk, purpose="terms", version=None, source="signup")
    login = Client().post(
        "/_allauth/app/v1/auth/login",
        {"username": AUTHOR_USERNAME, "password": PASSWORD},
        content_type="application/json",
    )
    assert login.status_code == 200, login.content
    client = Client()
    client.force_login(user)
    return Person(user.pk, AUTHOR_USERNAME, login.json()["meta"]["session_token"], client)


def _ok(response: Any, *statuses: int) -> Any:
    assert response.status_code in statuses, (response.status_code, response.content[:400])
    return response.json() if response.content else None


def build_world(settings: Any) -> World:
    from alongside.accounts.services import role_grant
    from alongside.communities.services import community_create
    from alongside.moderation.models import Item
    from alongside.safety.cases import case_open_or_update

    settings.STAFF_MFA_REQUIRED = False
    settings.PASSWORD_HASHERS = FAST_HASHER
    community_create(slug=SLUG, name="Harbour", teen_friendly=True)
    people = {
        "other_member": _person("reader_fenwick"),
        "teen": _person("teen_marigold", birth_year=2011),
        "community_moderator": _person("mod_tamsin"),
        "acting_moderator": _person("mod_oswin"),
    }
    for name in ("community_moderator", "acting_moderator"):
        role_grant(user_id=people[name].user_id, role="moderator", community=SLUG)
    people["author"] = _author()
    world = World(people=people)
    for person in people.values():
        grant_trust(person.user_id, 2)
        _ok(person.api("POST", f"/api/v1/communities/{SLUG}/membership"), 200)
    author, reader, teen = people["author"], people["other_member"], people["teen"]
    cmod, acting = people["community_moderator"], people["acting_moderator"]

    thread = _ok(
        author.api(
            "POST",
            f"/api/v1/communities/{SLUG}/threads",
            {
                "title": "Night shifts and the quiet after",
                "body": (
                    f"Some nights feel long. My grandad was a {SEARCH_WORD} and I think of "
                    f"him. @reader_fenwick you said the same once. #{TAG} #stillhere"
                ),
                "anonymous": True,
                "content_warning": {"topics": ["grief"], "text": "missing someone"},
                "tags": ["harbourlights"],
            },
        ),
        201,
    )
    world.values.update(
        slug=SLUG, tag=TAG, thread=thread["id"], post=thread["post"]["id"], other=reader.username
    )
    answer = _ok(
        reader.api(
            "POST",
            f"/api/v1/threads/{thread['id']}/posts",
            {"body": "Thinking of you tonight. The quiet gets easier."},
        ),
        201,
    )
    reply = _ok(
        author.api(
            "POST",
            f"/api/v1/threads/{thread['id']}/posts",
            {
                "body": "Thank you, that helps. @teen_marigold waves back. #stillhere",
                "anonymous": True,
                "reply_to": answer["id"],
            },
        ),
        201,
    )
    world.values["reply"] = reply["id"]
    _ok(
        author.api(
            "PATCH",
            f"/api/v1/posts/{reply['id']}",
            {"body": "Thank you, that really helps. @teen_marigold waves back. #stillhere"},
        ),
        200,
    )
    _ok(reader.api("POST", f"/api/v1/posts/{thread['post']['id']}/reactions", {"kind": "hug"}), 200)
    _ok(teen.api("POST", f"/api/v1/posts/{reply['id']}/reactions", {"kind": "relate"}), 200)
    _ok(
        cmod.api("POST", f"/api/v1/posts/{thread['post']['id']}/reactions", {"kind": "thanks"}), 200
    )
    _ok(reader.api("PUT", f"/api/v1/threads/{thread['id']}/bookmark"), 200)

    # A report, an action by one moderator, the author's appeal: the other moderator sees the
    # item and the appeal without learning who wrote the post.
    _ok(
        reader.api(
            "POST",
            "/api/v1/reports",
            {"target_type": "post", "target_id": thread["post"]["id"], "reason": "other"},
        ),
        202,
    )
    item = Item.objects.get(target_type="post", target_id=str(thread["post"]["id"]))
    action = _ok(
        acting.api(
            "POST",
            f"/api/v1/moderation/items/{item.pk}/actions",
            {
                "action": "add_content_warning",
                "reason": "A warning helps readers choose",
                "topics": ["grief"],
            },
        ),
        200,
    )
    appeal = _ok(
        author.api(
            "POST",
            f"/api/v1/moderation/actions/{action['id']}/appeal",
            {"text": "The warning was already there, please look again."},
        ),
        201,
    )
    # The item stays open for the crawl: report the reply too.
    _ok(
        teen.api(
            "POST",
            "/api/v1/reports",
            {"target_type": "post", "target_id": reply["id"], "reason": "spam"},
        ),
        202,
    )
    open_item = Item.objects.get(target_type="post", target_id=str(reply["id"]))
    word = _ok(
        acting.api(
            "POST",
            "/api/v1/moderation/watched-words",
            {"pattern": "harbourword", "action": "flag", "community": SLUG},
        ),
        201,
    )
    _ok(
        reader.api(
            "POST",
            "/api/v1/safety/concerns",
            {"target_type": "post", "target_id": thread["post"]["id"]},
        ),
        202,
    )
    case, _opened = case_open_or_update(person_id=author.user_id, level="high", source="asked")
    export = _ok(author.api("POST", "/api/v1/me/export"), 202)
    world.values.update(
        item=open_item.pk,
        action=action["id"],
        appeal=appeal["id"],
        word=word["id"],
        case=case.pk,
        export=export["id"],
    )
    run_jobs()
    return world


# --- looking ----------------------------------------------------------------------------------

_ID = re.compile(rf"(?<![0-9]){AUTHOR_ID}(?![0-9])")


def leaks(text: str) -> list[str]:
    """Which of the author's identifiers the text contains."""
    lowered = text.lower()
    found = []
    if _ID.search(text):
        found.append("id")
    if AUTHOR_USERNAME.lower() in lowered:
        found.append("username")
    if AUTHOR_NAME.lower() in lowered:
        found.append("display name")
    return found


def _response_text(response: Any) -> str:
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return headers + "\n\n" + body.decode("utf-8", "replace")


def _get(person: Person | None, path: str, *, htmx: bool = False) -> Any:
    client = person.client if person else Client()
    headers: dict[str, str] = {}
    if person and path.startswith(("/api/", "/_allauth/app/")):
        headers.update(auth(person.token))
    if htmx:
        headers["HTTP_HX_REQUEST"] = "true"
    return client.get(path, **headers)


def crawl(world: World, viewers: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Fetch every planned path as each viewer; returns {"viewer GET path": text}, failures."""
    seen: dict[str, str] = {}
    errors: list[str] = []
    for viewer in viewers:
        person = world.people.get(viewer)
        for templates in crawl_plan().values():
            for template in templates:
                path = world.path(template)
                # Fragments (htmx) as another member: the same selectors, another template.
                page = not path.startswith(("/api/", "/_allauth/"))
                variants = [False, True] if page and viewer == "other_member" else [False]
                for htmx in variants:
                    response = _get(person, path, htmx=htmx)
                    key = f"{viewer} GET {path}{' (htmx)' if htmx else ''}"
                    if response.status_code >= 500:
                        errors.append(f"{key}: {response.status_code}")
                    seen[key] = _response_text(response)
    return seen, errors


async def _stream(token: str) -> list[dict[str, Any]]:
    """Every stored event of a person, as /ws/events replays them from the start."""
    from alongside.asgi import application
    from tests.core.wsclient import WebsocketCommunicator

    communicator = WebsocketCommunicator(application, f"/ws/events?token={token}")
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    await communicator.send_json_to({"resume_from": 0})
    await communicator.send_json_to({"type": "ping"})
    frames = []
    while (frame := await communicator.receive_json_from(timeout=10))["type"] != "pong":
        frames.append(frame)
    await communicator.disconnect()
    return frames


def _export(person: Person) -> str:
    started = _ok(person.api("POST", "/api/v1/me/export"), 202)
    run_jobs()
    status = _ok(person.api("GET", f"/api/v1/me/export/{started['id']}"), 200)
    assert status["status"] == "ready", status
    download = person.client.get(status["download_url"], **auth(person.token))
    assert download.status_code == 200
    return _response_text(download)


@pytest.mark.django_db(transaction=True)
def test_nobody_else_can_learn_who_wrote_anonymous_posts(settings: Any) -> None:
    world = build_world(settings)
    author = world.people["author"]

    # The check can see the author: their own account answers with all three identifiers.
    mine = _response_text(_get(author, "/api/v1/me"))
    assert set(leaks(mine)) == {"id", "username", "display name"}, mine[:400]

    seen, errors = crawl(world, VIEWERS)
    assert not errors, errors
    for viewer in ("other_member", "teen", "community_moderator"):
        person = world.people[viewer]
        frames = async_to_sync(_stream)(person.token)
        seen[f"{viewer} /ws/events"] = json.dumps(frames)
        seen[f"{viewer} export"] = _export(person)

    found = {key: leaks(text) for key, text in seen.items()}
    assert not {k: v for k, v in found.items() if v}, {k: v for k, v in found.items() if v}

    # The crawl reached the anonymous content, so the absence above means something.
    thread, reply = world.values["thread"], world.values["reply"]
    reader_page = seen[f"other_member GET /t/{thread}/"]
    assert "Night shifts and the quiet after" in reader_page
    assert "Anonymous member" in reader_page and "that really helps" in reader_page
    assert "Night shifts" in seen[f"teen GET /t/{thread}/"]
    assert "Night shifts" in seen[f"visitor GET /t/{thread}/"]
    assert "Night shifts" in seen[f"other_member GET /api/v1/search?q={SEARCH_WORD}"]
    assert "Night shifts" in seen[f"other_member GET /search/?q={SEARCH_WORD}"]
    assert "Night shifts" in seen[f"other_member GET /api/v1/tags/{TAG}"]
    assert "Night shifts" in seen[f"visitor GET /tags/{TAG}/"]
    assert "Night shifts" in seen["other_member GET /api/v1/feed"]
    notes = json.loads(seen["other_member GET /api/v1/notifications"].split("\n\n", 1)[1])
    assert {n["kind"] for n in notes["items"]} >= {"mention", "reply"}, notes
    assert "Anonymous member" in seen["other_member GET /api/v1/notifications"]
    assert "Anonymous member" in seen["teen GET /api/v1/notifications"]
    assert '"notification"' in seen["other_member /ws/events"]
    assert "moderation.queue" in seen["community_moderator /ws/events"]
    item = world.values["item"]
    assert "that really helps" in seen[f"community_moderator GET /api/v1/moderation/items/{item}"]
    assert "look again" in seen["community_moderator GET /api/v1/moderation/appeals"]
    assert "Night shifts" in seen["other_member export"]  # the reply and reaction are theirs
    assert str(reply) in seen[f"community_moderator GET /p/{reply}/history/"]

    # The author sees both posts as theirs, in the API and on the page.
    detail = _ok(author.api("GET", f"/api/v1/threads/{thread}"), 200)
    assert detail["author"] == {
        "name": "Anonymous member",
        "username": None,
        "anonymous": True,
        "is_me": True,
    }
    mine_by_id = {p["id"]: p["author"]["is_me"] for p in detail["posts"]["items"]}
    assert mine_by_id[world.values["post"]] and mine_by_id[reply]
    assert not any(
        p["author"]["is_me"]
        for p in _ok(world.people["other_member"].api("GET", f"/api/v1/threads/{thread}"), 200)[
            "posts"
        ]["items"]
        if p["author"]["anonymous"]
    )
    page = _response_text(_get(author, f"/t/{thread}/"))
    assert page.count("(you, posted anonymously)") >= 2
    assert "(you, posted anonymously)" not in reader_page


# --- regressions found while crawling -----------------------------------------------------------


@pytest.mark.django_db
def test_headless_phone_endpoint_answers_without_a_server_error(make_member: Any) -> None:
    """allauth's default adapter raised NotImplementedError (a 500) on ``account/phone``."""
    member = make_member()
    client = Client()
    for prefix in ("/_allauth/app/v1", "/_allauth/browser/v1"):
        headers = auth(member["token"]) if "/app/" in prefix else {}
        if "/browser/" in prefix:
            from alongside.accounts.models import User

            client.force_login(User.objects.get(pk=member["user_id"]))
        listed = client.get(f"{prefix}/account/phone", **headers)
        assert listed.status_code == 200, listed.content
        assert listed.json()["data"] == []
    refused = client.post(
        "/_allauth/app/v1/account/phone",
        {"phone": "+441234567890"},
        content_type="application/json",
        **auth(member["token"]),
    )
    assert refused.status_code == 400, refused.content
    assert refused.json()["errors"][0]["param"] == "phone"


@pytest.mark.django_db
def test_a_named_post_item_does_not_list_actions_on_the_authors_anonymous_posts(
    settings: Any,
) -> None:
    """A moderator reading a report about someone's named post sees their earlier moderation,
    but not actions on their anonymous posts: the action's id, reason and time would tie the
    anonymous post (whose item and appeal the moderator saw) to the named person."""
    from alongside.accounts.services import role_grant
    from alongside.communities.services import community_create
    from alongside.moderation.models import Item

    settings.STAFF_MFA_REQUIRED = False
    settings.PASSWORD_HASHERS = FAST_HASHER
    community_create(slug=SLUG, name="Harbour")
    writer, reader, moderator = _person("two_sided"), _person("reporter"), _person("mod_ines")
    role_grant(user_id=moderator.user_id, role="moderator", community=SLUG)
    grant_trust(writer.user_id, 2)
    posts = {}
    for anonymous in (True, False):
        written = _ok(
            writer.api(
                "POST",
                f"/api/v1/communities/{SLUG}/threads",
                {"title": f"Thread {anonymous}", "body": "Words.", "anonymous": anonymous},
            ),
            201,
        )
        posts[anonymous] = written["post"]["id"]
        report = {"target_type": "post", "target_id": written["post"]["id"], "reason": "other"}
        _ok(reader.api("POST", "/api/v1/reports", report), 202)
    hidden_item = Item.objects.get(target_id=str(posts[True]))
    acted = _ok(
        moderator.api(
            "POST",
            f"/api/v1/moderation/items/{hidden_item.pk}/actions",
            {"action": "warn", "reason": "Unkind words about the group"},
        ),
        200,
    )
    named_item = Item.objects.get(target_id=str(posts[False]))
    detail = _ok(moderator.api("GET", f"/api/v1/moderation/items/{named_item.pk}"), 200)
    assert detail["author"]["username"] == "two_sided"
    assert acted["id"] not in [a["id"] for a in detail["prior_actions"]], detail["prior_actions"]
    page = _response_text(moderator.client.get(f"/mod/items/{named_item.pk}/"))
    assert "Unkind words about the group" not in page
    # Actions on the named post itself still show on the person's later items.
    named_action = _ok(
        moderator.api(
            "POST",
            f"/api/v1/moderation/items/{named_item.pk}/actions",
            {"action": "warn", "reason": "Named words, named warning"},
        ),
        200,
    )
    _ok(
        reader.api(
            "POST",
            "/api/v1/reports",
            {"target_type": "post", "target_id": posts[False], "reason": "spam"},
        ),
        202,
    )
    again = Item.objects.filter(target_id=str(posts[False]), state="open").get()
    later = _ok(moderator.api("GET", f"/api/v1/moderation/items/{again.pk}"), 200)
    assert [a["id"] for a in later["prior_actions"]] == [named_action["id"]]
