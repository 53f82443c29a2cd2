"""Signup, login, logout, throttling and MFA through the headless app API (API.md)."""

from __future__ import annotations

import datetime
import time

import pytest
from allauth.mfa.totp.internal.auth import hotp_value
from django.test import Client

from alongside.accounts.models import User
from alongside.privacy.models import ConsentRecord
from tests.conftest import PASSWORD, auth, signup

APP = "/_allauth/app/v1"
THIS_YEAR = datetime.datetime.now(datetime.UTC).year


def _post(client: Client, path: str, body: dict, token: str | None = None):
    headers = auth(token) if token else {}
    return client.post(APP + path, body, content_type="application/json", **headers)


def _totp_now(secret: str, offset: int = 0) -> str:
    return f"{hotp_value(secret, int(time.time()) // 30 + offset):06d}"


@pytest.mark.django_db
def test_signup_returns_a_token_that_the_api_accepts(client: Client) -> None:
    account = signup(client, "quietfern", email="fern@example.org")
    response = client.get("/api/v1/me", **auth(account["token"]))
    assert response.status_code == 200
    me = response.json()
    assert me["username"] == "quietfern"
    assert me["age_band"] == "adult"
    assert me["roles"] == []
    terms = next(c for c in me["consents"] if c["purpose"] == "terms")
    assert terms["granted"] is True
    assert ConsentRecord.objects.filter(user_id=me["id"], purpose="terms", granted=True).exists()


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(client: Client) -> None:
    account = signup(client, "hashcheck")
    assert User.objects.get(pk=account["user_id"]).password.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_signup_under_13_is_refused_naming_birth_year_and_creates_nobody(client: Client) -> None:
    response = _post(
        client,
        "/auth/signup",
        {
            "username": "tooyoung",
            "password": PASSWORD,
            "birth_year": THIS_YEAR - 10,
            "accept_terms": True,
        },
    )
    assert response.status_code == 400
    assert [e["param"] for e in response.json()["errors"]] == ["birth_year"]
    assert not User.objects.filter(username="tooyoung").exists()


@pytest.mark.django_db
def test_signup_without_accepting_terms_is_refused_naming_the_field(client: Client) -> None:
    response = _post(
        client,
        "/auth/signup",
        {"username": "noterms", "password": PASSWORD, "birth_year": 1990},
    )
    assert response.status_code == 400
    assert "accept_terms" in [e["param"] for e in response.json()["errors"]]
    assert not User.objects.filter(username="noterms").exists()


@pytest.mark.django_db
def test_teen_birth_year_gives_teen_band(client: Client) -> None:
    account = signup(client, "youngoak", birth_year=THIS_YEAR - 15)
    assert client.get("/api/v1/me", **auth(account["token"])).json()["age_band"] == "teen"


@pytest.mark.django_db
def test_login_and_logout_with_session_token(client: Client) -> None:
    signup(client, "stillwater")
    response = _post(Client(), "/auth/login", {"username": "stillwater", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["meta"]["session_token"]
    assert client.get("/api/v1/me", **auth(token)).status_code == 200
    out = client.delete(APP + "/auth/session", **auth(token))
    assert out.status_code == 401  # allauth answers a finished session with 401
    assert client.get("/api/v1/me", **auth(token)).status_code == 401


@pytest.mark.django_db
def test_api_without_credentials_is_401_with_error_shape(client: Client) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in to do this.", "code": "not_authenticated"}
    bogus = client.get("/api/v1/me", HTTP_X_SESSION_TOKEN="not-a-real-token")
    assert bogus.status_code == 401


@pytest.mark.django_db
def test_failed_logins_are_throttled_for_a_while_not_forever(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    signup(client, "patientowl")
    attacker = Client()
    answers = [
        _post(attacker, "/auth/login", {"username": "patientowl", "password": "wrong guess 1"})
        for _ in range(6)
    ]
    assert [a.status_code for a in answers] == [400] * 6
    assert answers[5].json()["errors"][0]["code"] == "too_many_login_attempts"
    # Even the right password is held back while the window lasts ...
    owner = Client()
    held = _post(owner, "/auth/login", {"username": "patientowl", "password": PASSWORD})
    assert held.json()["errors"][0]["code"] == "too_many_login_attempts"
    # ... and works once the five-minute window has passed.
    import allauth.core.internal.ratelimit as rl

    later = time.time() + 5 * 60 + 1
    monkeypatch.setattr(rl.time, "time", lambda: later)
    assert (
        _post(owner, "/auth/login", {"username": "patientowl", "password": PASSWORD}).status_code
        == 200
    )


@pytest.mark.django_db
def test_profile_patch_validates_everything_before_writing(client: Client) -> None:
    account = signup(client, "mossyrock")
    token = account["token"]
    ok = client.patch(
        "/api/v1/me",
        {
            "display_name": "Moss",
            "pronouns": "they/them",
            "country": "gb",
            "locale": "zh-hans",
            "time_zone": "Europe/London",
        },
        content_type="application/json",
        **auth(token),
    )
    assert ok.status_code == 200
    assert ok.json()["country"] == "GB"
    bad = client.patch(
        "/api/v1/me",
        {"display_name": "Changed", "time_zone": "Mars/Olympus"},
        content_type="application/json",
        **auth(token),
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "time_zone"
    assert User.objects.get(pk=account["user_id"]).display_name == "Moss"
    bidi = client.patch(
        "/api/v1/me",
        {"display_name": "evil\u202etxt"},
        content_type="application/json",
        **auth(token),
    )
    assert bidi.status_code == 422
    assert bidi.json()["field"] == "display_name"


@pytest.mark.django_db
def test_totp_mfa_activation_and_login_with_code(client: Client) -> None:
    account = signup(client, "brightlake")
    token = account["token"]
    setup = client.get(APP + "/account/authenticators/totp", **auth(token))
    assert setup.status_code == 404  # not active yet: allauth offers a secret to activate
    secret = setup.json()["meta"]["secret"]
    # Turning on MFA is a sensitive change: allauth asks for the password again first.
    assert _post(client, "/auth/reauthenticate", {"password": PASSWORD}, token).status_code == 200
    activate = _post(client, "/account/authenticators/totp", {"code": _totp_now(secret)}, token)
    assert activate.status_code == 200, activate.content
    assert client.get("/api/v1/me", **auth(token)).json()["mfa_enabled"] is True

    codes = client.get(APP + "/account/authenticators/recovery-codes", **auth(token))
    assert codes.status_code == 200
    assert len(codes.json()["data"]["unused_codes"]) >= 8

    fresh = Client()
    first = _post(fresh, "/auth/login", {"username": "brightlake", "password": PASSWORD})
    assert first.status_code == 401
    flows = first.json()["data"]["flows"]
    assert any(f["id"] == "mfa_authenticate" and f.get("is_pending") for f in flows)
    pending_token = first.json()["meta"]["session_token"]
    wrong = _post(fresh, "/auth/2fa/authenticate", {"code": "000000"}, pending_token)
    assert wrong.status_code == 400
    done = _post(fresh, "/auth/2fa/authenticate", {"code": _totp_now(secret)}, pending_token)
    assert done.status_code == 200, done.content
    final_token = done.json()["meta"]["session_token"]
    assert client.get("/api/v1/me", **auth(final_token)).status_code == 200


@pytest.mark.django_db
def test_staff_roles_take_effect_only_with_mfa(client: Client, settings) -> None:
    from alongside.accounts.services import role_grant

    settings.STAFF_MFA_REQUIRED = True
    account = signup(client, "steadyhand")
    role_grant(user_id=account["user_id"], role="moderator")
    me = client.get("/api/v1/me", **auth(account["token"])).json()
    assert me["pending_staff_roles"] == ["moderator"]
    secret = client.get(APP + "/account/authenticators/totp", **auth(account["token"])).json()[
        "meta"
    ]["secret"]
    _post(client, "/auth/reauthenticate", {"password": PASSWORD}, account["token"])
    _post(client, "/account/authenticators/totp", {"code": _totp_now(secret)}, account["token"])
    me = client.get("/api/v1/me", **auth(account["token"])).json()
    assert me["pending_staff_roles"] == []
    assert {"role": "moderator", "community": ""} in me["roles"]


@pytest.mark.django_db
def test_sessions_can_be_listed_and_ended(client: Client) -> None:
    t0 = signup(client, "twosessions")["token"]
    first = _post(Client(), "/auth/login", {"username": "twosessions", "password": PASSWORD})
    second = _post(Client(), "/auth/login", {"username": "twosessions", "password": PASSWORD})
    t1, t2 = first.json()["meta"]["session_token"], second.json()["meta"]["session_token"]
    listed = client.get(APP + "/auth/sessions", **auth(t1))
    assert listed.status_code == 200
    sessions = listed.json()["data"]
    assert len(sessions) == 3
    others = [s["id"] for s in sessions if not s["is_current"]]
    ended = client.delete(
        APP + "/auth/sessions",
        {"sessions": others},
        content_type="application/json",
        **auth(t1),
    )
    assert ended.status_code == 200
    alive = [client.get("/api/v1/me", **auth(t)).status_code for t in (t0, t1, t2)]
    assert alive == [401, 200, 401]


@pytest.mark.django_db
def test_password_reset_by_email_through_the_app_api(client: Client, mailoutbox) -> None:
    import re

    signup(client, "resetme", email="resetme@example.org")
    asked = _post(Client(), "/auth/password/request", {"email": "resetme@example.org"})
    assert asked.status_code == 200
    reset_mail = mailoutbox[-1]  # the first one verified the address at signup
    assert reset_mail.to == ["resetme@example.org"]
    link = re.search(r"/accounts/password/reset/key/([\w-]+)/", reset_mail.body)
    assert link, reset_mail.body
    key = link.group(1)
    done = _post(Client(), "/auth/password/reset", {"key": key, "password": "a new calm day 77"})
    assert done.status_code in (200, 401), done.content  # 401: reset done, log in next
    login = _post(Client(), "/auth/login", {"username": "resetme", "password": "a new calm day 77"})
    assert login.status_code == 200
    old = _post(Client(), "/auth/login", {"username": "resetme", "password": PASSWORD})
    assert old.status_code == 400


@pytest.mark.django_db
def test_password_change_needs_the_current_password(client: Client) -> None:
    account = signup(client, "changeme")
    wrong = _post(
        client,
        "/account/password/change",
        {"current_password": "not it at all", "new_password": "another calm day 88"},
        account["token"],
    )
    assert wrong.status_code == 400
    right = _post(
        client,
        "/account/password/change",
        {"current_password": PASSWORD, "new_password": "another calm day 88"},
        account["token"],
    )
    assert right.status_code == 200
    login = _post(
        Client(), "/auth/login", {"username": "changeme", "password": "another calm day 88"}
    )
    assert login.status_code == 200
