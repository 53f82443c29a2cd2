"""The privacy page works without JavaScript: real forms, 303 after every POST."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from alongside.accounts.models import User
from alongside.privacy.models import ConsentRecord, ErasureRequest, ExportRequest
from alongside.privacy.purposes import PURPOSES
from tests.conftest import PASSWORD, run_jobs


@pytest.fixture
def browser(make_user) -> tuple[Client, User]:
    user = make_user()
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client, user


def _forms(html: str) -> list[str]:
    return re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', html)


@pytest.mark.django_db
def test_the_privacy_page_needs_a_signed_in_person(client: Client) -> None:
    response = client.get("/privacy/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_page_lists_every_purpose_with_a_one_click_form(browser) -> None:
    client, _user = browser
    response = client.get("/privacy/")
    assert response.status_code == 200
    html = response.content.decode()
    for key, purpose in PURPOSES.items():
        assert str(purpose.label) in html
        assert f"/privacy/consents/{key}/" in _forms(html)
    assert "/privacy/export/" in _forms(html)
    assert "/privacy/erase/" in _forms(html)
    for section in ("consents", "export", "erase"):
        assert f'id="{section}"' in html
    assert re.search(r'<label for="id_password">', html)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_granting_and_withdrawing_are_one_click_each(browser) -> None:
    client, user = browser
    version = PURPOSES["health_data"].version
    granted = client.post("/privacy/consents/health_data/", {"granted": "1", "version": version})
    assert granted.status_code == 303
    assert granted["Location"] == "/privacy/#consents"
    withdrawn = client.post("/privacy/consents/health_data/", {"granted": "0", "version": version})
    assert withdrawn.status_code == 303
    history = list(
        ConsentRecord.objects.filter(user=user, purpose="health_data")
        .order_by("id")
        .values_list("granted", "source")
    )
    assert history == [(True, "settings"), (False, "settings")]
    page = client.get("/privacy/").content.decode()
    assert "Turned off: Health tools." in page


@pytest.mark.django_db
def test_a_changed_wording_is_explained_not_granted(browser) -> None:
    client, user = browser
    response = client.post("/privacy/consents/research/", {"granted": "1", "version": "1999-01"})
    assert response.status_code == 303
    assert not ConsentRecord.objects.filter(user=user, purpose="research").exists()
    assert "The wording has changed" in client.get("/privacy/").content.decode()


@pytest.mark.django_db
def test_an_unknown_purpose_page_is_404(browser) -> None:
    client, _user = browser
    assert client.post("/privacy/consents/nope/", {"granted": "1"}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_download_my_data_from_the_page(browser) -> None:
    client, user = browser
    started = client.post("/privacy/export/")
    assert started.status_code == 303
    assert started["Location"] == "/privacy/#export"
    assert "being prepared" in client.get("/privacy/").content.decode()
    run_jobs()
    export = ExportRequest.objects.get(user=user)
    page = client.get("/privacy/").content.decode()
    link = f"/privacy/export/{export.pk}/download/"
    assert link in page
    download = client.get(link)
    assert download.status_code == 200
    archive = json.loads(download.content)
    assert archive["sections"]["profile"]["items"][0]["username"] == user.username


@pytest.mark.django_db
def test_a_wrong_password_keeps_the_account_and_says_why(browser) -> None:
    client, user = browser
    response = client.post("/privacy/erase/", {"password": "wrong one"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert "That password is not right." in html
    user.refresh_from_db()
    assert user.is_active
    assert client.get("/privacy/").status_code == 200


@pytest.mark.django_db
def test_deleting_my_account_signs_me_out_and_says_goodbye(browser) -> None:
    client, user = browser
    response = client.post("/privacy/erase/", {"password": PASSWORD})
    assert response.status_code == 303
    assert response["Location"] == "/privacy/goodbye/"
    assert ErasureRequest.objects.filter(user_id=user.pk).exists()
    goodbye = client.get(response["Location"])
    assert goodbye.status_code == 200
    assert 'href="/help"' in goodbye.content.decode()
    assert client.get("/privacy/").status_code == 302  # signed out
