"""The API documents itself: /api/v1/openapi.json is valid OpenAPI covering every route."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.foundation.routes import all_routes


def _api_routes() -> set[str]:
    """Every route Django resolves under /api/v1/, in OpenAPI's {param} notation."""
    api = {"/" + r for r in all_routes() if r.startswith("api/v1/")}
    api.discard("/api/v1/openapi.json")
    api.discard("/api/v1/")  # django-ninja's index: no operation of its own
    return {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r) for r in api}


@pytest.mark.django_db
def test_openapi_document_is_valid_and_covers_every_route(client: Client) -> None:
    from openapi_spec_validator import validate

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    documented = set(document["paths"])
    assert _api_routes() <= documented, _api_routes() - documented
    assert "/api/v1/me" in documented
