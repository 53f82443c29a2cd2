"""Hostile input: every write endpoint and form holds (issue 6, CONVENTIONS rule 7).

A corpus — XSS payloads, huge bodies, deeply nested JSON, invalid UTF-8, lone surrogates, NUL
bytes, direction overrides and zero-width tricks, SQL-looking strings, enormous Markdown, wrong
JSON types, out-of-range numbers and hostile path parameters — is sent to every write operation
of the API, enumerated from the OpenAPI document (a new write endpoint is covered without
touching this file), and to every HTML route that accepts a form post. Each answer must be a 2xx
or a 4xx with the JSON error shape, never a 5xx, and a refused request must change no row.
Stored XSS must come back inert in every page. The parsers that see whole posts — Markdown
rendering and sanitising, hashtag and mention extraction, the risk engine — must stay linear and
finish 100 kB of adversarial text in < 50 ms of CPU (the moderation screen has its own timing
test in tests/moderation/test_screening_timing.py).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client

from tests.conftest import grant_trust
from tests.safety.detection.budget import budget_for, cpu_time, measured_against_budget

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PASSWORD = "a calm harbour 42"
MARK = "xssmark"

# --- the corpus ---------------------------------------------------------------------------------

XSS = (
    f"<script>{MARK}(1)</script>"
    f'<img src=x onerror="{MARK}(2)">'
    f'"><svg onload={MARK}(3)>'
    f'\'><a href="javascript:{MARK}(4)">x</a>'
    f"[click](javascript:{MARK}(5)) ![i](javascript:{MARK}(6))"
    f'<iframe src="data:text/html,{MARK}(7)"></iframe>'
    f'[y](&#106;avascript:{MARK}(8)) <a href="jav&#x09;ascript:{MARK}(9)">z</a>'
    f'<a href="  javascript:{MARK}(13)" style="x:expression({MARK}(14))">w</a>'
    f"<style>b{{background:url(javascript:{MARK}(10))}}</style>"
    f"</textarea><script>{MARK}(11)</script>{{{{ {MARK} }}}}{{% debug %}}"
    f"<math><mtext><table><mglyph><style><img src=x onerror={MARK}(12)>"
)
SHORT_XSS = f'"><img src=x onerror={MARK}(20)><script>{MARK}(21)</script>'
TINY_XSS = f"<svg onload={MARK}(22)>"
#: For stored XSS: the longest payload a field accepts is kept.
LADDER = (XSS, SHORT_XSS, TINY_XSS)

#: Strings put into every string field, one field at a time.
STRINGS: dict[str, str] = {
    "markup": XSS + " '; DROP TABLE accounts_user; -- \" OR 1=1 -- {{ request.user }} ${7*7} %s",
    "controls": "a\x00b\x00 \x01\x07\x1b[31m\x7f \u202eevil\u202c ad\u200bmin \u2066x\u2069",
    "invisible only": " \u202e\u200b\u2066\ufeff\u00ad \t\n\u3000\u00a0 ",
    "lone surrogate": "half \ud800 a pair \udfff",
    "over every limit": "\u00e9" * 100_001,
    "enormous markdown": (
        "- [x](http://a.b) **a** _b_ `c` #tag @hostile_other\n> [" + "![" * 40 + "\n"
    )
    * 300,
}
#: Values of the wrong type or out of range, one per field (in turn).
WRONG: list[Any] = [
    None,
    [],
    {"$gt": ""},
    True,
    -1,
    2**63,
    10**40,
    1.5,
    "12",
    [[["deep"]]],
]
#: Path parameters that are not what a route expects.
PATH_VALUES = {
    "integer": ["0", "99999999999999999999", "1.5", "%00"],
    "string": ["%00", "%3Cscript%3E", "a" * 3000, "%E2%80%AE%FF"],
}

#: Whole bodies, sent to every write operation (with and without a body of its own).
RAW_BODIES: dict[str, tuple[bytes, str]] = {
    "malformed json": (b'{"body": "unterminated', "application/json"),
    "invalid utf-8": (b'{"body": "\xff\xfe\xc3\x28 \xed\xa0\x80"}', "application/json"),
    "a list": (b"[1, 2, 3]", "application/json"),
    "nested 100000 deep": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "nan": (b'{"hours": NaN, "hold_hours": Infinity, "granted": -Infinity}', "application/json"),
    "nul key": (b'{"\\u0000": 1, "body\\u0000": "x", "text": "\\u0000"}', "application/json"),
    "3 MB": (b'{"body": "' + b"a" * 3_000_000 + b'"}', "application/json"),
    "form encoded": (b"body=%3Cscript%3E&title=x&text=%00", "application/x-www-form-urlencoded"),
}

# --- the API's write operations, from its OpenAPI document ---------------------------------------


def _openapi() -> dict[str, Any]:
    from alongside.api import api

    return api.get_openapi_schema()


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI spelling: /api/v1/posts/{post_id}
    params: tuple[tuple[str, str, str], ...]  # (name, in, type)
    body_schema: dict[str, Any] | None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def write_operations(document: dict[str, Any]) -> list[Operation]:
    ops = []
    for path, items in document["paths"].items():
        for method, op in items.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            params = tuple(
                (p["name"], p["in"], _param_type(p["schema"])) for p in op.get("parameters", [])
            )
            ops.append(Operation(method.upper(), path, params, body.get("schema")))
    return ops


def _param_type(schema: dict[str, Any]) -> str:
    return "integer" if schema.get("type") == "integer" else "string"


WRITE_OPS = write_operations(_openapi())

#: A valid body per operation, so that hostile values in one field reach the services behind
#: the schema. Operations not listed get a body built from their schema.
BASELINES: dict[str, dict[str, Any]] = {
    "PATCH /api/v1/me": {
        "display_name": "Calm Harbour",
        "pronouns": "they/them",
        "locale": "en",
        "country": "GB",
        "time_zone": "Europe/London",
        "topic_filters": {"grief": "collapse"},
        "muted_words": ["exams"],
        "notify": {"reply": True},
        "quiet_hours": {"start": "22:00", "end": "07:00"},
    },
    "POST /api/v1/me/blocks": {"username": "{other}", "kind": "mute"},
    "PUT /api/v1/me/future-self": {"hold_hours": 6, "trusted_username": "{other}"},
    "POST /api/v1/me/consents/{purpose}": {"granted": False, "version": "1"},
    "POST /api/v1/me/erase": {"password": "not the password at all"},
    "PUT /api/v1/me/safety-plan": {"warning_signs": "Not sleeping", "reasons_for_living": "Cats"},
    "POST /api/v1/safety/cases/{case_id}/notes": {"text": "Called and listened."},
    "POST /api/v1/safety/cases/{case_id}/resolve": {
        "outcome": "supported",
        "note": "Talked it through.",
        "level": "moderate",
    },
    "POST /api/v1/safety/cases/{case_id}/outreach": {"message": "Thinking of you today."},
    "POST /api/v1/safety/on-call": {"on_call": True, "hours": 4},
    "POST /api/v1/safety/concerns": {"target_type": "post", "target_id": "{post}", "note": "x"},
    "POST /api/v1/safety/talk": {"message": "I would like to talk to someone."},
    "PUT /api/v1/me/safety-settings": {"concern_outreach": False},
    "POST /api/v1/safety/assess": {"text": "Checking my draft before I post it.", "lang": "en"},
    "POST /api/v1/communities": {
        "slug": "new-place",
        "name": "New place",
        "description": "A place.",
        "rules": "Be kind.",
        "visibility": "public",
        "teen_friendly": False,
    },
    "POST /api/v1/communities/{slug}/invitations": {"username": "{other}"},
    "POST /api/v1/communities/{slug}/threads": {
        "title": "A hard week",
        "body": "Some days are heavier than others. #calm @{other}",
        "anonymous": False,
        "content_warning": {"topics": ["grief"], "text": "loss"},
        "tags": ["calm"],
    },
    "POST /api/v1/threads/{thread_id}/posts": {
        "body": "I hear you. @{other} #calm",
        "anonymous": False,
        "content_warning": {"topics": ["grief"], "text": "loss"},
        "reply_to": "{post}",
    },
    "POST /api/v1/threads/{thread_id}/lock": {"locked": True, "reason": "Cooling things down"},
    "PATCH /api/v1/posts/{post_id}": {
        "body": "Edited words.",
        "title": "An edited title",
        "content_warning": {"topics": ["grief"], "text": "loss"},
        "note": "",
    },
    "POST /api/v1/posts/{post_id}/reactions": {"kind": "hug"},
    "POST /api/v1/posts/{post_id}/reveal": {"reason": "Risk review of this thread"},
    "POST /api/v1/tags/{name}/block": {"blocked": True, "reason": "Spam tag"},
    "POST /api/v1/posts/{post_id}/approve": {"version": "1"},
    "POST /api/v1/notifications/read": {"ids": [1, 2]},
    "POST /api/v1/reports": {
        "target_type": "post",
        "target_id": "{post}",
        "reason": "spam",
        "note": "Looks like spam.",
    },
    "POST /api/v1/moderation/items/{item_id}/actions": {
        "action": "add_content_warning",
        "reason": "A warning helps readers",
        "topics": ["grief"],
        "text": "loss",
    },
    "POST /api/v1/moderation/actions/{action_id}/appeal": {"text": "Please look again."},
    "POST /api/v1/moderation/appeals/{appeal_id}/decide": {"decision": "uphold", "note": "ok"},
    "POST /api/v1/moderation/users/{username}/notes": {"text": "Kind but brisk."},
    "POST /api/v1/moderation/watched-words": {
        "community": "",
        "pattern": "badword",
        "action": "flag",
        "extra": "",
    },
    "POST /api/v1/moderation/watched-words/import": {"community": "", "text": "badword,flag"},
}
#: Further bodies worth sending whole: numbers that overflow the things they become.
EXTRA_BODIES: dict[str, list[dict[str, Any]]] = {
    "POST /api/v1/moderation/items/{item_id}/actions": [
        {"action": "mute", "reason": "Cooling off", "hours": n} for n in (10**12, 2**63, -5)
    ]
    + [{"action": "suspend", "reason": "Cooling off", "days": n} for n in (10**9, 2**63, -1)]
    + [{"action": "slow_mode", "reason": "Slow down", "seconds": n} for n in (10**15, -1)]
    + [{"action": "move", "reason": "Better place", "community": "../x"}],
    "POST /api/v1/safety/on-call": [{"on_call": True, "hours": n} for n in (10**9, 2**63, -3)],
    "POST /api/v1/safety/cases/{case_id}/resolve": [{"outcome": "supported", "level": "x" * 100}],
    "PUT /api/v1/me/future-self": [{"hold_hours": 10**20, "trusted_username": None}],
    "POST /api/v1/notifications/read": [{"ids": [2**63, -(2**63) - 1, 10**30]}],
    "POST /api/v1/threads/{thread_id}/posts": [{"body": "x", "reply_to": 2**62}],
    "POST /api/v1/reports": [
        {"target_type": "post", "target_id": n, "reason": "spam"}
        for n in (2**63, -1, 10**30, "99999999999999999999999", "1 OR 1=1")
    ],
    "POST /api/v1/safety/concerns": [
        {"target_type": "post", "target_id": n} for n in (2**63, -1, 10**30, "1e9", "<b>")
    ],
}


def _example(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A plain valid-looking value for a schema (for operations without a baseline)."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "anyOf" in schema:
        return _example(schema["anyOf"][0], components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {
            name: _example(sub, components) for name, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [_example(schema.get("items", {}), components)]
    return {"integer": 1, "number": 1, "boolean": True}.get(kind or "", "calm words")


# --- the world each operation is attacked in --------------------------------------------------


@dataclass
class World:
    client: Client
    values: dict[str, Any] = field(default_factory=dict)


def build_world(settings: Any) -> World:
    """A staff member (administrator, moderator, crisis responder) who wrote a thread, and the
    objects every path parameter can name: an open queue item, an action on the caller and a
    pending appeal against another moderator's action, a crisis case, a watched word."""
    from alongside.accounts.models import User
    from alongside.accounts.selectors import actor_for_user
    from alongside.accounts.services import role_grant
    from alongside.communities.access import place_for
    from alongside.communities.services import (
        community_create,
        membership_join,
        post_create,
        thread_create,
    )
    from alongside.moderation.models import Appeal, Item, ModAction, WatchedWord
    from alongside.privacy.models import ExportRequest
    from alongside.privacy.services import consent_grant
    from alongside.safety.cases import case_open_or_update

    settings.PASSWORD_HASHERS = FAST_HASHER
    settings.STAFF_MFA_REQUIRED = False
    users = {}
    for name in ("hostile_staff", "hostile_other", "hostile_mod"):
        users[name] = User.objects.create_user(username=name, password=PASSWORD, birth_year=1980)
        consent_grant(user_id=users[name].pk, purpose="terms", version=None, source="signup")
    staff, other, mod = users["hostile_staff"], users["hostile_other"], users["hostile_mod"]
    for role in ("admin", "moderator", "crisis_responder"):
        role_grant(user_id=staff.pk, role=role)
    role_grant(user_id=mod.pk, role="moderator")
    grant_trust(staff.pk, 2)
    community = community_create(slug="hostile", name="Hostile", teen_friendly=True)
    actor = actor_for_user(staff)
    membership_join(actor=actor, place=place_for(actor, community))
    written = thread_create(
        actor=actor, place=place_for(actor, community), title="Opening", body="Opening #calm"
    )
    post = written.post.pk
    reply = post_create(
        actor=actor_for_user(other),
        thread=written.thread,
        place=place_for(actor_for_user(other), community),
        body="A reply from another member.",
    ).post.pk
    item = Item.objects.create(
        target_type="post", target_id=str(post), community="hostile", author_id=staff.pk
    )

    def action() -> ModAction:
        return ModAction.objects.create(
            moderator=mod,
            action="hide",
            target_type="post",
            target_id=str(post),
            community="hostile",
            subject=staff,
            reason="Hidden for a while.",
            data={"post_id": post, "previous": "visible"},
        )

    appealable = action()
    appeal = Appeal.objects.create(action=action(), appellant=other, text="Please look again.")
    case, _opened = case_open_or_update(person_id=other.pk, level="high", source="asked")
    word = WatchedWord.objects.create(pattern="hostileword", action="flag")
    export = ExportRequest.objects.create(user=staff)
    client = Client()
    client.force_login(staff)
    client.get("/api/v1/me")  # the first request records the session (allauth usersessions)
    return World(
        client=client,
        values={
            "slug": "hostile",
            "thread_id": written.thread.pk,
            "post_id": post,
            "post": post,
            "item_id": item.pk,
            "action_id": appealable.pk,
            "appeal_id": appeal.pk,
            "case_id": case.pk,
            "word_id": word.pk,
            "username": other.username,
            "other": other.username,
            "purpose": "research",
            "kind": "hug",
            "name": "calm",
            # the names tests/privacy/test_anonymity_crawl.py fills page paths with
            "thread": written.thread.pk,
            "reply": reply,
            "item": item.pk,
            "action": appealable.pk,
            "appeal": appeal.pk,
            "case": case.pk,
            "word": word.pk,
            "export": export.pk,
            "tag": "calm",
        },
    )


def _fill(value: Any, values: dict[str, Any]) -> Any:
    """Baseline placeholders: "{post}" becomes the post's id (an int when the whole string)."""
    if isinstance(value, str):
        whole = re.fullmatch(r"\{(\w+)\}", value)
        if whole:
            return values[whole.group(1)]
        return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), value)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


# --- checking answers -----------------------------------------------------------------------------

#: Tables a refused request may still write, and why.
MAY_CHANGE_ON_REFUSAL = {
    "core_ratelimitwindow": "rate limits count attempts, refused ones too",
}
#: Audit entries a refused form may add: it shows the page again, and reading private data
#: (a crisis case, notes about a person) is audited whatever brought the reader there.
READ_AUDITS = {"safety.case.view", "moderation.notes_read"}


def _only_read_audits(changed: dict[str, tuple[int, int]]) -> bool:
    from alongside.core.models import AuditEntry

    if set(changed) != {"core_auditentry"}:
        return False
    before, after = changed["core_auditentry"]
    added = AuditEntry.objects.order_by("-id").values_list("action", flat=True)[: after - before]
    return after > before and set(added) <= READ_AUDITS


def _tables() -> list[str]:
    names = {
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(names - set(MAY_CHANGE_ON_REFUSAL))


def table_counts() -> dict[str, int]:
    tables = _tables()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables))
        row = cursor.fetchone()
    return dict(zip(tables, row, strict=True))


def error_shape_problem(response: Any) -> str | None:
    """None when a 4xx answer is the documented JSON error ``{detail, code, field?}``."""
    if response.get("Content-Type", "").split(";")[0] != "application/json":
        return f"content type {response.get('Content-Type')!r}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return "not JSON"
    if not isinstance(body, dict) or not {"detail", "code"} <= set(body) <= {
        "detail",
        "code",
        "field",
    }:
        return f"shape {body!r:.200}"
    if not isinstance(body["detail"], str) or not isinstance(body["code"], str):
        return f"types {body!r:.200}"
    if "Traceback" in body["detail"] or 'File "' in body["detail"]:
        return "traceback in detail"
    return None


@dataclass
class Attack:
    label: str
    path: str
    body: bytes | None
    content_type: str = "application/json"


@dataclass
class Outcome:
    failures: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    sent: int = 0
    counts: dict[str, int] | None = None  # rows before the next request

    def fail(self, message: str) -> None:
        self.failures.append(message)


def send(client: Client, method: str, attack: Attack, outcome: Outcome, *, api: bool) -> Any:
    """``api``: /api/v1, whose errors have the documented JSON shape; otherwise a form (or
    allauth's own JSON API, whose error shape is allauth's)."""
    return _send(client, method, attack, outcome, api=api)


def _send(client: Client, method: str, attack: Attack, outcome: Outcome, *, api: bool) -> Any:
    """One request, in a savepoint so that a crash cannot break the rest of the run. A refused
    request (4xx, or for a form a 200 that shows the form again) must leave every table as it
    was; the rows after one request are the rows before the next."""
    before = outcome.counts if outcome.counts is not None else table_counts()
    label = f"{method} {attack.path[:100]} [{attack.label}]"
    kwargs: dict[str, Any] = {}
    if attack.body is not None:
        kwargs = {"data": attack.body, "content_type": attack.content_type}
    outcome.sent += 1
    try:
        with transaction.atomic():
            response = getattr(client, method.lower())(attack.path, **kwargs)
    except Exception as exc:  # a crash is what this test looks for; report every one
        outcome.fail(f"{label}: raised {type(exc).__name__}: {str(exc)[:160]}")
        outcome.counts = None
        return None
    status = response.status_code
    outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
    after = outcome.counts = table_counts()
    if status >= 500:
        outcome.fail(f"{label}: {status} {response.content[:160]!r}")
    elif status >= 400 or (status == 200 and _form_shown_again(attack.path, api)):
        if api and (problem := error_shape_problem(response)):
            outcome.fail(f"{label}: {status} error body: {problem}")
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        if changed and not _only_read_audits(changed):
            outcome.fail(f"{label}: refused with {status} but wrote rows {changed}")
    return response


#: Form routes whose success is a 200 page rather than a redirect (elsewhere a 200 answer to
#: a form post is the form shown again with its errors), and why.
SUCCESS_IS_A_PAGE = {
    "p/<int:post_id>/reveal/": "the revealed author is shown at once, not behind a redirect",
}


def _form_shown_again(path: str, api: bool) -> bool:
    return not api and not path.startswith("/_allauth/") and not _shows_its_result(path)


def _shows_its_result(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        return resolve(path.split("?", maxsplit=1)[0]).route in SUCCESS_IS_A_PAGE
    except Resolver404:
        return False


class _Rollback(Exception):
    """Undoes one operation's accepted writes, so every operation meets the same world."""


def attack_each(
    world: World, targets: list[Any], attacks: Callable[[Any], Iterator[tuple[str, Attack]]]
) -> Outcome:
    outcome = Outcome()
    for target in targets:
        cookies = copy.deepcopy(world.client.cookies)  # a sign-out is undone with the rows
        try:
            with transaction.atomic():
                outcome.counts = None
                for method, attack in attacks(target):
                    send(world.client, method, attack, outcome, api=attack.path.startswith("/api/"))
                raise _Rollback
        except _Rollback:
            pass
        world.client.cookies = cookies
    return outcome


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _leaves(sub, (*path, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from _leaves(sub, (*path, index))
    else:
        yield path, value


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replaced(copy[head], rest, new)
    return copy


def concrete_path(op: Operation, values: dict[str, Any]) -> str:
    path = op.path
    for name, where, _kind in op.params:
        if where == "path":
            path = path.replace(f"{{{name}}}", str(values[name]))
    return path


def baseline_body(op: Operation, values: dict[str, Any], document: dict[str, Any]) -> Any:
    if str(op) in BASELINES:
        return _fill(BASELINES[str(op)], values)
    if op.body_schema is not None:
        return _example(op.body_schema, document["components"]["schemas"])
    return None


def encoded(body: Any) -> bytes:
    return json.dumps(body).encode()


def api_attacks(op: Operation, world: World, document: dict[str, Any]) -> Iterator[Attack]:
    key = str(op)
    values = world.values
    path = concrete_path(op, values)
    query = [p for p in op.params if p[1] == "query"]
    baseline = baseline_body(op, values, document)

    # Hostile path parameters (the body, if any, stays valid).
    for name, where, kind in op.params:
        if where != "path":
            continue
        for bad in PATH_VALUES[kind]:
            bad_path = op.path
            for other, other_where, _k in op.params:
                if other_where == "path":
                    replacement = bad if other == name else str(values[other])
                    bad_path = bad_path.replace(f"{{{other}}}", replacement)
            yield Attack(
                f"path {name}={bad[:20]}",
                bad_path,
                None if baseline is None else encoded(baseline),
            )
    # Hostile query parameters.
    for name, _where, _kind in query:
        for label, text in STRINGS.items():
            short = text[:6000]  # a URL, not a body
            raw = quote(short.encode("utf-8", "surrogatepass"))
            yield Attack(f"query {name}: {label}", f"{path}?{name}={raw}", None)
    # Whole hostile bodies.
    for label, (raw, content_type) in RAW_BODIES.items():
        yield Attack(f"body: {label}", path, raw, content_type)
    if baseline is None:
        return
    yield Attack("baseline", path, encoded(baseline))
    for extra in EXTRA_BODIES.get(key, []):
        yield Attack(f"extra {extra}"[:80], path, encoded(_fill(extra, values)))
    # Hostile strings, one leaf at a time; wrong types, two per leaf.
    leaves = list(_leaves(baseline))
    for index, (where, value) in enumerate(leaves):
        where_label = ".".join(map(str, where))
        if isinstance(value, str):
            for label, text in STRINGS.items():
                yield Attack(
                    f"{where_label}: {label}", path, encoded(_replaced(baseline, where, text))
                )
        wrong = WRONG[index % len(WRONG)]
        yield Attack(
            f"{where_label}: {wrong!r:.20}", path, encoded(_replaced(baseline, where, wrong))
        )
    # Unknown fields and a huge number of them.
    yield Attack(
        "unknown fields",
        path,
        encoded({**baseline, **{f"extra{i}": SHORT_XSS for i in range(500)}})
        if isinstance(baseline, dict)
        else b"{}",
    )


def test_the_write_operations_come_from_the_served_openapi_document(client: Client) -> None:
    served = client.get("/api/v1/openapi.json").json()
    assert [str(op) for op in write_operations(served)] == [str(op) for op in WRITE_OPS]
    assert len(WRITE_OPS) >= 40
    unknown = set(BASELINES) - {str(op) for op in WRITE_OPS}
    assert not unknown, f"baselines for operations that no longer exist: {unknown}"


@pytest.mark.django_db
def test_every_write_operation_survives_hostile_input(settings: Any) -> None:
    world = build_world(settings)
    document = _openapi()
    outcome = attack_each(
        world,
        WRITE_OPS,
        lambda op: ((op.method, attack) for attack in api_attacks(op, world, document)),
    )
    assert not outcome.failures, f"{len(outcome.failures)} failures:\n" + "\n".join(
        outcome.failures
    )
    # Each operation was reached: some attack got past the parser to the handler.
    assert outcome.sent > 20 * len(WRITE_OPS), outcome.sent
    assert {200, 201, 400, 404, 422} <= set(outcome.statuses), outcome.statuses


# --- HTML form posts -----------------------------------------------------------------------------

#: Form routes not attacked, and why.
FORMS_NOT_ATTACKED = {
    "accounts/logout/": "ends the session the rest of the run signs in with",
}


def _not_attacked(path: str) -> bool:
    return path.split("?", maxsplit=1)[0].lstrip("/") in FORMS_NOT_ATTACKED


TEXT_INPUTS = {"text", "search", "email", "password", "url", "tel", "number", "", "textarea"}


@dataclass
class Form:
    action: str
    fields: dict[str, str]  # name -> default value
    text_fields: list[str]
    other_fields: list[str]
    #: not seen on any page: posted with every field name any form has, all at once
    generic: bool = False
    areas: set[str] = field(default_factory=set)  # text fields that are <textarea>s


class FormHarvester(HTMLParser):
    """The POST forms of a page, with the values a browser would send unchanged."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "form":
            if attr.get("method", "get").lower() == "post":
                action = (attr.get("action") or self.page).split("#")[0]
                self._form = Form(action, {}, [], [])
            return
        form = self._form
        name = attr.get("name", "")
        if form is None or not name or name == "csrfmiddlewaretoken":
            return
        if tag == "input":
            kind = attr.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "file", "image"):
                if name and kind == "submit":
                    form.fields.setdefault(name, attr.get("value", ""))
                return
            if kind in ("checkbox", "radio") and "checked" not in attr:
                form.other_fields.append(name)
                return
            form.fields.setdefault(name, attr.get("value", "on" if kind == "checkbox" else ""))
            (form.text_fields if kind in TEXT_INPUTS else form.other_fields).append(name)
        elif tag == "textarea":
            self._textarea = name
            form.fields.setdefault(name, "")
            form.text_fields.append(name)
            form.areas.add(name)
        elif tag == "select":
            self._select = name
            form.other_fields.append(name)
        elif tag == "option" and self._select and self._select not in form.fields:
            form.fields[self._select] = attr.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def page_paths(values: dict[str, Any]) -> list[str]:
    """Every page of the site, with parameters filled as the anonymity crawl fills them."""
    from tests.privacy.test_anonymity_crawl import crawl_plan

    paths = []
    for route, templates in crawl_plan().items():
        if route.startswith(("api/", "_allauth/")):
            continue
        paths.extend(template.format(**values) for template in templates)
    return paths


def harvest_forms(client: Client, values: dict[str, Any]) -> dict[str, Form]:
    """Forms by action path (query strings kept: some actions carry the target)."""
    forms: dict[str, Form] = {}
    for page in page_paths(values):
        response = client.get(page)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        harvester = FormHarvester(page.split("?")[0])
        harvester.feed(response.content.decode())
        for form in harvester.forms:
            forms.setdefault(form.action, form)
    return forms


def _form_body(fields: dict[str, str]) -> bytes:
    return "&".join(
        f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in fields.items()
    ).encode()


FORM = "application/x-www-form-urlencoded"
#: Strings for one-line inputs (text areas get every string). A form cannot carry half a
#: surrogate pair: browsers send UTF-8, and bytes that are not are in RAW_FORMS.
FIELD_STRINGS = ("markup", "controls", "over every limit")
AREA_STRINGS = tuple(label for label in STRINGS if label != "lone surrogate")
RAW_FORMS: dict[str, bytes] = {
    "invalid utf-8": b"body=%FF%FE%ED%A0%80\xff&text=%C3%28&title=\xc3\x28&username=%ED%A0%80",
    "3 MB": b"body=" + b"a" * 3_000_000,
    "too many fields": "&".join(f"f{i}=x" for i in range(1200)).encode(),
    "nul everywhere": b"body=%00&text=%00&title=%00&username=%00&reason=%00&note=%00&q=%00",
}


def form_attacks(form: Form, names: list[str]) -> Iterator[tuple[str, Attack]]:
    """One field at a time: hostile strings into each text field, and the control string
    into every other field (choices, hidden ids, checkboxes)."""
    if form.generic:
        for label in ("markup", "controls", "enormous markdown"):
            body = _form_body(dict.fromkeys(names, STRINGS[label][:2000]))
            yield "POST", Attack(f"every field: {label}", form.action, body, FORM)
    for name in dict.fromkeys([] if form.generic else form.text_fields):
        # Text areas get every string; one-line inputs the markup, control and long ones.
        labels = AREA_STRINGS if name in form.areas else FIELD_STRINGS
        for label in labels:
            body = _form_body({**form.fields, name: STRINGS[label]})
            yield "POST", Attack(f"{name}: {label}", form.action, body, FORM)
    for name in dict.fromkeys([] if form.generic else form.other_fields):
        for label in ("controls",):
            body = _form_body({**form.fields, name: STRINGS[label]})
            yield "POST", Attack(f"{name}: {label}", form.action, body, FORM)
    for label, raw in RAW_FORMS.items():
        # Routes no page shows a form for get the bytes no browser would send; the size
        # limits are Django's own and the same for every route, so the forms people use do.
        if not form.generic or label == "invalid utf-8":
            yield "POST", Attack(label, form.action, raw, FORM)


def _form_routes(values: dict[str, Any], forms: dict[str, Form]) -> list[Form]:
    """Harvested forms, plus every other page route posted with every field name any form
    has (a form that no page shows still gets hostile input)."""
    names = sorted({n for f in forms.values() for n in (*f.text_fields, *f.other_fields)})
    targets = [f for action, f in forms.items() if not _not_attacked(action)]
    shown = {f.action.split("?")[0] for f in targets}
    for path in dict.fromkeys(p.split("?")[0] for p in page_paths(values)):
        if path in shown or _not_attacked(path):
            continue
        targets.append(Form(path, {}, names, [], generic=True))
    return targets


def attack_forms(world: World, forms: dict[str, Form]) -> None:
    # The pages show the forms people use most; a broken harvest would make this test hollow.
    for expected in ("/t/{thread}/reply/", "/c/{slug}/new/", "/report/", "/safety-plan/edit"):
        assert expected.format(**world.values) in {a.split("?")[0] for a in forms}, sorted(forms)
    targets = _form_routes(world.values, forms)

    def attacks(form: Form) -> Iterator[tuple[str, Attack]]:
        probe = world.client.post(form.action, {})
        if probe.status_code == 405:
            return
        yield from form_attacks(form, form.text_fields)

    outcome = attack_each(world, targets, attacks)
    assert not outcome.failures, f"{len(outcome.failures)} failures:\n" + "\n".join(
        outcome.failures
    )
    assert outcome.sent > 300, outcome.sent


# --- stored XSS comes back inert ------------------------------------------------------------------

DANGEROUS_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "style",
    "base",
    "link",
    "meta",
    "form",
    "img",
    "frame",
    "frameset",
    "video",
    "audio",
    "source",
    "mglyph",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
SCRIPT_TYPES = {"", "text/javascript", "module", "application/javascript"}


class InertCheck(HTMLParser):
    """Finds the payloads' marker anywhere it could run: an event handler, a style, a
    dangerous element or URL, or the body of an executable script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, given in attrs:
            value = given or ""
            if MARK not in value and MARK not in name:
                continue
            squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
            if (
                name.startswith("on")
                or name == "style"
                or tag in DANGEROUS_TAGS
                or MARK in name
                or (
                    name in URL_ATTRIBUTES
                    and squeezed.startswith(("javascript:", "vbscript:", "data:"))
                )
            ):
                self.problems.append(f"<{tag} {name}={value[:80]!r}>")
        if tag == "script":
            kind = dict(attrs).get("type") or ""
            self._script = kind.lower() in SCRIPT_TYPES

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and MARK in data:
            self.problems.append(f"script: {data[:80]!r}")


def live_markup(html: str) -> list[str]:
    check = InertCheck()
    check.feed(html)
    check.close()
    return check.problems


def test_the_inertness_check_sees_live_payloads() -> None:
    """The payloads, pasted raw into a page, are caught (the check is not blind)."""
    found = " ".join(live_markup(XSS))
    for kind in ("script:", "onerror", "onload", "javascript:", "data:", "style="):
        assert kind in found, (kind, found)
    assert live_markup(SHORT_XSS)
    from alongside.core.markdown import render_markdown

    assert not live_markup(render_markdown(XSS))


def _body_htmls(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, sub in value.items():
            if isinstance(sub, str) and key.endswith("html"):
                yield sub
            else:
                yield from _body_htmls(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from _body_htmls(sub)


@pytest.mark.django_db
def test_every_form_post_survives_hostile_input_and_stored_xss_stays_inert(settings: Any) -> None:
    """Two parts sharing one world and one harvest of the forms the pages show (each costs a
    walk of every page). First the form corpus, each form's writes rolled back; then the
    markup payload goes into every text field of every write operation and every form (what
    is accepted stays) and every page and API read is checked, as the writer, another member
    and a signed-out visitor."""
    world = build_world(settings)
    forms = harvest_forms(world.client, world.values)
    attack_forms(world, forms)
    stored_xss_is_inert(world, forms)


def stored_xss_is_inert(world: World, forms: dict[str, Form]) -> None:
    from alongside.accounts.models import User

    document = _openapi()
    stored = Outcome()

    def store(method: str, path: str, bodies: Iterator[tuple[bytes, str]], api: bool) -> None:
        """The longest payload the field takes: a shorter one when the longer is refused."""
        for body, content_type in bodies:
            response = send(
                world.client, method, Attack("xss", path, body, content_type), stored, api=api
            )
            if (
                response is not None
                and response.status_code < 400
                and (api or response.status_code != 200)
            ):
                return

    # Deletions are left out: what they remove could not be shown.
    for op in (op for op in WRITE_OPS if op.method != "DELETE"):
        baseline = baseline_body(op, world.values, document)
        for where, value in _leaves(baseline):
            if isinstance(value, str):
                bodies = (
                    (encoded(_replaced(baseline, where, x)), "application/json") for x in LADDER
                )
                store(op.method, concrete_path(op, world.values), bodies, api=True)
    for form in forms.values():
        if _not_attacked(form.action):
            continue
        for name in form.text_fields:
            bodies = ((_form_body({**form.fields, name: x}), FORM) for x in LADDER)
            store("POST", form.action, bodies, api=False)
    assert not stored.failures, "\n".join(stored.failures)
    assert stored.statuses.get(201, 0) + stored.statuses.get(303, 0) >= 20, stored.statuses

    other = Client()
    other.force_login(User.objects.get(username="hostile_other"))
    viewers = {"writer": world.client, "other member": other, "visitor": Client()}
    from tests.privacy.test_anonymity_crawl import crawl_plan

    paths = [t.format(**world.values) for ts in crawl_plan().values() for t in ts]
    paths += [f"/search/?q={MARK}", f"/api/v1/search?q={MARK}"]
    found: list[str] = []
    shown = 0
    pages_showing: set[str] = set()
    for viewer, client in viewers.items():
        for path in paths:
            if viewer == "visitor" and path.startswith("/api/"):
                continue  # signed out, the API reads are the public pages' data or a 401
            response = client.get(path)
            if response.status_code != 200 or getattr(response, "streaming", False):
                continue
            kind = response.get("Content-Type", "")
            text = response.content.decode("utf-8", "replace")
            shown += text.count(MARK)
            if MARK in text:
                pages_showing.add(path)
            if "json" in kind:
                htmls = list(_body_htmls(json.loads(text)))
            elif "html" in kind:
                htmls = [text]
            else:
                continue
            for html in htmls:
                found.extend(f"{viewer} {path}: {p}" for p in live_markup(html))
    assert not found, "\n".join(found[:50])
    assert shown > 50, "the payloads were not shown anywhere: the check would be hollow"
    # Threads, lists, feed, search, notifications, queue, cases, plan, settings, modlog...
    assert len(pages_showing) >= 40, "\n".join(sorted(pages_showing))


# --- the account API (allauth headless: not in the OpenAPI document) ------------------------------

ACCOUNT_CALLS: dict[str, dict[str, Any]] = {
    "/_allauth/app/v1/auth/signup": {
        "username": "newcomer",
        "password": "a calm harbour 77",
        "birth_year": 1990,
        "accept_terms": True,
        "email": "newcomer@example.org",
    },
    "/_allauth/app/v1/auth/login": {"username": "hostile_other", "password": PASSWORD},
    "/_allauth/app/v1/auth/password/request": {"email": "someone@example.org"},
    "/_allauth/app/v1/auth/reauthenticate": {"password": PASSWORD},
    "/_allauth/app/v1/account/password/change": {
        "current_password": PASSWORD,
        "new_password": "another calm harbour 9",
    },
    "/_allauth/app/v1/account/email": {"email": "second@example.org"},
    "/_allauth/app/v1/account/phone": {"phone": "+441234567890"},
}


def account_attacks(path: str) -> Iterator[tuple[str, Attack]]:
    baseline = ACCOUNT_CALLS[path]
    for name in baseline:
        for label in (*FIELD_STRINGS, "lone surrogate", "invisible only"):
            body = json.dumps({**baseline, name: STRINGS[label]}).encode()
            yield "POST", Attack(f"{name}: {label}", path, body)
        wrong = json.dumps({**baseline, name: [10**40, {"$ne": None}]}).encode()
        yield "POST", Attack(f"{name}: wrong type", path, wrong)
    for label, (raw, content_type) in RAW_BODIES.items():
        yield "POST", Attack(f"body: {label}", path, raw, content_type)


@pytest.mark.django_db
def test_account_endpoints_survive_hostile_input(settings: Any) -> None:
    """Sign-up, sign-in and password calls, signed out (a fresh client) and signed in with a
    session token; hostile passwords once reached the password hasher as half surrogates."""
    from alongside.accounts.models import User

    world = build_world(settings)
    signed_out = World(client=Client(), values=world.values)
    login = signed_out.client.post(
        "/_allauth/app/v1/auth/login",
        {"username": "hostile_staff", "password": PASSWORD},
        content_type="application/json",
    )
    token = login.json()["meta"]["session_token"]
    app = Client(HTTP_X_SESSION_TOKEN=token)
    users = User.objects.count()
    outcome = attack_each(signed_out, [p for p in ACCOUNT_CALLS if "/auth/" in p], account_attacks)
    signed_in = attack_each(
        World(client=app, values=world.values),
        [p for p in ACCOUNT_CALLS if "/auth/" not in p or "reauth" in p],
        account_attacks,
    )
    failures = outcome.failures + signed_in.failures
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
    assert User.objects.count() == users
    assert outcome.sent + signed_in.sent > 120


# --- ReDoS: the parsers that see whole posts stay linear and fast --------------------------------

SIZE = 100_000
BUDGET = 0.050  # seconds of CPU for 100 kB
#: A whole Markdown render is a parser (markdown-it) plus the sanitiser, not one regex: 100 kB
#: of table rows or setext headings is ~45 ms of real parsing work on this machine. It gets
#: three times the regex budget; what a ReDoS would break, linearity, is asserted below
#: (test_markdown_rendering_is_linear) and nh3's own quadratic case is bounded in
#: core.markdown.
RENDER_BUDGET = 0.150


def fill(unit: str, size: int = SIZE) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def doubling(fn_once: Callable[[], object], fn_twice: Callable[[], object]) -> tuple[float, float]:
    """CPU time of an input and of the same input twice over, measured until the doubled one
    costs under 2.5x (plus 2 ms) or three attempts have been made. A shared machine sometimes
    slows every run of one measurement (seen in CI: 18 ms, doubled 52 ms, where the same
    input reads 18 / 36 ms in isolation); a super-linear cost fails all three."""
    once = twice = 0.0
    for _ in range(3):
        once, twice = cpu_time(fn_once, runs=5), cpu_time(fn_twice, runs=5)
        if twice < 2.5 * once + 0.002:
            break
    return once, twice


def _markdown_inputs() -> dict[str, str]:
    from tests.core.test_markdown import ADVERSARIAL  # that file bounds them at 0.5 s wall

    return {
        **{name: fill(text) for name, text in ADVERSARIAL.items()},
        "no-break spaces": fill("\u00a0"),
        "ampersands": fill("&"),
        "ampersand spaces": fill("& "),
        "no-break and amp": fill("\u00a0&"),
        "named entities": fill("&amp;"),
        "crlf": fill("\r\n"),
        "comments": fill("<!--"),
        "link definitions": fill("[a]: http://x\n"),
        "setext": fill("a\n=\n"),
        "code fence": "```\n" + fill("\u00a0&<", SIZE - 8) + "\n```",
        "xss": fill(XSS),
        "direction tricks": fill("\u202eabc\u202d\u200b\u2066x\u2069 "),
        "nul": fill("a\x00"),
        "hash words": fill("#a#b#c "),
        "dotted mentions": fill("@a.b.c. "),
        "mixed markup": fill("*_`[<&|!"),
        "quote lists": fill("> - > - "),
        "cjk tags": fill("#失眠 #睡不着 @用户 "),
    }


MARKDOWN_INPUTS = _markdown_inputs()


def _markdown_functions() -> dict[str, Callable[[str], object]]:
    from alongside.core import markdown

    return {
        "render_markdown": markdown.render_markdown,
        # The parser itself: plain_text memoises excerpts, so a second timed run would be a
        # dictionary lookup.
        "plain_text": lambda text: markdown._plain_text(text, 200),
        "extract_hashtags": markdown.extract_hashtags,
        "extract_mentions": markdown.extract_mentions,
    }


@pytest.mark.parametrize("function", sorted(_markdown_functions()))
@pytest.mark.parametrize("name", sorted(MARKDOWN_INPUTS))
def test_markdown_handles_100_kb_of_adversarial_input_in_50_ms(function: str, name: str) -> None:
    fn, text = _markdown_functions()[function], MARKDOWN_INPUTS[name]
    budget = RENDER_BUDGET if function == "render_markdown" else BUDGET
    elapsed = cpu_time(lambda: fn(text), enough=budget)
    assert elapsed < budget, f"{function} on {name}: {elapsed * 1000:.1f} ms"


#: The inputs whose cost is dearest per character (nh3 entities and elements, markdown-it
#: blocks), and those that were quadratic in nh3 until text nodes were cut.
LINEAR_MARKDOWN = (
    "no-break spaces",
    "no-break and amp",
    "ampersands",
    "ampersand spaces",
    "entities",
    "lines",
    "table rows",
    "angle brackets",
    "code fence",
    "nested quotes",
)


@pytest.mark.parametrize("name", LINEAR_MARKDOWN)
def test_markdown_rendering_is_linear(name: str) -> None:
    from alongside.core.markdown import render_markdown

    small = MARKDOWN_INPUTS[name]
    large = small + small
    once, twice = doubling(lambda: render_markdown(small), lambda: render_markdown(large))
    assert twice < 2.5 * once + 0.002, f"{name}: {once * 1000:.1f} ms, doubled {twice * 1000:.1f}"


@pytest.mark.parametrize(
    "raw",
    [
        "<p>" + fill("\u00a0&amp;&lt;&gt;&quot;a", 9_000) + "</p>",
        "<pre><code>" + fill("x &amp; y\n", 9_000) + "</code></pre>",
        '<p><a href="https://example.org/a?b=1&amp;c=2">' + fill("&amp;", 9_000) + "</a></p>",
        "<p>" + "a" * 1_998 + "&amp;" * 1_000 + "b" * 1_997 + "&#38;&#x26;" * 300 + "</p>",
    ],
    ids=["entities", "code", "link text", "entity at the cut"],
)
def test_cutting_long_text_nodes_for_nh3_changes_nothing_in_the_output(raw: str) -> None:
    """The linear clean (text nodes cut by an element nh3 drops) gives what nh3 gives."""
    from alongside.core import markdown

    assert markdown._clean(raw) == markdown._CLEANER.clean(raw)


def test_hashtag_and_mention_patterns_alone_are_linear() -> None:
    """The exported patterns, used by forms and tag pages on their own."""
    from alongside.core.markdown import HASHTAG_RE, MENTION_RE

    cases = {
        "long tag": "#" + "a" * SIZE,
        "tag marks": "#" + fill("a\u0301"),
        "digits then letter": "#" + "1" * (SIZE - 2) + "a",
        "long name": "@" + fill("a."),
        "name punctuation": "@" + fill("a-+"),
        "at signs": fill("@a"),
        "hashes": fill("#_"),
    }
    for name, text in cases.items():
        for pattern in (HASHTAG_RE, MENTION_RE):
            elapsed = cpu_time(lambda p=pattern, t=text: list(p.finditer(t)), enough=BUDGET)
            assert elapsed < BUDGET, f"{pattern.pattern[:30]} on {name}: {elapsed * 1000:.1f} ms"
        elapsed = cpu_time(lambda t=text: HASHTAG_RE.fullmatch(t), enough=BUDGET)
        assert elapsed < BUDGET, f"fullmatch on {name}: {elapsed * 1000:.1f} ms"


def _risk_inputs() -> dict[str, str]:
    """Beyond tests/safety/detection/test_robustness.py: sentence, quote and negation
    structure the rules look around, scripts mixed, markup and invisible characters."""
    import random

    words = "i want to die not kill myself tonight she said never pills help me so tired"
    rng = random.Random(7)
    return {
        "pronoun runs": fill("i "),
        "want to want to": fill("want to "),
        "no sentence end": fill("i feel so tired and i want it to stop and "),
        "sentences": fill("I want to die. "),
        "questions": fill("should i kill myself? "),
        "negation chain": fill("not never no don't "),
        "open quotes": fill('"i want to die '),
        "chinese punctuation": fill("我。想。死。"),
        "chinese run": fill("我想死了我不想活"),
        "markup": fill("<script>alert('die')</script> > **i want to die** "),
        "urls": fill("http://kill.myself/die?x=1 "),
        "emoji": fill("😭💀 "),
        "no-break spaces": fill("\u00a0die\u00a0"),
        "direction tricks": fill("\u202ekill myself\u202c "),
        "hyphenated": fill("k-i-l-l-m-y-s-e-l-f "),
        "mixed case": fill("KiLl MySeLf "),
        "plan words": fill("tonight pills rope bridge goodbye note "),
        "third person": fill("my friend wants to die "),
        "word salad": " ".join(rng.choice(words.split()) for _ in range(25_000))[:SIZE],
    }


RISK_INPUTS = _risk_inputs()


@pytest.mark.parametrize("name", sorted(RISK_INPUTS))
def test_risk_engine_is_linear_and_within_budget(name: str) -> None:
    from alongside.safety.detection import assess

    text = RISK_INPUTS[name]
    assess(text)  # caches warm, as in a running server
    doubled = text + text
    once, twice = doubling(lambda: assess(text), lambda: assess(doubled))
    assert twice < 2.5 * once + 0.002, f"{name}: {once * 1000:.1f} ms, doubled {twice * 1000:.1f}"
    if once >= budget_for(text):  # a busy moment: measure again before calling it slow
        once, _ = measured_against_budget(text)
    budget = budget_for(text)  # 50 ms, or twice ordinary prose of the script on a slow CPU
    assert once < budget, f"{name}: {once * 1000:.1f} ms for 100 kB (budget {budget * 1000:.1f} ms)"


# --- regressions found by this corpus ------------------------------------------------------------


@pytest.mark.django_db
def test_half_a_surrogate_pair_is_refused_before_it_reaches_encryption(settings: Any) -> None:
    """A lone surrogate in a field without a length limit (the talk request's message, case
    notes, outreach) was a 500: the keyring could not encode it. Now every JSON body holding
    one is refused with 400 and writes nothing, on /api/v1 and allauth alike."""
    from alongside.safety.models import Case

    world = build_world(settings)
    cases = Case.objects.count()
    for path in ("/api/v1/safety/talk", f"/api/v1/safety/cases/{world.values['case']}/notes"):
        for body in ('{"message": "half \\ud800", "text": "\\udfff"}', b'{"text": "\xed\xa0\x80"}'):
            response = world.client.post(path, body, content_type="application/json")
            assert response.status_code == 400, response.content
            assert error_shape_problem(response) is None
    assert Case.objects.count() == cases
    login = Client().post(
        "/_allauth/app/v1/auth/login",
        '{"username": "hostile_other", "password": "\\ud83d"}',
        content_type="application/json",
    )
    assert login.status_code == 400
    # A whole pair is an ordinary character.
    fine = world.client.post(
        "/api/v1/safety/talk", '{"message": "\\ud83d\\ude42"}', content_type="application/json"
    )
    assert fine.status_code == 202, fine.content


@pytest.mark.django_db
def test_nul_is_dropped_from_fields_and_refused_in_urls(settings: Any) -> None:
    """PostgreSQL cannot hold NUL: a path, query, JSON string or form field with one was a 500
    there. Query parameters, JSON strings and form fields now lose it; a path with one is a
    400."""
    from alongside.accounts.models import User
    from alongside.moderation.models import ModeratorNote

    world = build_world(settings)
    client = world.client
    patched = client.patch(
        "/api/v1/me", '{"pronouns": "they\\u0000/them"}', content_type="application/json"
    )
    assert patched.status_code == 200, patched.content
    assert User.objects.get(username="hostile_staff").pronouns == "they/them"
    blocked = client.post(
        "/api/v1/me/blocks",
        '{"username": "hostile_\\u0000other", "kind": "mute"}',
        content_type="application/json",
    )
    assert blocked.status_code == 200, blocked.content
    for path in (
        "/api/v1/communities/%00/membership",
        "/api/v1/moderation/users/%00/notes",
        "/mod/users/hostile_other%00/notes/",
    ):
        response = client.post(path) if "/api/" in path else client.get(path)
        assert response.status_code == 400, (path, response.status_code)
    for path in ("/search/?q=calm%00", "/api/v1/search?q=%00calm", "/help?country=G%00B"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    noted = client.post("/mod/users/hostile_other/notes/", {"text": "Kind\x00 but brisk."})
    assert noted.status_code == 303
    assert [n.text for n in ModeratorNote.objects.all()] == ["Kind but brisk."]


class _Boom(Exception):
    pass


@pytest.mark.django_db
def test_a_data_key_from_a_rolled_back_transaction_is_never_used(make_user: Any) -> None:
    """Found by the form corpus: a person's first data key, created in a transaction that then
    rolled back, stayed in the process cache; what was encrypted with it next was unreadable
    (KeyShredded) once the cache expired or in any other process."""
    from alongside.core.crypto import decrypt_text, encrypt_text, keyring
    from alongside.core.models import DataKey

    user = make_user()
    where = {"owner_id": user.pk, "table": "t", "field": "f", "row_id": 1}

    def encrypt_then_fail() -> None:
        with transaction.atomic():
            encrypt_text("first words", **where)
            raise _Boom

    with pytest.raises(_Boom):
        encrypt_then_fail()
    assert not DataKey.objects.filter(user_id=user.pk).exists()
    blob = encrypt_text("second words", **where)
    assert DataKey.objects.filter(user_id=user.pk).count() == 1
    keyring._cache.clear()  # as when the cache expires, or in another process
    assert decrypt_text(blob, **where) == "second words"
