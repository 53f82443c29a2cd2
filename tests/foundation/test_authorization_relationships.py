"""Authorization by relationship (issue 6): who may do what to community-scoped things.

``test_authorization_matrix.py`` asks which *role* may call a route. This file asks which
*relationship* to the thing acted on may: the author, another member, a teen, the moderator of
THIS community, the moderator of another community, a site moderator, a crisis responder, an
administrator and a signed-out visitor, each against the same route in three communities:

- ``open``: public and marked for teens (moderator ``mod_open``);
- ``closed``: private, not for teens (moderator ``mod_closed``), where the author is a member
  and "other", "teen" and the other community's moderator are strangers;
- ``members``: members-only, not for teens (moderator ``mod_members``), for the routes where
  "visible but not readable" differs from "private".

Every cell is a status (or the allowed statuses). A refused cell must also change nothing: a
fingerprint of the tables and of the object acted on is taken before and after. A 404 for an
object that exists must be indistinguishable from a 404 for one that does not (same status,
same body), so a stranger cannot learn that a private thread, post or community exists.

The second half is the WebSocket table: every event type the server publishes on
``/ws/events`` (found by reading the source, so a new type cannot ship unlisted) and every
notification kind, with who must receive it and who never may.

One world is built per test class inside a transaction that is rolled back afterwards; each
test runs in a savepoint of it, so the world costs once and no test sees another's writes.
"""

from __future__ import annotations

import ast
import datetime
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from tests.conftest import grant_trust, run_jobs
from tests.foundation.routes import all_routes

Expect = int | tuple[int, ...]

#: Relationships to the thing acted on (columns of every row).
RELATIONS = (
    "anonymous",
    "author",
    "other",
    "teen",
    "mod_here",
    "mod_elsewhere",
    "site_mod",
    "responder",
    "admin",
)
#: Strangers to the private community: everything in it must look missing to them.
STRANGERS = ("anonymous", "other", "teen", "mod_elsewhere")
#: People of the world (relationships resolve to these per community).
PEOPLE = (
    "author",
    "other",
    "teen",
    "mod_open",
    "mod_closed",
    "mod_members",
    "site_mod",
    "responder",
    "admin",
    "invitee",
)
MISSING_SLUG = "rel-nowhere"
#: Words only the base thread of each community contains (search), and the tag they share.
SEARCH_WORDS = {"open": "marigoldquay", "closed": "juniperwharf", "members": "thistlepier"}
TAG = "relationshiptag"
MISSING_ID = 987_654_319


@dataclass(frozen=True)
class Place:
    slug: str
    visibility: str
    teen_friendly: bool
    moderator: str
    elsewhere: str  # another community's moderator
    members: tuple[str, ...]


PLACES = {
    "open": Place(
        slug="rel-open",
        visibility="public",
        teen_friendly=True,
        moderator="mod_open",
        elsewhere="mod_closed",
        members=("author", "other", "teen"),
    ),
    "closed": Place(
        slug="rel-closed",
        visibility="private",
        teen_friendly=False,
        moderator="mod_closed",
        elsewhere="mod_open",
        members=("author",),
    ),
    "members": Place(
        slug="rel-members",
        visibility="members",
        teen_friendly=False,
        moderator="mod_members",
        elsewhere="mod_open",
        members=("author",),
    ),
}


def person_for(place: str, relation: str) -> str | None:
    if relation == "anonymous":
        return None
    if relation == "mod_here":
        return PLACES[place].moderator
    if relation == "mod_elsewhere":
        return PLACES[place].elsewhere
    return relation


@dataclass
class World:
    users: dict[str, Any]
    clients: dict[str | None, Client]
    communities: dict[str, Any]
    base: dict[str, dict[str, int]] = field(default_factory=dict)
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def uid(self, person: str) -> int:
        return int(self.users[person].pk)


def _build_world() -> World:
    from alongside.accounts.models import User
    from alongside.accounts.services import role_grant
    from alongside.communities.models import Membership
    from alongside.communities.services import community_create
    from alongside.privacy.services import consent_grant

    users: dict[str, Any] = {}
    clients: dict[str | None, Client] = {None: Client()}
    for person in PEOPLE:
        # No password: hashing one costs more than the rest of the world together.
        user = User.objects.create_user(
            username=f"rel_{person}", password=None, birth_year=2011 if person == "teen" else 1988
        )
        consent_grant(user_id=user.pk, purpose="terms", version=None, source="signup")
        users[person] = user
        client = Client()
        client.force_login(user)
        clients[person] = client
    for user in users.values():
        grant_trust(user.pk, 1)  # plain posts by new accounts would be held for review
    role_grant(user_id=users["site_mod"].pk, role="moderator")
    role_grant(user_id=users["responder"].pk, role="crisis_responder")
    role_grant(user_id=users["admin"].pk, role="admin")
    communities = {}
    for name, place in PLACES.items():
        community = community_create(
            slug=place.slug,
            name=f"Relationships {name}",
            visibility=place.visibility,
            teen_friendly=place.teen_friendly,
        )
        communities[name] = community
        role_grant(user_id=users[place.moderator].pk, role="moderator", community=place.slug)
        for person in place.members:
            Membership.objects.create(user=users[person], community=community)
    world = World(users=users, clients=clients, communities=communities)
    for name in PLACES:
        world.base[name] = make_thread(world, name, word=SEARCH_WORDS[name])
    return world


@pytest.fixture(scope="class")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The world, inside a transaction rolled back when the class is done (each test's own
    transaction is a savepoint inside it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = _build_world()
        yield built
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings: Any) -> None:
    settings.STAFF_MFA_REQUIRED = False  # MFA for staff: tests/accounts (and one cell below)


# --- objects the routes act on ------------------------------------------------------------------


def make_thread(
    world: World, place: str, *, author: str = "author", word: str = ""
) -> dict[str, int]:
    """A thread by ``author`` with a named opening post and an anonymous reply by the author;
    ``word`` goes in the title and body (to search for) and tags the opening post."""
    from alongside.communities.models import Post, PostTag, Tag, Thread

    n = next(world.counter)
    user = world.users[author]
    thread = Thread.objects.create(
        community=world.communities[place], author=user, title=f"Relationship thread {n} {word}"
    )
    post = Post.objects.create(
        thread=thread,
        author=user,
        is_opening=True,
        body=f"Opening words {n} {word}.",
        body_html=f"<p>Opening words {n} {word}.</p>",
    )
    if word:
        tag, _created = Tag.objects.get_or_create(name=TAG)
        PostTag.objects.create(post=post, tag=tag, thread=thread)
    anon = Post.objects.create(
        thread=thread,
        author=user,
        anonymous=True,
        body=f"Quiet words {n}.",
        body_html=f"<p>Quiet words {n}.</p>",
    )
    # Written yesterday: a burst of posts in one second would be screened as a flood.
    yesterday = timezone.now() - datetime.timedelta(days=1)
    Thread.objects.filter(pk=thread.pk).update(
        reply_count=1, created_at=yesterday, last_activity_at=yesterday
    )
    Post.objects.filter(thread=thread).update(created_at=yesterday)
    return {"thread": thread.pk, "post": post.pk, "anon": anon.pk}


def _item(world: World, place: str, post_id: int) -> int:
    from alongside.moderation.models import Item

    return Item.objects.create(
        target_type="post",
        target_id=str(post_id),
        community=PLACES[place].slug,
        author=world.users["author"],
    ).pk


def _post_status(post_id: int, status: str, **fields: Any) -> None:
    from alongside.communities.models import Post

    Post.objects.filter(pk=post_id).update(status=status, **fields)


def _action(world: World, place: str, post_id: int, by: str) -> int:
    """A moderator's hide of the author's post (the kind of action people appeal)."""
    from alongside.moderation.models import ModAction

    return ModAction.objects.create(
        moderator=world.users[by],
        action="hide",
        target_type="post",
        target_id=str(post_id),
        community=PLACES[place].slug,
        subject=world.users["author"],
        reason="Relationship check of hiding.",
        data={"post_id": post_id, "previous": "visible"},
    ).pk


def _appeal(world: World, place: str, post_id: int, by: str) -> int:
    from alongside.moderation.models import Appeal, ModAction

    action = ModAction.objects.get(pk=_action(world, place, post_id, by))
    return Appeal.objects.create(
        action=action, appellant=world.users["author"], text="Please look at this again."
    ).pk


def _pending(world: World, place: str, thread_id: int) -> int:
    """A reply by the author that waits for their future self; "other" is their accepted
    trusted person (who may approve it, whatever the community: the author chose them)."""
    from alongside.accounts.models import FutureSelf
    from alongside.communities.models import Post, Status

    now = timezone.now()
    FutureSelf.objects.update_or_create(
        user=world.users["author"],
        defaults={
            "hold_hours": 24,
            "trusted_user": world.users["other"],
            "trusted_asked_at": now,
            "trusted_accepted_at": now,
        },
    )
    return Post.objects.create(
        thread_id=thread_id,
        author=world.users["author"],
        body="Words that wait.",
        body_html="<p>Words that wait.</p>",
        status=Status.PENDING,
        release_at=now + datetime.timedelta(hours=24),
        early_release_at=now + datetime.timedelta(hours=12),
    ).pk


def _item_moved_here(world: World, place: str) -> int:
    """An open item about a reply in a thread that a site moderator then moved from the
    open community to ``place``: the item now belongs to ``place``'s moderators alone."""
    from alongside.accounts.selectors import actor_for_user
    from alongside.moderation.actions import action_take
    from alongside.moderation.models import Item

    spot = make_thread(world, "open")
    item_id = _item(world, "open", spot["anon"])
    opening = Item.objects.get(pk=_item(world, "open", spot["post"]))
    action_take(
        actor=actor_for_user(world.users["site_mod"]),
        item=opening,
        action="move",
        reason="Moved where it belongs",
        params={"community": PLACES[place].slug},
    )
    return item_id


def _case(world: World) -> int:
    """The author's open crisis case (they asked to talk to someone)."""
    from alongside.safety.cases import case_open_or_update

    case, _opened = case_open_or_update(person_id=world.uid("author"), level="high", source="asked")
    return int(case.pk)


def _word(world: World, place: str) -> int:
    from alongside.moderation.models import WatchedWord

    return WatchedWord.objects.create(
        community=PLACES[place].slug, pattern=f"relword{next(world.counter)}", action="flag"
    ).pk


def resolve(world: World, place: str, names: set[str], fresh: bool) -> dict[str, Any]:
    """Values for the ``{placeholders}`` a case uses, made for this place."""
    spot = make_thread(world, place) if fresh else world.base[place]
    values: dict[str, Any] = {
        "slug": PLACES[place].slug,
        "elsewhere_slug": PLACES["closed" if place != "closed" else "open"].slug,
        **spot,
    }
    makers: dict[str, Callable[[], Any]] = {
        "item": lambda: _item(world, place, spot["post"]),
        "item_anon": lambda: _item(world, place, spot["anon"]),
        "item_held": lambda: (
            _post_status(spot["post"], "held"),
            _item(world, place, spot["post"]),
        )[1],
        "item_warned": lambda: (
            _post_status(spot["post"], "visible", cw_topics=",grief,"),
            _item(world, place, spot["post"]),
        )[1],
        "action": lambda: _action(world, place, spot["post"], PLACES[place].moderator),
        "appeal": lambda: _appeal(world, place, spot["post"], PLACES[place].moderator),
        "appeal_by_site": lambda: _appeal(world, place, spot["post"], "site_mod"),
        "pending": lambda: _pending(world, place, spot["thread"]),
        "item_moved": lambda: _item_moved_here(world, place),
        "case": lambda: _case(world),
        "word": lambda: _word(world, place),
    }
    for name in names:
        if name in makers:
            values[name] = makers[name]()
    return values


def missing_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (MISSING_SLUG if isinstance(v, str) else MISSING_ID) for k, v in values.items()}


# --- the table -----------------------------------------------------------------------------------


def cells(default: Expect, **overrides: Expect) -> dict[str, Expect]:
    unknown = set(overrides) - set(RELATIONS)
    assert not unknown, unknown
    return {**dict.fromkeys(RELATIONS, default), **overrides}


def hidden(row: dict[str, Expect], anonymous: Expect = 404) -> dict[str, Expect]:
    """The same row in the private community: strangers get the 404 of a missing thing."""
    return {**row, **dict.fromkeys(STRANGERS, 404), "anonymous": anonymous}


def unreadable(row: dict[str, Expect], status: Expect, anonymous: Expect) -> dict[str, Expect]:
    """The row in the members-only community for people who did not join it (the teen: the
    community is not for teens, so it does not exist for them)."""
    return {**row, "other": status, "mod_elsewhere": status, "anonymous": anonymous, "teen": 404}


MODS = {"mod_here": 200, "site_mod": 200, "admin": 200}


def mods(status: int) -> dict[str, int]:
    return dict.fromkeys(MODS, status)


@dataclass(frozen=True)
class Case:
    method: str
    route: str  # as the resolver spells it (checked by the meta-test)
    path: str  # template with {placeholders}
    expect: dict[str, dict[str, Expect]]  # place -> relation -> status
    body: dict[str, Any] | Callable[[dict[str, Any], str], dict[str, Any]] | None = None
    json: bool = True
    fresh: bool = False  # new objects for every relation (the action changes them)
    label: str = ""
    #: relations whose success-looking answer (a 303 with a message) must change nothing
    unchanged: tuple[str, ...] = ()

    @property
    def api(self) -> bool:
        return self.route.startswith("api/")

    def names(self) -> set[str]:
        text = self.path + (repr(self.body) if isinstance(self.body, dict) else "")
        return set(re.findall(r"\{(\w+)\}", text))

    def payload(self, values: dict[str, Any], relation: str) -> dict[str, Any] | None:
        if self.body is None:
            return None
        if callable(self.body):
            return self.body(values, relation)
        return {k: (v.format(**values) if isinstance(v, str) else v) for k, v in self.body.items()}

    def ident(self, place: str) -> str:
        return f"{self.method} /{self.route}{' ' + self.label if self.label else ''} [{place}]"


def same_everywhere(row: dict[str, Expect]) -> dict[str, dict[str, Expect]]:
    """Rows about things that are not in one community (crisis cases)."""
    return {"open": row}


def both(row: dict[str, Expect], anonymous_hidden: Expect = 404) -> dict[str, dict[str, Expect]]:
    return {"open": row, "closed": hidden(row, anonymous_hidden)}


API_READ = cells(200)
API_MEMBER = cells(200, anonymous=401)
PAGE_MEMBER = cells(303, anonymous=302)

CASES: list[Case] = [
    # --- communities ------------------------------------------------------------------------
    Case(
        "GET",
        "api/v1/communities/<slug>",
        "/api/v1/communities/{slug}",
        {**both(API_READ), "members": cells(200, teen=404)},
    ),
    # Joining a private community needs an invitation (its moderators and site moderators
    # need none); a crisis responder may read it but is not invited: the stranger's 404.
    Case(
        "POST",
        "api/v1/communities/<slug>/membership",
        "/api/v1/communities/{slug}/membership",
        {
            "open": API_MEMBER,
            "closed": {**hidden(API_MEMBER, 401), "responder": 404},
            "members": cells(200, anonymous=401, teen=404),
        },
    ),
    Case(
        "DELETE",
        "api/v1/communities/<slug>/membership",
        "/api/v1/communities/{slug}/membership",
        {**both(API_MEMBER, 401), "members": cells(200, anonymous=401, teen=404)},
    ),
    Case(
        "POST",
        "api/v1/communities/<slug>/invitations",
        "/api/v1/communities/{slug}/invitations",
        {
            **both(cells(403, anonymous=401, **mods(201)), 401),
            "members": cells(403, anonymous=401, teen=404, **mods(201)),
        },
        body={"username": "rel_invitee"},
    ),
    Case(
        "GET",
        "api/v1/communities/<slug>/threads",
        "/api/v1/communities/{slug}/threads",
        {**both(API_READ), "members": unreadable(API_READ, 403, 403)},
    ),
    Case(
        "POST",
        "api/v1/communities/<slug>/threads",
        "/api/v1/communities/{slug}/threads",
        {
            **both(cells(201, anonymous=401), 401),
            "members": unreadable(cells(201), 403, 401),
        },
        body={"title": "A thread about the weather", "body": "It rained all day here."},
    ),
    Case(
        "GET",
        "api/v1/communities/<slug>/modlog",
        "/api/v1/communities/{slug}/modlog",
        {**both(API_READ), "members": unreadable(API_READ, 403, 403)},
    ),
    # --- threads --------------------------------------------------------------------------------
    Case(
        "GET",
        "api/v1/threads/<thread_id>",
        "/api/v1/threads/{thread}",
        {**both(API_READ), "members": unreadable(API_READ, 404, 404)},
    ),
    Case(
        "GET",
        "api/v1/threads/<thread_id>/posts",
        "/api/v1/threads/{thread}/posts",
        {**both(API_READ), "members": unreadable(API_READ, 404, 404)},
    ),
    Case(
        "POST",
        "api/v1/threads/<thread_id>/posts",
        "/api/v1/threads/{thread}/posts",
        {**both(cells(201, anonymous=401), 401), "members": unreadable(cells(201), 404, 401)},
        body={"body": "Thinking of you today."},
    ),
    Case(
        "POST",
        "api/v1/threads/<thread_id>/lock",
        "/api/v1/threads/{thread}/lock",
        both(cells(403, anonymous=401, **mods(200)), 401),
        body={"locked": True, "reason": "Relationship check of locking"},
        fresh=True,
    ),
    Case(
        "PUT",
        "api/v1/threads/<thread_id>/bookmark",
        "/api/v1/threads/{thread}/bookmark",
        both(API_MEMBER, 401),
    ),
    Case(
        "DELETE",
        "api/v1/threads/<thread_id>/bookmark",
        "/api/v1/threads/{thread}/bookmark",
        both(API_MEMBER, 401),
    ),
    # --- posts ------------------------------------------------------------------------------------
    # Moderators of the community may add a warning (with a note the author is told); the
    # author edits; nobody else, and a crisis responder reads but does not moderate.
    Case(
        "PATCH",
        "api/v1/posts/<post_id>",
        "/api/v1/posts/{post}",
        both(cells(403, anonymous=401, author=200, **mods(200)), 401),
        body={"content_warning": {"topics": ["grief"]}, "note": "Relationship warning note"},
        fresh=True,
        label="warning",
    ),
    Case(
        "PATCH",
        "api/v1/posts/<post_id>",
        "/api/v1/posts/{post}",
        both(cells(403, anonymous=401, author=200), 401),
        body={"body": "Different words."},
        fresh=True,
        label="words (the author's alone)",
    ),
    Case(
        "DELETE",
        "api/v1/posts/<post_id>",
        "/api/v1/posts/{post}?reason=Relationship%20removal%20reason",
        both(cells(403, anonymous=401, author=204, **mods(204)), 401),
        fresh=True,
    ),
    Case(
        "POST",
        "api/v1/posts/<post_id>/reactions",
        "/api/v1/posts/{post}/reactions",
        both(API_MEMBER, 401),
        body={"kind": "hug"},
    ),
    Case(
        "DELETE",
        "api/v1/posts/<post_id>/reactions/<kind>",
        "/api/v1/posts/{post}/reactions/hug",
        both(API_MEMBER, 401),
    ),
    Case(
        "GET",
        "api/v1/posts/<post_id>/revisions",
        "/api/v1/posts/{post}/revisions",
        both(cells(403, anonymous=401, **mods(200)), 401),
    ),
    Case(
        "POST",
        "api/v1/posts/<post_id>/reveal",
        "/api/v1/posts/{anon}/reveal",
        both(cells(403, anonymous=401, responder=200, **mods(200)), 401),
        body={"reason": "Relationship check of reveal"},
    ),
    # A waiting post is its author's alone (409: too early to publish); the trusted person
    # ("other") approves it, also in a community they cannot read (the author chose them).
    Case(
        "POST",
        "api/v1/posts/<post_id>/publish",
        "/api/v1/posts/{pending}/publish",
        {
            "open": cells(404, anonymous=401, author=409),
            "closed": cells(404, anonymous=401, author=409),
        },
    ),
    Case(
        "POST",
        "api/v1/posts/<post_id>/approve",
        "/api/v1/posts/{pending}/approve",
        {
            "open": cells(404, anonymous=401, other=200),
            "closed": cells(404, anonymous=401, other=200),
        },
        body={},
        fresh=True,
    ),
    # --- moderation queue items, actions, appeals: the community's moderators, site
    # moderators and admins; for anyone else an item is missing ----------------------------------
    Case(
        "GET",
        "api/v1/moderation/items/<item_id>",
        "/api/v1/moderation/items/{item}",
        both(cells(404, anonymous=401, **mods(200)), 401),
    ),
    Case(
        "POST",
        "api/v1/moderation/items/<item_id>/claim",
        "/api/v1/moderation/items/{item}/claim",
        both(cells(404, anonymous=401, **mods(200)), 401),
        fresh=True,
    ),
    Case(
        "DELETE",
        "api/v1/moderation/items/<item_id>/claim",
        "/api/v1/moderation/items/{item}/claim",
        both(cells(404, anonymous=401, **mods(200)), 401),
        fresh=True,
    ),
    Case(
        "POST",
        "api/v1/moderation/actions/<action_id>/appeal",
        "/api/v1/moderation/actions/{action}/appeal",
        both(cells(404, anonymous=401, author=201), 401),
        body={"text": "Please look at this decision again."},
        fresh=True,
    ),
    # The moderator who took the action may not decide its appeal (403, nothing changes).
    Case(
        "POST",
        "api/v1/moderation/appeals/<appeal_id>/decide",
        "/api/v1/moderation/appeals/{appeal}/decide",
        both(cells(404, anonymous=401, mod_here=403, site_mod=200, admin=200), 401),
        body={"decision": "uphold"},
        fresh=True,
        label="own action",
    ),
    Case(
        "POST",
        "api/v1/moderation/appeals/<appeal_id>/decide",
        "/api/v1/moderation/appeals/{appeal_by_site}/decide",
        both(cells(404, anonymous=401, mod_here=200, site_mod=403, admin=200), 401),
        body={"decision": "overturn"},
        fresh=True,
        label="site moderator's action",
    ),
    # --- watched words of a community: its moderators (and site moderators, admins) ---------
    Case(
        "GET",
        "api/v1/moderation/watched-words",
        "/api/v1/moderation/watched-words?community={slug}",
        both(cells(404, anonymous=401, **mods(200)), 401),
    ),
    Case(
        "POST",
        "api/v1/moderation/watched-words",
        "/api/v1/moderation/watched-words",
        both(cells(404, anonymous=401, **mods(201)), 401),
        body=lambda v, r: {"community": v["slug"], "pattern": f"relword{r}", "action": "flag"},
    ),
    Case(
        "POST",
        "api/v1/moderation/watched-words/import",
        "/api/v1/moderation/watched-words/import",
        both(cells(404, anonymous=401, **mods(200)), 401),
        body=lambda v, r: {"community": v["slug"], "text": f"relimport{r},hold"},
    ),
    Case(
        "GET",
        "api/v1/moderation/watched-words/export",
        "/api/v1/moderation/watched-words/export?community={slug}",
        both(cells(404, anonymous=401, **mods(200)), 401),
    ),
    Case(
        "DELETE",
        "api/v1/moderation/watched-words/<word_id>",
        "/api/v1/moderation/watched-words/{word}",
        both(cells(404, anonymous=401, **mods(204)), 401),
        fresh=True,
    ),
    # --- crisis cases (not in a community): responders and admins; the person the case is
    # about ("author") and every moderator get the 404 of a missing case --------------------
    Case(
        "GET",
        "api/v1/safety/cases/<case_id>",
        "/api/v1/safety/cases/{case}",
        same_everywhere(cells(404, anonymous=401, responder=200, admin=200)),
    ),
    Case(
        "POST",
        "api/v1/safety/cases/<case_id>/acknowledge",
        "/api/v1/safety/cases/{case}/acknowledge",
        same_everywhere(cells(404, anonymous=401, responder=200, admin=200)),
        fresh=True,
    ),
    Case(
        "POST",
        "api/v1/safety/cases/<case_id>/notes",
        "/api/v1/safety/cases/{case}/notes",
        same_everywhere(cells(404, anonymous=401, responder=201, admin=201)),
        body={"text": "Relationship note"},
    ),
    Case(
        "POST",
        "api/v1/safety/cases/<case_id>/resolve",
        "/api/v1/safety/cases/{case}/resolve",
        same_everywhere(cells(404, anonymous=401, responder=200, admin=200)),
        body={"outcome": "supported"},
        fresh=True,
    ),
    Case(
        "POST",
        "api/v1/safety/cases/<case_id>/outreach",
        "/api/v1/safety/cases/{case}/outreach",
        same_everywhere(cells(404, anonymous=401, responder=200, admin=200)),
        body={},
        fresh=True,
    ),
    # --- pages (302: to the login page; 303: done, back to a page) ------------------------------
    Case(
        "GET",
        "c/<slug>/",
        "/c/{slug}/",
        {**both(cells(200)), "members": cells(200, teen=404)},
        json=False,
    ),
    Case(
        "POST",
        "c/<slug>/join/",
        "/c/{slug}/join/",
        {
            "open": PAGE_MEMBER,
            "closed": {**hidden(PAGE_MEMBER), "responder": 404},
            "members": cells(303, anonymous=302, teen=404),
        },
        body={},
        json=False,
    ),
    Case(
        "POST",
        "c/<slug>/leave/",
        "/c/{slug}/leave/",
        {**both(PAGE_MEMBER), "members": cells(303, anonymous=302, teen=404)},
        body={},
        json=False,
    ),
    Case(
        "GET",
        "c/<slug>/new/",
        "/c/{slug}/new/",
        {**both(cells(200, anonymous=302)), "members": cells(200, anonymous=302, teen=404)},
        json=False,
    ),
    Case(
        "GET",
        "c/<slug>/modlog/",
        "/c/{slug}/modlog/",
        {**both(cells(200)), "members": unreadable(cells(200), 403, 403)},
        json=False,
    ),
    Case(
        "GET",
        "t/<thread_id>/",
        "/t/{thread}/",
        {**both(cells(200)), "members": unreadable(cells(200), 404, 404)},
        json=False,
    ),
    Case(
        "POST",
        "t/<thread_id>/reply/",
        "/t/{thread}/reply/",
        {**both(PAGE_MEMBER), "members": unreadable(PAGE_MEMBER, 404, 404)},
        body={"body": "A reply through the page."},
        json=False,
    ),
    Case(
        "GET",
        "t/<thread_id>/lock/",
        "/t/{thread}/lock/",
        both(cells(403, anonymous=302, **mods(200))),
        json=False,
    ),
    Case(
        "POST",
        "t/<thread_id>/bookmark/",
        "/t/{thread}/bookmark/",
        both(PAGE_MEMBER),
        body={"on": "1"},
        json=False,
    ),
    Case(
        "GET",
        "p/<post_id>/edit/",
        "/p/{post}/edit/",
        both(cells(403, anonymous=302, author=200)),
        json=False,
    ),
    Case(
        "GET",
        "p/<post_id>/delete/",
        "/p/{post}/delete/",
        both(cells(403, anonymous=302, author=200, **mods(200))),
        json=False,
    ),
    Case(
        "POST",
        "p/<post_id>/react/",
        "/p/{post}/react/",
        both(PAGE_MEMBER),
        body={"kind": "hug"},
        json=False,
    ),
    Case(
        "GET",
        "p/<post_id>/warning/",
        "/p/{post}/warning/",
        both(cells(403, anonymous=302, **mods(200))),
        json=False,
    ),
    Case(
        "GET",
        "p/<post_id>/history/",
        "/p/{post}/history/",
        both(cells(403, anonymous=302, **mods(200))),
        json=False,
    ),
    Case(
        "GET",
        "p/<post_id>/reveal/",
        "/p/{anon}/reveal/",
        both(cells(403, anonymous=302, responder=200, **mods(200))),
        json=False,
    ),
    Case(
        "POST",
        "p/<post_id>/publish/",
        "/p/{pending}/publish/",
        {"open": cells(404, author=409), "closed": cells(404, author=409)},
        body={},
        json=False,
    ),
    Case(
        "POST",
        "p/<post_id>/discard/",
        "/p/{pending}/discard/",
        {"open": cells(404, author=303), "closed": cells(404, author=303)},
        body={},
        json=False,
        fresh=True,
    ),
    Case(
        "POST",
        "p/<post_id>/approve/",
        "/p/{pending}/approve/",
        {
            "open": cells(404, anonymous=302, other=303),
            "closed": cells(404, anonymous=302, other=303),
        },
        body={},
        json=False,
        fresh=True,
    ),
    Case(
        "GET",
        "mod/items/<item_id>/",
        "/mod/items/{item}/",
        both(cells(404, anonymous=302, **mods(200)), 302),
        json=False,
    ),
    Case(
        "POST",
        "mod/items/<item_id>/claim/",
        "/mod/items/{item}/claim/",
        both(cells(404, anonymous=302, **mods(303)), 302),
        body={},
        json=False,
        fresh=True,
    ),
    Case(
        "POST",
        "mod/items/<item_id>/act/",
        "/mod/items/{item}/act/",
        both(cells(404, anonymous=302, **mods(303)), 302),
        body={"action": "dismiss"},
        json=False,
        fresh=True,
    ),
    Case(
        "POST",
        "mod/appeals/<appeal_id>/decide/",
        "/mod/appeals/{appeal}/decide/",
        both(cells(404, anonymous=302, **mods(303)), 302),
        body={"decision": "uphold"},
        json=False,
        fresh=True,
        unchanged=("mod_here",),  # their own action: told so, nothing decided
    ),
    Case(
        "GET",
        "moderation/actions/<action_id>/appeal/",
        "/moderation/actions/{action}/appeal/",
        both(cells(404, anonymous=302, author=200), 302),
        json=False,
    ),
    Case(
        "GET",
        "mod/watched-words/",
        "/mod/watched-words/?community={slug}",
        both(cells(404, anonymous=302, **mods(200)), 302),
        json=False,
    ),
    Case(
        "GET",
        "mod/watched-words/export/",
        "/mod/watched-words/export/?community={slug}",
        both(cells(404, anonymous=302, **mods(200)), 302),
        json=False,
    ),
    Case(
        "GET",
        "safety/cases/<case_id>/",
        "/safety/cases/{case}/",
        same_everywhere(cells(404, anonymous=302, responder=200, admin=200)),
        json=False,
    ),
    *(
        Case(
            "POST",
            f"safety/cases/<case_id>/{step}/",
            f"/safety/cases/{{case}}/{step}/",
            same_everywhere(cells(404, anonymous=302, responder=303, admin=303)),
            body=body,
            json=False,
            fresh=True,
        )
        for step, body in (
            ("acknowledge", {}),
            ("notes", {"text": "Relationship note"}),
            ("resolve", {"outcome": "supported"}),
            ("outreach", {}),
        )
    ),
]


#: Every moderator action on a queue item: who may take it. Any action on an item of
#: another community is the 404 of a missing item. Suspending needs a site moderator,
#: banning an administrator; moving needs the target community to be moderated too.
def _action_cases() -> list[Case]:
    from alongside.moderation.actions import COMMANDS

    params: dict[str, dict[str, Any]] = {
        "add_content_warning": {"topics": ["grief"]},
        "edit_with_note": {"body": "Kinder words."},
        "move": {"community": "{elsewhere_slug}"},
        "slow_mode": {"seconds": 60},
        "mute": {"hours": 2},
        "suspend": {"days": 1},
    }
    special: dict[str, dict[str, Expect]] = {
        "suspend": {"mod_here": 403},
        "ban": {"mod_here": 403, "site_mod": 403},
        # the community's moderator does not moderate the target community
        "move": {"mod_here": 422},
    }
    # the item each action needs: a held post to restore, a warned one, an anonymous one
    items = {
        "restore": "item_held",
        "remove_content_warning": "item_warned",
        "reveal_anonymous_author": "item_anon",
    }
    out = []
    for name in COMMANDS:
        row = cells(404, anonymous=401, **mods(200))
        row.update(special.get(name, {}))
        out.append(
            Case(
                "POST",
                "api/v1/moderation/items/<item_id>/actions",
                f"/api/v1/moderation/items/{{{items.get(name, 'item')}}}/actions",
                both(row, 401),
                body={
                    "action": name,
                    "reason": "Relationship check reason",
                    **params.get(name, {}),
                },
                fresh=True,
                label=name,
            )
        )
    return out


CASES += _action_cases()
# A thread moved to the private community takes its queue items with it: the moderator of
# the community it left no longer sees them or acts on them (regression: the item kept the
# old community, so that moderator could read and hide posts in a community not theirs).
CASES += [
    Case(
        "GET",
        "api/v1/moderation/items/<item_id>",
        "/api/v1/moderation/items/{item_moved}",
        {"closed": hidden(cells(404, anonymous=401, **mods(200)), 401)},
        fresh=True,
        label="after its thread moved here",
    ),
    Case(
        "POST",
        "api/v1/moderation/items/<item_id>/actions",
        "/api/v1/moderation/items/{item_moved}/actions",
        {"closed": hidden(cells(404, anonymous=401, **mods(200)), 401)},
        body={"action": "hide", "reason": "Relationship check reason"},
        fresh=True,
        label="hide after its thread moved here",
    ),
]

#: Routes with a path parameter that are not about something in a community, with why.
NOT_COMMUNITY_SCOPED = {
    "api/v1/me/consents/<purpose>": "the caller's own consent; role matrix",
    "api/v1/me/export/<export_id>": "the caller's own export; owner-only in the role matrix",
    "api/v1/me/export/<export_id>/download": "the caller's own export; role matrix",
    "api/v1/me/blocks/<username>": "the caller's own block list; role matrix",
    "api/v1/me/trusted-by/<username>": "between two people, no community; role matrix",
    "api/v1/me/trusted-by/<username>/accept": "between two people, no community; role matrix",
    "api/v1/moderation/users/<username>/notes": "site moderators only (a person is in no single "
    "community); role matrix",
    "mod/users/<username>/notes/": "site moderators only; role matrix",
    "api/v1/tags/<name>/block": "site-wide, administrators only; role matrix",
    "privacy/consents/<purpose>/": "the caller's own consent; role matrix",
    "privacy/export/<export_id>/download/": "the caller's own export; role matrix",
}


# --- running a row -----------------------------------------------------------------------------

_COUNTED = (
    "communities_membership",
    "communities_invitation",
    "communities_thread",
    "communities_post",
    "communities_postrevision",
    "communities_reaction",
    "communities_bookmark",
    "communities_posttag",
    "moderation_item",
    "moderation_modaction",
    "moderation_appeal",
    "moderation_sanction",
    "moderation_watchedword",
    "moderation_slowmode",
    "moderation_report",
    "safety_case",
    "safety_casenote",
    "safety_concern",
    "notifications_notification",
    "core_event",
    "core_auditentry",
    "accounts_futureself",
)
_ROWS: dict[str, tuple[str, str]] = {
    # placeholder -> (app.Model, field the id is in)
    "thread": ("communities.Thread", "pk"),
    "post": ("communities.Post", "pk"),
    "anon": ("communities.Post", "pk"),
    "pending": ("communities.Post", "pk"),
    "item": ("moderation.Item", "pk"),
    "item_anon": ("moderation.Item", "pk"),
    "item_held": ("moderation.Item", "pk"),
    "item_warned": ("moderation.Item", "pk"),
    "item_moved": ("moderation.Item", "pk"),
    "appeal": ("moderation.Appeal", "pk"),
    "appeal_by_site": ("moderation.Appeal", "pk"),
    "action": ("moderation.ModAction", "pk"),
    "word": ("moderation.WatchedWord", "pk"),
    "case": ("safety.Case", "pk"),
    "slug": ("communities.Community", "slug"),
}


def fingerprint(values: dict[str, Any]) -> tuple[Any, ...]:
    """Row counts of every table a write here could touch, and the rows acted on."""
    from django.apps import apps

    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {t})" for t in _COUNTED))
        counts = tuple(cursor.fetchone())
    rows = []
    for name, value in sorted(values.items()):
        if name in _ROWS:
            model_name, key = _ROWS[name]
            model = apps.get_model(model_name)
            found = model.objects.filter(**{key: value}).values().first()
            rows.append((name, sorted((found or {}).items())))
    return counts, tuple(rows)


def send(client: Client, case: Case, path: str, payload: dict[str, Any] | None) -> Any:
    method = case.method.lower()
    if payload is None:
        return getattr(client, method)(path)
    if case.json:
        return getattr(client, method)(path, payload, content_type="application/json")
    return getattr(client, method)(path, payload)


_CSRF = re.compile(rb'(csrfmiddlewaretoken" value="|csrf-token" content="|X-CSRFToken": ")[^"]+')


def page_shape(body: bytes, path: str) -> bytes:
    """A page with its one-time tokens and its own address taken out."""
    body = _CSRF.sub(rb"\1", body)
    for form in sorted({path, path.split("?", maxsplit=1)[0]}, key=len, reverse=True):
        body = body.replace(form.encode(), b"PATH")
        body = body.replace(form.replace("/", "%2F").encode(), b"PATH")
    return body


def _first_difference(a: bytes, b: bytes) -> list[str]:
    import difflib

    lines = difflib.unified_diff(
        a.decode(errors="replace").splitlines(), b.decode(errors="replace").splitlines(), n=0
    )
    return list(itertools.islice(lines, 12))


def check_cell(world: World, case: Case, place: str, relation: str, values: dict[str, Any]) -> None:
    client = world.clients[person_for(place, relation)]
    client.cookies.pop("django_language", None)
    client.cookies.pop("messages", None)  # a message left by an earlier test's redirect
    path = case.path.format(**values)
    payload = case.payload(values, relation)
    before = fingerprint(values)
    response = send(client, case, path, payload)
    expected = case.expect[place][relation]
    allowed = expected if isinstance(expected, tuple) else (expected,)
    where = (case.ident(place), relation, response.status_code, response.content[:300])
    assert response.status_code in allowed, where
    if response.status_code >= 400 or relation in case.unchanged:
        assert fingerprint(values) == before, ("a refusal changed something", *where)
    if case.api and response.status_code >= 400:
        body = response.json()
        assert {"detail", "code"} <= set(body) <= {"detail", "code", "field"}, where
    if response.status_code == 404:
        # Existence hiding: the thing exists; asking for one that does not must look the same.
        gone = missing_values(values)
        gone_path = case.path.format(**gone)
        missing = send(client, case, gone_path, case.payload(gone, relation))
        assert missing.status_code == 404, ("missing answered differently", *where)
        if case.api:
            assert missing.json() == response.json(), where
        else:
            shown, gone_shown = (
                page_shape(response.content, path),
                page_shape(missing.content, gone_path),
            )
            assert shown == gone_shown, (*where[:2], _first_difference(shown, gone_shown))


ROWS = [(case, place) for case in CASES for place in case.expect]


# --- lists: what each relationship finds in searches, tags, queues ----------------------------


INSIDERS = frozenset({"author", "mod_here", "site_mod", "responder", "admin"})
SIGNED_IN = frozenset(RELATIONS) - {"anonymous"}


@dataclass(frozen=True)
class Listing:
    """A list page or endpoint; ``sees``: who finds the place's thing in it (the others
    must not, and still get ``status``)."""

    route: str
    path: str
    found: Callable[[Any, dict[str, Any]], bool]
    sees: dict[str, frozenset[str]]
    status: dict[str, int] = field(default_factory=dict)  # relation -> status (default 200)
    makes: tuple[str, ...] = ()

    def ident(self, place: str) -> str:
        return f"GET /{self.route} [{place}]"


def _has_thread(response: Any, values: dict[str, Any]) -> bool:
    """The place's thread is listed (its link; the query itself is echoed to everyone)."""
    return f"/t/{values['thread']}/" in response.content.decode()


def _has_slug(response: Any, values: dict[str, Any]) -> bool:
    return f'"{values["slug"]}"' in response.content.decode() or (
        f"/c/{values['slug']}/" in response.content.decode()
    )


def _json_ids(key: str) -> Callable[[Any, dict[str, Any]], bool]:
    return lambda response, values: values[key] in [i["id"] for i in response.json()["items"]]


def _link(template: str) -> Callable[[Any, dict[str, Any]], bool]:
    return lambda response, values: template.format(**values) in response.content.decode()


READERS = {
    "open": SIGNED_IN,
    "closed": INSIDERS,
    "members": INSIDERS,
}
MODERATORS = frozenset({"mod_here", "site_mod", "admin"})

LISTINGS = [
    Listing("api/v1/search", "/api/v1/search?q={word}", _has_thread, READERS, {"anonymous": 401}),
    Listing("search/", "/search/?q={word}", _has_thread, READERS, {"anonymous": 302}),
    Listing(
        "api/v1/tags/<name>",
        "/api/v1/tags/" + TAG,
        _has_thread,
        {**READERS, "open": frozenset(RELATIONS)},
    ),
    Listing(
        "tags/<name>/", "/tags/" + TAG + "/", _has_thread, {**READERS, "open": frozenset(RELATIONS)}
    ),
    Listing(
        "api/v1/communities",
        "/api/v1/communities",
        _has_slug,
        {
            "open": frozenset(RELATIONS),
            "closed": INSIDERS,
            "members": frozenset(RELATIONS) - {"teen"},
        },
    ),
    Listing(
        "c/",
        "/c/",
        _has_slug,
        {
            "open": frozenset(RELATIONS),
            "closed": INSIDERS,
            "members": frozenset(RELATIONS) - {"teen"},
        },
    ),
    # Everyone who moderates nothing gets the 404 of a missing page.
    Listing(
        "api/v1/moderation/queue",
        "/api/v1/moderation/queue",
        _json_ids("item"),
        {"open": MODERATORS, "closed": MODERATORS},
        {**dict.fromkeys(("author", "other", "teen", "responder"), 404), "anonymous": 401},
        makes=("item",),
    ),
    Listing(
        "mod/queue/",
        "/mod/queue/",
        _link("/mod/items/{item}/"),
        {"open": MODERATORS, "closed": MODERATORS},
        {**dict.fromkeys(("author", "other", "teen", "responder"), 404), "anonymous": 302},
        makes=("item",),
    ),
    Listing(
        "api/v1/moderation/appeals",
        "/api/v1/moderation/appeals",
        _json_ids("appeal_by_site"),
        {"open": MODERATORS - {"site_mod"}, "closed": MODERATORS - {"site_mod"}},
        {**dict.fromkeys(("author", "other", "teen", "responder"), 404), "anonymous": 401},
        makes=("appeal_by_site",),
    ),
]

LIST_ROWS = [(listing, place) for listing in LISTINGS for place in listing.sees]


# --- WebSocket events: who receives each type, who never may ----------------------------------


@dataclass(frozen=True)
class Delivery:
    receive: frozenset[str]
    may: frozenset[str] = frozenset()  # allowed, not required (e.g. admins as a fallback)


def to(*people: str, may: tuple[str, ...] = ()) -> Delivery:
    return Delivery(frozenset(people), frozenset(may))


@dataclass(frozen=True)
class Scenario:
    title: str
    run: Callable[[World], None]
    #: every event key the scenario publishes (``notification:<kind>`` or the type), with
    #: who gets it; anyone of PEOPLE not named must not
    deliveries: dict[str, Delivery]
    staff_mfa: bool = False


def call(
    world: World, person: str, method: str, path: str, body: Any = None, status: int = 200
) -> Any:
    client = world.clients[person]
    if body is None:
        response = getattr(client, method.lower())(path)
    else:
        response = getattr(client, method.lower())(path, body, content_type="application/json")
    assert response.status_code == status, (person, path, response.status_code, response.content)
    return response.json() if response.content else None


def mentions(*people: str) -> str:
    return "Thinking of " + " ".join(f"@rel_{p}" for p in people) + " today."


def _reply(world: World, person: str, place: str, body: str = "You are not alone.") -> Any:
    thread = world.base[place]["thread"]
    return call(world, person, "POST", f"/api/v1/threads/{thread}/posts", {"body": body}, 201)


def _report(world: World, person: str, post_id: int) -> None:
    call(
        world,
        person,
        "POST",
        "/api/v1/reports",
        {"target_type": "post", "target_id": str(post_id), "reason": "spam"},
        202,
    )


def _report_then_hide(world: World) -> None:
    from alongside.moderation.models import Item

    spot = make_thread(world, "closed", author="invitee")
    _report(world, "author", spot["post"])
    item = Item.objects.get(target_id=str(spot["post"]), state="open")
    call(
        world,
        "mod_closed",
        "POST",
        f"/api/v1/moderation/items/{item.pk}/actions",
        {"action": "hide", "reason": "Relationship check reason"},
    )


def _appeal_by_author(world: World, place: str) -> None:
    action = _action(world, place, world.base[place]["post"], PLACES[place].moderator)
    call(
        world,
        "author",
        "POST",
        f"/api/v1/moderation/actions/{action}/appeal",
        {"text": "Please look at this decision again."},
        201,
    )


def _decide(world: World) -> None:
    appeal = _appeal(world, "closed", world.base["closed"]["post"], "mod_closed")
    call(
        world,
        "site_mod",
        "POST",
        f"/api/v1/moderation/appeals/{appeal}/decide",
        {"decision": "uphold"},
    )


def _react_then_read(world: World) -> None:
    call(
        world,
        "other",
        "POST",
        f"/api/v1/posts/{world.base['open']['post']}/reactions",
        {"kind": "hug"},
    )
    call(world, "author", "POST", "/api/v1/notifications/read", {})


def _export(world: World) -> None:
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):  # the job is enqueued on commit
        call(world, "author", "POST", "/api/v1/me/export", {}, 202)
    assert run_jobs() >= 1


def _staff_with_mfa(world: World) -> None:
    """Staff roles are in effect only with MFA: here only the site moderator and the crisis
    responder have it; the community moderator and the admin act as members."""
    from allauth.mfa.models import Authenticator

    for person in ("site_mod", "responder"):
        Authenticator.objects.create(
            user=world.users[person], type=Authenticator.Type.TOTP, data={"secret": "unused"}
        )
    _report(world, "other", world.base["open"]["post"])
    call(world, "author", "POST", "/api/v1/safety/talk", {}, 202)


SCENARIOS = [
    Scenario(
        "a reply in the open community reaches the thread's author only",
        lambda w: _reply(w, "other", "open"),
        {"notification:reply": to("author")},
    ),
    Scenario(
        "a reply in the private community reaches the thread's author only",
        lambda w: _reply(w, "mod_closed", "closed"),
        {"notification:reply": to("author")},
    ),
    Scenario(
        "mentions in the open community reach the people named",
        lambda w: _reply(w, "author", "open", mentions("other", "teen", "mod_closed")),
        {"notification:mention": to("other", "teen", "mod_closed")},
    ),
    # Regression: a mention told a stranger the title and words of a private thread.
    Scenario(
        "mentions in the private community reach only people who may read it",
        lambda w: _reply(
            w,
            "author",
            "closed",
            mentions("other", "teen", "mod_open", "mod_closed", "site_mod", "responder"),
        ),
        {"notification:mention": to("mod_closed", "site_mod", "responder")},
    ),
    Scenario(
        "mentions in a members-only community skip people who did not join it",
        lambda w: _reply(w, "author", "members", mentions("other", "teen", "mod_members")),
        {"notification:mention": to("mod_members")},
    ),
    Scenario(
        "support reactions reach the post's author only",
        lambda w: [
            call(
                w,
                "other",
                "POST",
                f"/api/v1/posts/{w.base['open']['post']}/reactions",
                {"kind": "hug"},
            ),
            call(
                w,
                "mod_closed",
                "POST",
                f"/api/v1/posts/{w.base['closed']['anon']}/reactions",
                {"kind": "thanks"},
            ),
        ],
        {"notification:reaction": to("author")},
    ),
    Scenario(
        "marking notifications read reaches the reader's other pages only",
        _react_then_read,
        {"notification:reaction": to("author"), "notifications.read": to("author")},
    ),
    Scenario(
        "a moderator's removal reaches the author only (with the reason)",
        lambda w: call(
            w,
            "mod_closed",
            "DELETE",
            f"/api/v1/posts/{w.base['closed']['anon']}?reason=Relationship%20removal%20reason",
            status=204,
        ),
        {"notification:moderation": to("author")},
    ),
    Scenario(
        "a report in the open community reaches its moderators' queues only",
        lambda w: _report(w, "other", w.base["open"]["post"]),
        {"moderation.queue": to("mod_open", "site_mod", "admin")},
    ),
    Scenario(
        "a report and a hide in the private community: its moderators' queues, the author",
        _report_then_hide,
        {
            "moderation.queue": to("mod_closed", "site_mod", "admin"),
            "notification:moderation": to("invitee"),
        },
    ),
    Scenario(
        "an appeal in the open community reaches moderators who did not take the action",
        lambda w: _appeal_by_author(w, "open"),
        {"moderation.appeal": to("site_mod", "admin")},
    ),
    Scenario(
        "an appeal in the private community reaches moderators who did not take the action",
        lambda w: _appeal_by_author(w, "closed"),
        {"moderation.appeal": to("site_mod", "admin")},
    ),
    Scenario(
        "an appeal's decision reaches the appellant only",
        _decide,
        {"notification:moderation": to("author")},
    ),
    Scenario(
        "asking to talk to someone reaches crisis responders (and admins' queue) only",
        lambda w: call(w, "author", "POST", "/api/v1/safety/talk", {}, 202),
        {
            "notification:safety": to("responder", may=("admin",)),
            "safety.case": to("responder", "admin"),
        },
    ),
    Scenario(
        "naming a trusted person reaches that person only",
        lambda w: call(
            w,
            "author",
            "PUT",
            "/api/v1/me/future-self",
            {"hold_hours": 6, "trusted_username": "rel_other"},
        ),
        {"notification:future_self": to("other")},
    ),
    Scenario(
        "a finished export reaches its owner only",
        _export,
        {"privacy.export_ready": to("author")},
    ),
    # Regression: queue updates reached moderators whose role was not in effect (no MFA).
    Scenario(
        "queues reach only staff whose role is in effect (MFA on)",
        _staff_with_mfa,
        {
            "moderation.queue": to("site_mod"),
            "safety.case": to("responder"),
            "notification:safety": to("responder"),
        },
        staff_mfa=True,
    ),
]


def event_key(type_: str, data: dict[str, Any]) -> str:
    return f"notification:{data.get('kind')}" if type_ == "notification" else type_


@pytest.mark.django_db
class TestRelationships:
    """Routes, lists and events against one world (see the module docstring)."""

    @pytest.mark.parametrize(("case", "place"), ROWS, ids=[c.ident(p) for c, p in ROWS])
    def test_route(self, world: World, case: Case, place: str) -> None:
        assert set(case.expect[place]) == set(RELATIONS), case.ident(place)
        names = case.names()
        values = None if case.fresh else resolve(world, place, names, fresh=False)
        for relation in RELATIONS:
            if case.fresh:
                values = resolve(world, place, names, fresh=True)
            assert values is not None
            check_cell(world, case, place, relation, values)

    @pytest.mark.parametrize(
        ("listing", "place"), LIST_ROWS, ids=[li.ident(p) for li, p in LIST_ROWS]
    )
    def test_list(self, world: World, listing: Listing, place: str) -> None:
        values = {
            **resolve(world, place, set(listing.makes), fresh=False),
            "place": place,
            "word": SEARCH_WORDS[place],
        }
        seen = set()
        for relation in RELATIONS:
            client = world.clients[person_for(place, relation)]
            client.cookies.pop("messages", None)
            response = client.get(listing.path.format(**values))
            status = listing.status.get(relation, 200)
            assert response.status_code == status, (listing.ident(place), relation, response)
            if status == 200 and listing.found(response, values):
                seen.add(relation)
        assert seen == set(listing.sees[place]), listing.ident(place)

    @pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.title for s in SCENARIOS])
    def test_event(self, world: World, settings: Any, scenario: Scenario) -> None:
        from alongside.core.models import Event

        settings.STAFF_MFA_REQUIRED = scenario.staff_mfa
        person_of = {world.uid(p): p for p in PEOPLE}
        mark = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        scenario.run(world)
        got: dict[str, set[str]] = {}
        for user_id, type_, data in Event.objects.filter(pk__gt=mark).values_list(
            "user_id", "type", "data"
        ):
            got.setdefault(event_key(type_, data), set()).add(person_of[user_id])
        from alongside.moderation.models import Flag

        flags = list(Flag.objects.order_by("-pk").values_list("kind", "rule")[:3])
        assert set(got) == set(scenario.deliveries), ("event types published", got, flags)
        for key, delivery in scenario.deliveries.items():
            assert delivery.receive <= got[key], (key, "missing", delivery.receive - got[key])
            never = got[key] - delivery.receive - delivery.may
            assert not never, (key, "must never receive it", never)

    @pytest.mark.parametrize("place", ["open", "closed"])
    def test_reports_and_concerns_reach_staff_only_from_people_who_see_the_post(
        self, world: World, place: str
    ) -> None:
        """Everyone signed in gets the same 202 (reporting must not reveal whether a post
        exists); only reports and concerns by people who can see the post reach a queue. In
        the private community, strangers' reports are stored and go nowhere."""
        from alongside.moderation.models import Report
        from alongside.safety.models import Concern

        readers = {"open": SIGNED_IN, "closed": INSIDERS}[place]
        for relation in RELATIONS:
            person = person_for(place, relation)
            post = make_thread(world, place, author="invitee")["post"]
            for path, body in (
                (
                    "/api/v1/reports",
                    {"target_type": "post", "target_id": str(post), "reason": "spam"},
                ),
                ("/api/v1/safety/concerns", {"target_type": "post", "target_id": str(post)}),
            ):
                response = world.clients[person].post(path, body, content_type="application/json")
                assert response.status_code == (401 if person is None else 202), (relation, path)
            if person is None:
                continue
            reporter = world.uid(person)
            reached = Report.objects.filter(reporter_id=reporter, item__isnull=False).exists()
            worried = Concern.objects.filter(reporter_id=reporter, case__isnull=False).exists()
            assert reached == (relation in readers), (relation, "report reached the queue")
            assert worried == (relation in readers), (relation, "concern opened a case")

    def test_overturning_a_move_brings_its_queue_items_back(self, world: World) -> None:
        """The other half of the moved-items regression: reversing a move (an appeal
        overturned it) returns the thread's items to the community it came back to."""
        from alongside.accounts.selectors import actor_for_user
        from alongside.moderation.actions import action_reverse
        from alongside.moderation.models import Item, ModAction

        item_id = _item_moved_here(world, "closed")
        assert Item.objects.get(pk=item_id).community == PLACES["closed"].slug
        move = ModAction.objects.get(
            action="move", data__thread_id__isnull=False, item__isnull=False
        )
        action_reverse(
            actor=actor_for_user(world.users["admin"]), action=move, reason="Appeal overturned"
        )
        assert Item.objects.get(pk=item_id).community == PLACES["open"].slug
        moved_back = world.clients["mod_open"].get(f"/api/v1/moderation/items/{item_id}")
        assert moved_back.status_code == 200
        assert (
            world.clients["mod_closed"].get(f"/api/v1/moderation/items/{item_id}").status_code
            == 404
        )


# --- meta-tests: nothing is left out of the tables --------------------------------------------

#: Route prefixes handed whole to other code (as in the role matrix).
DELEGATED = ("accounts/", "_allauth/", "static/")


def _normalise(route: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", route.lstrip("^").rstrip("$"))


def test_every_route_with_a_parameter_has_relationship_rows_or_a_reason() -> None:
    routes = {_normalise(r) for r in all_routes() if not r.startswith(DELEGATED)}
    tabled = {_normalise(c.route) for c in CASES} | {_normalise(li.route) for li in LISTINGS}
    missing = sorted(
        r for r in routes if "<" in r and r not in tabled and r not in NOT_COMMUNITY_SCOPED
    )
    assert not missing, f"routes with a parameter but no relationship rows: {missing}"
    stale = sorted((tabled | set(NOT_COMMUNITY_SCOPED)) - routes)
    assert not stale, f"rows for routes that no longer exist: {stale}"
    assert not tabled & set(NOT_COMMUNITY_SCOPED), "a route is both tabled and excused"


def test_every_row_names_every_relationship() -> None:
    for case in CASES:
        for place, row in case.expect.items():
            assert place in PLACES and set(row) == set(RELATIONS), case.ident(place)
    for listing in LISTINGS:
        for place, seen in listing.sees.items():
            assert place in PLACES and seen <= set(RELATIONS), listing.ident(place)


def _src() -> Path:
    import alongside

    return Path(alongside.__file__).parent


def _string_constants(trees: dict[Path, ast.Module]) -> dict[str, set[str]]:
    """Module-level ``NAME = "text"`` assignments of every module, by name."""
    found: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, set()).add(node.value.value)
    return found


def published_event_types() -> dict[str, list[str]]:
    """Every event type the source publishes: the ``type`` of each ``event_publish`` call,
    a literal or a module constant. One that cannot be resolved is reported as such (the
    meta-test then fails: a computed type would slip past the table)."""
    src = _src()
    trees = {path: ast.parse(path.read_text(), str(path)) for path in src.rglob("*.py")}
    constants = _string_constants(trees)
    found: dict[str, list[str]] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name != "event_publish":
                continue
            where = f"{path.relative_to(src)}:{node.lineno}"
            value = next((k.value for k in node.keywords if k.arg == "type"), None)
            types: set[str] = set()
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                types = {value.value}
            elif isinstance(value, ast.Name) and len(constants.get(value.id, ())) == 1:
                types = set(constants[value.id])
            for type_ in types or {f"<unresolved at {where}>"}:
                found.setdefault(type_, []).append(where)
    return found


#: Frames the socket sends itself, in answer to its own client: never another person's.
PROTOCOL_FRAMES = {"error": "a bad client message", "pong": "a ping"}


def test_every_published_event_type_has_rows() -> None:
    from alongside.notifications.models import Notification

    published = published_event_types()
    assert "notification" in published and "moderation.queue" in published, published
    keys = {key for s in SCENARIOS for key in s.deliveries}
    expected = {t for t in published if t != "notification"} | {
        f"notification:{kind}" for kind in Notification.Kind.values
    }
    missing = sorted(expected - keys)
    assert not missing, f"event types (or notification kinds) with no delivery rows: {missing}"
    stale = sorted(keys - expected)
    assert not stale, f"delivery rows for event types nobody publishes: {stale}"


def test_events_reach_sockets_only_through_event_publish() -> None:
    """The stream is per person because every event goes through ``event_publish`` (one
    user id each); a direct insert or push elsewhere would bypass the table above."""
    src = _src()
    offenders = []
    for path in src.rglob("*.py"):
        if path == src / "core" / "realtime.py":
            continue
        text = path.read_text()
        for pattern in (
            r"\bEvent\.objects\.(create|bulk_create)",
            r"\brealtime\.push\(",
            r"group_send\(",
        ):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(src)}: {pattern}")
    assert not offenders, offenders


def test_the_socket_sends_no_other_frames_of_its_own() -> None:
    tree = ast.parse((_src() / "core" / "consumers.py").read_text())
    frames = {
        value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for key, value in zip(node.keys, node.values, strict=True)
        if isinstance(key, ast.Constant)
        and key.value == "type"
        and isinstance(value, ast.Constant)
        and isinstance(value.value, str)
    }
    assert frames == set(PROTOCOL_FRAMES), frames


# --- the socket itself: each person's stream carries their events and nobody else's -----------


def _socket_people() -> dict[str, tuple[Any, Client]]:
    from alongside.accounts.models import User
    from alongside.accounts.services import role_grant
    from alongside.communities.models import Membership
    from alongside.communities.services import community_create
    from alongside.privacy.services import consent_grant

    closed = community_create(slug="ws-closed", name="Closed", visibility="private")
    community_create(slug="ws-open", name="Open")
    people: dict[str, tuple[Any, Client]] = {}
    for person in ("author", "replier", "mod_closed", "mod_open", "stranger"):
        user = User.objects.create_user(username=f"ws_{person}", password=None, birth_year=1990)
        consent_grant(user_id=user.pk, purpose="terms", version=None, source="signup")
        grant_trust(user.pk, 1)
        client = Client()
        client.force_login(user)
        people[person] = (user, client)
    for person in ("author", "replier"):
        Membership.objects.create(user=people[person][0], community=closed)
    role_grant(user_id=people["mod_closed"][0].pk, role="moderator", community="ws-closed")
    role_grant(user_id=people["mod_open"][0].pk, role="moderator", community="ws-open")
    return people


def _socket_story(people: dict[str, tuple[Any, Client]]) -> None:
    """In the private community: the author opens a thread; a member replies to it,
    mentioning the stranger and the other community's moderator, and reports it."""

    def post(person: str, path: str, body: dict[str, Any], status: int) -> Any:
        response = people[person][1].post(path, body, content_type="application/json")
        assert response.status_code == status, (person, path, response.content)
        return response.json()

    thread = post(
        "author",
        "/api/v1/communities/ws-closed/threads",
        {"title": "A long week", "body": "It has been a long week."},
        201,
    )
    post(
        "replier",
        f"/api/v1/threads/{thread['id']}/posts",
        {"body": "Same here. @ws_stranger @ws_mod_open you would understand."},
        201,
    )
    post(
        "replier",
        "/api/v1/reports",
        {"target_type": "thread", "target_id": str(thread["id"]), "reason": "spam"},
        202,
    )


@pytest.mark.django_db(transaction=True)
async def test_each_socket_carries_its_own_persons_events_and_nobody_elses(
    settings: Any,
) -> None:
    from channels.db import database_sync_to_async

    from alongside.asgi import application
    from tests.core.wsclient import WebsocketCommunicator

    settings.STAFF_MFA_REQUIRED = False
    people = await database_sync_to_async(_socket_people)()

    async def stream(person: str) -> Any:
        cookie = f"sessionid={people[person][1].cookies['sessionid'].value}".encode()
        socket = WebsocketCommunicator(
            application,
            "/ws/events",
            headers=[(b"origin", b"http://testserver"), (b"cookie", cookie)],
        )
        connected, _ = await socket.connect(timeout=10)
        assert connected
        await socket.send_json_to({"resume_from": 0})
        return socket

    async def until_pong(socket: Any) -> list[dict[str, Any]]:
        await socket.send_json_to({"type": "ping"})
        frames = []
        while (frame := await socket.receive_json_from(timeout=10))["type"] != "pong":
            frames.append(frame)
        return frames

    live = await stream("author")
    await until_pong(live)
    await database_sync_to_async(_socket_story)(people)
    while (frame := await live.receive_json_from(timeout=10))["type"] != "notification":
        pass
    assert frame["data"]["kind"] == "reply"
    await live.disconnect()

    # What each person's stream holds, replayed from the start: exactly their own events.
    expected = {
        "author": ["notification"],
        "replier": [],
        "mod_closed": ["moderation.queue"],
        "mod_open": [],
        "stranger": [],
    }
    for person, types in expected.items():
        socket = await stream(person)
        frames = await until_pong(socket)
        assert [f["type"] for f in frames] == types, (person, frames)
        if person == "stranger":
            # Frames of the socket's own (errors, pongs) answer only the socket that asked.
            await socket.send_to("not json")
            assert (await socket.receive_json_from(timeout=10))["type"] == "error"
        await socket.disconnect()
