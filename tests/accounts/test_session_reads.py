"""The session engine and the authentication backends read with plain statements (decision
0025): the same sessions, the same users, the same expiry, and sessions signed in under the
old backend names stay signed in."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.accounts.backends import AuthenticationBackend, ModelBackend, user_by_id
from alongside.accounts.models import User
from alongside.accounts.sessions import RENAMED_BACKENDS, SessionStore
from tests.conftest import PASSWORD


def _member(username: str = "lanternfish", **fields: object) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    return user


def _session_for(user: User, backend: str) -> str:
    """A session as Django's own store writes one at login, under ``backend``."""
    store = DjangoSessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    assert store.session_key is not None
    return store.session_key


@pytest.mark.django_db
def test_the_store_reads_what_djangos_store_reads() -> None:
    user = _member()
    key = _session_for(user, "alongside.accounts.backends.ModelBackend")
    ours = SessionStore(key).load()
    assert ours == DjangoSessionStore(key).load()
    assert ours[SESSION_KEY] == str(user.pk)


@pytest.mark.django_db
def test_an_expired_or_unknown_session_reads_as_none_and_gets_a_new_key() -> None:
    key = _session_for(_member(), "alongside.accounts.backends.ModelBackend")
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    for missing in (key, "n0such5ession0key0at0all0here01"):
        store = SessionStore(missing)
        assert store.load() == {}
        assert store.session_key is None


@pytest.mark.django_db
@pytest.mark.parametrize("old_name", sorted(RENAMED_BACKENDS))
def test_sessions_signed_in_under_the_old_backend_names_stay_signed_in(old_name: str) -> None:
    user = _member()
    key = _session_for(user, old_name)
    assert SessionStore(key).load()[BACKEND_SESSION_KEY] == RENAMED_BACKENDS[old_name]
    stored = Session.objects.get(session_key=key).session_data
    client = Client()
    client.cookies["sessionid"] = key
    response = client.get("/api/v1/me")
    assert response.status_code == 200, response.content
    assert response.json()["username"] == user.username
    # Read under the new name, not rewritten.
    assert Session.objects.get(session_key=key).session_data == stored


@pytest.mark.django_db
def test_a_session_naming_an_unknown_backend_is_signed_out() -> None:
    key = _session_for(_member(), "somewhere.else.Backend")
    client = Client()
    client.cookies["sessionid"] = key
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_a_changed_password_still_ends_other_sessions() -> None:
    user = _member()
    key = _session_for(user, "alongside.accounts.backends.AuthenticationBackend")
    user.set_password("another calm harbour 43")
    user.save()
    client = Client()
    client.cookies["sessionid"] = key
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_user_by_id_builds_the_same_user_as_the_orm() -> None:
    user = _member(display_name="Lantern", email="l@example.org", birth_year=1990)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    expected = User.objects.get(pk=user.pk)
    found = user_by_id(user.pk)
    assert found is not None
    for field in User._meta.concrete_fields:
        mine, theirs = getattr(found, field.attname), getattr(expected, field.attname)
        assert mine == theirs, field.name
        assert type(mine) is type(theirs), field.name  # booleans stay booleans, dates dates
    assert found._state.adding is False
    assert found._state.db == "default"
    assert user_by_id(user.pk + 1000) is None


@pytest.mark.django_db
@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_the_backends_refuse_an_inactive_user(backend: type) -> None:
    user = _member()
    assert backend().get_user(user.pk) == user
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert backend().get_user(user.pk) is None


@pytest.mark.django_db
def test_a_signed_in_request_reads_its_session_and_user_in_two_statements() -> None:
    user = _member()
    client = Client()
    client.force_login(user)
    client.get("/healthz")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 2, statements
    assert "django_session" in statements[0]
    assert "accounts_user" in statements[1]


@pytest.mark.django_db(transaction=True)
def test_the_async_read_is_the_same_read() -> None:
    from asgiref.sync import async_to_sync

    user = _member()
    key = _session_for(user, "django.contrib.auth.backends.ModelBackend")
    read = async_to_sync(SessionStore(key).aload)()
    assert read == SessionStore(key).load()
    assert read[BACKEND_SESSION_KEY] == "alongside.accounts.backends.ModelBackend"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cookie", ["abcdefgh\x00ij", "ABCDEFGHIJKL", "a" * 41, "short", "x y z w v u"]
)
def test_a_cookie_that_cannot_be_a_session_key_is_no_session_and_no_query(cookie: str) -> None:
    store = SessionStore(cookie)
    assert store.session_key is None
    with CaptureQueriesContext(connection) as queries:
        assert dict(store.items()) == {}
    assert queries.captured_queries == []


@pytest.mark.django_db
def test_a_nul_in_the_session_cookie_is_a_signed_out_page_not_an_error() -> None:
    from io import BytesIO

    from django.core.handlers.wsgi import WSGIHandler

    answered: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": BytesIO(b""),
        "wsgi.url_scheme": "http",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": "sessionid=abcdefgh\x00ij",
    }
    response = WSGIHandler()(environ, lambda status, headers: answered.append(status))
    response.close()
    assert answered == ["200 OK"]
