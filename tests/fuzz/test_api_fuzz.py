"""Schemathesis fuzzes /api/v1 from its own OpenAPI document, as four different callers.

Every operation is called with generated input as a signed-out caller, a member, a moderator
and a crisis responder, with every Schemathesis check on: no server error, status codes,
content types, headers and bodies as documented, schema-violating data rejected, valid data
accepted, authentication not ignored. One more check of ours: every 4xx/5xx body is the
documented error shape ``{detail, code, field?}`` with nothing that looks like a traceback.

The member's run has every phase: the schema's examples, the coverage phase (boundary and
schema-violating values for each parameter) and Hypothesis fuzzing. The other callers skip
the coverage phase: its values meet the same validation for every signed-in caller (the
member's run covers it), and a signed-out caller is turned away before validation. What
they add is fuzzing of the handlers their role opens (queues, cases, moderation actions).

The app runs in-process through Django's WSGI handler: the same middleware and views as the
ASGI server, but in the test's thread, so requests see the test's database transaction.

Examples per operation: ``ALONGSIDE_FUZZ_EXAMPLES`` for the member (default 30: CI runs the
suite on SQLite and on PostgreSQL, and this keeps each fuzz run near two minutes on two
cores), a fifth of that for the other callers; the longer run is in benchmarks/README.md.
Generation is derandomized and no example database is written, so a run repeats itself.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import FuzzWorld, current_world

MEMBER_EXAMPLES = int(os.environ.get("ALONGSIDE_FUZZ_EXAMPLES", "30"))
OTHER_EXAMPLES = max(1, MEMBER_EXAMPLES // 5)


def flatmap_case(context: Any, case: Any) -> st.SearchStrategy[Any]:
    """Half the time, a valid case's path names things that exist in the caller's world.
    (Schema-violating cases keep their paths: they are refused before any lookup.)"""
    world = current_world()
    names = [n for n in (case.path_parameters or {}) if world and n in world.known]
    if world is None or not names or not _is_positive(case):
        return st.just(case)

    def swap(chosen: dict[str, Any]) -> Any:
        case.path_parameters = {**case.path_parameters, **chosen}
        return case

    known = st.fixed_dictionaries({n: st.sampled_from(world.known[n]) for n in names})
    return st.one_of(st.just(case), known.map(swap))


def _drop_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_drop_nul(item) for item in value]
    return value


def map_query(context: Any, query: dict[str, Any]) -> dict[str, Any]:
    """No NUL in URLs: the server refuses any URL holding one with 400 before routing
    (core.middleware.UnusableTextMiddleware, with its own tests), which the schema cannot
    say for every string. NUL still goes into bodies, where the API drops it."""
    return {key: _drop_nul(value) for key, value in (query or {}).items()}


def map_path_parameters(context: Any, path_parameters: dict[str, Any]) -> dict[str, Any]:
    return {key: _drop_nul(value) for key, value in (path_parameters or {}).items()}


def load_schema(*, coverage: bool) -> Any:
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    for hook in (flatmap_case, map_query, map_path_parameters):
        loaded.hook(hook)
    loaded.config.phases.coverage.enabled = coverage
    # The API checks meaning as well as shape: an opaque page cursor, a time zone name, a
    # post that must be in this thread, text that is only spaces. A schema-valid request may
    # so be refused with 422 (API.md: validation errors name the field);
    # `error_body_is_documented` insists that such a refusal names the field. Any other
    # refusal of valid data still fails the check.
    acceptance = loaded.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "422"]
    return loaded


schema = load_schema(coverage=True)
light_schema = load_schema(coverage=False)


ERROR_KEYS = {"detail", "code", "field"}
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")


def error_body_is_documented(ctx: Any, response: Any, case: Any) -> bool | None:
    """4xx and 5xx answers are JSON ``{detail: str, code: str, field?: str}``, no traceback."""
    if response.status_code < 400:
        return None
    text = response.content.decode("utf-8", errors="replace")
    assert not TRACEBACK.search(text), f"traceback in a {response.status_code} body: {text[:500]}"
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered with {content_type!r}: {text[:300]}"
    )
    body = json.loads(text)
    assert isinstance(body, dict), body
    assert set(body) <= ERROR_KEYS, f"unexpected keys in an error body: {sorted(body)}"
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    assert "field" not in body or isinstance(body["field"], str), body
    if response.status_code == 422 and _is_positive(case):
        assert body.get("field"), f"a schema-valid request refused without naming a field: {body}"
    return None


def _is_positive(case: Any) -> bool:
    meta = case.meta
    return meta is not None and not meta.generation.mode.is_negative


def fuzz(case: Any, world: FuzzWorld) -> None:
    headers = {"X-Session-Token": world.token} if world.token else None
    case.call_and_validate(headers=headers, additional_checks=[error_body_is_documented])


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )


@schema.parametrize()
@pytest.mark.parametrize("fuzz_world", ["member"], indirect=True)
@fuzz_settings(MEMBER_EXAMPLES)
def test_api_as_member(case: Any, fuzz_world: FuzzWorld) -> None:
    fuzz(case, fuzz_world)


@light_schema.parametrize()
@pytest.mark.parametrize("fuzz_world", ["anonymous"], indirect=True)
@fuzz_settings(OTHER_EXAMPLES)
def test_api_as_anonymous(case: Any, fuzz_world: FuzzWorld) -> None:
    fuzz(case, fuzz_world)


@light_schema.parametrize()
@pytest.mark.parametrize("fuzz_world", ["moderator"], indirect=True)
@fuzz_settings(OTHER_EXAMPLES)
def test_api_as_moderator(case: Any, fuzz_world: FuzzWorld) -> None:
    fuzz(case, fuzz_world)


@light_schema.parametrize()
@pytest.mark.parametrize("fuzz_world", ["crisis_responder"], indirect=True)
@fuzz_settings(OTHER_EXAMPLES)
def test_api_as_crisis_responder(case: Any, fuzz_world: FuzzWorld) -> None:
    fuzz(case, fuzz_world)


# --- the error-shape check itself ------------------------------------------------------------


@dataclass
class _Answer:
    status_code: int
    content: bytes
    headers: dict[str, list[str]] = field(
        default_factory=lambda: {"content-type": ["application/json"]}
    )


_NO_META = SimpleNamespace(meta=None)


@pytest.mark.parametrize(
    "answer",
    [
        _Answer(405, b"Method not allowed", {"content-type": ["text/html; charset=utf-8"]}),
        _Answer(500, b'{"detail": "Traceback (most recent call last):", "code": "error"}'),
        _Answer(400, b'{"detail": "x", "code": "bad", "errors": []}'),
        _Answer(404, b'{"detail": "Not found."}'),
        _Answer(422, b'{"detail": "", "code": "invalid"}'),
        _Answer(409, b'["conflict"]'),
    ],
    ids=["html", "traceback", "extra-key", "no-code", "empty-detail", "not-an-object"],
)
def test_the_error_check_refuses_what_the_contract_forbids(answer: _Answer) -> None:
    with pytest.raises(AssertionError):
        error_body_is_documented(None, answer, _NO_META)


def test_the_error_check_passes_the_documented_shape_and_successes() -> None:
    ok = [
        _Answer(404, b'{"detail": "Not found.", "code": "not_found"}'),
        _Answer(422, b'{"detail": "Too short.", "code": "too_short", "field": "body"}'),
        _Answer(200, b"anything", {"content-type": ["text/csv"]}),
    ]
    for answer in ok:
        assert error_body_is_documented(None, answer, _NO_META) is None


def _case(*, negative: bool) -> Any:
    mode = SimpleNamespace(is_negative=negative)
    return SimpleNamespace(meta=SimpleNamespace(generation=SimpleNamespace(mode=mode)))


def test_a_valid_request_refused_with_422_must_name_the_field() -> None:
    unnamed = _Answer(422, b'{"detail": "Not valid.", "code": "invalid"}')
    with pytest.raises(AssertionError):
        error_body_is_documented(None, unnamed, _case(negative=False))
    assert error_body_is_documented(None, unnamed, _case(negative=True)) is None


# --- the world the fuzz runs in ---------------------------------------------------------------

#: Per role, a path built from the world's ids that the caller may open: if the world stopped
#: naming reachable things, the fuzz would quietly meet nothing but 404s.
REACHABLE = {
    "anonymous": "/api/v1/threads/{thread_id}",
    "member": "/api/v1/me/export/{export_id}",
    "moderator": "/api/v1/moderation/items/{item_id}",
    "crisis_responder": "/api/v1/safety/cases/{case_id}",
}


@pytest.mark.parametrize("fuzz_world", list(REACHABLE), indirect=True, ids=str)
def test_each_callers_world_names_what_they_may_open(fuzz_world: FuzzWorld) -> None:
    from django.test import Client

    known = {name: values[-1] for name, values in fuzz_world.known.items()}
    headers = {"HTTP_X_SESSION_TOKEN": fuzz_world.token} if fuzz_world.token else {}
    response = Client().get(REACHABLE[fuzz_world.role].format(**known), **headers)
    assert response.status_code == 200, response.content[:300]
