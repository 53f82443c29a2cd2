"""Every response — pages, API, errors, static files, health — carries the security headers."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.conftest import auth

PATHS = [
    "/",
    "/help",
    "/accounts/login/",
    "/accounts/signup/",
    "/settings/",  # redirect to login
    "/no-such-page/",
    "/api/v1/me",  # 401
    "/api/v1/no-such-route",
    "/api/v1/openapi.json",
    "/api/v1/help/hotlines?country=GB",
    "/healthz",
    "/readyz",
    "/static/alongside/site.css",
]


def assert_security_headers(response, path: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, path
    assert "frame-ancestors 'none'" in csp, path
    script_src = next((d for d in csp.split(";") if d.strip().startswith("script-src")), "")
    assert script_src.strip() == "script-src 'self'", (path, script_src)
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert response.headers.get("X-Content-Type-Options") == "nosniff", path
    assert response.headers.get("Referrer-Policy") == "same-origin", path
    assert response.headers.get("X-Frame-Options") == "DENY", path
    assert response.headers.get("Cross-Origin-Opener-Policy") == "same-origin", path
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), path


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_security_headers_on_anonymous_responses(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code < 500, (path, response.status_code)
    assert_security_headers(response, path)


@pytest.mark.django_db
def test_security_headers_on_authenticated_api_and_json_errors(client: Client, make_member) -> None:
    token = make_member()["token"]
    for response in (
        client.get("/api/v1/me", **auth(token)),
        client.patch("/api/v1/me", "{not json", content_type="application/json", **auth(token)),
        client.post(
            "/api/v1/me/consents/nope",
            {"granted": True},
            content_type="application/json",
            **auth(token),
        ),
    ):
        assert_security_headers(response, "api")
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_hsts_is_sent_over_https(client: Client) -> None:
    response = client.get("/help", secure=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = client.get("/help")
    assert "Strict-Transport-Security" not in plain.headers


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["{not json", "[1, 2]", "null", '"text"', "\xff\xfe"])
def test_api_bodies_that_are_not_json_objects_are_refused_and_change_nothing(
    client: Client, make_member, body: str
) -> None:
    account = make_member()
    response = client.patch(
        "/api/v1/me", body, content_type="application/json", **auth(account["token"])
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
