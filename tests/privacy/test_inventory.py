"""The data inventory: every table that points at a person is registered, and the export
contains every registered entry."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.models import Authenticator
from django.db import models
from django.test import Client
from django.test.utils import isolate_apps

from alongside.accounts.models import User
from alongside.accounts.services import role_grant
from alongside.core.crypto import keyring
from alongside.core.realtime import event_publish
from alongside.privacy import inventory
from alongside.privacy.inventory import Erase
from tests.privacy.conftest import FOUNDATION_TABLES, api_post, export_archive


def test_every_model_that_points_at_a_user_is_in_the_inventory() -> None:
    """A new app must register its tables, or export and erasure would miss them."""
    assert inventory.unregistered_user_references() == []


def test_encrypted_fields_are_declared_in_their_inventory_entry() -> None:
    assert inventory.undeclared_encrypted_fields() == []


@isolate_apps("alongside.privacy")
def test_the_inventory_check_finds_an_unregistered_table() -> None:
    class Diary(models.Model):
        owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
        readers = models.ManyToManyField(User, related_name="+")
        title = models.CharField(max_length=10)

        class Meta:
            app_label = "privacy"

    class Unrelated(models.Model):
        title = models.CharField(max_length=10)

        class Meta:
            app_label = "privacy"

    assert inventory.unregistered_user_references([Diary, Unrelated]) == [
        "privacy.Diary.owner",
        "privacy.Diary.readers",
    ]


def test_a_second_user_reference_must_be_declared_too() -> None:
    """RoleGrant names who granted the role; its entry accounts for that field."""
    entry = inventory.entry_for("accounts.RoleGrant")
    assert entry is not None
    assert entry.other_user_fields == ("granted_by",)


def test_retained_entries_say_why() -> None:
    for entry in inventory.entries():
        if entry.erase == Erase.RETAIN:
            assert len(entry.retain_reason) > 20, entry.model_label


def test_erasure_order_shreds_keys_first_and_deletes_the_account_last() -> None:
    labels = [entry.model_label for entry in inventory.entries()]
    assert labels[0] == "core.DataKey"
    assert labels[-1] == "accounts.User"


@pytest.mark.django_db(transaction=True)
def test_the_export_contains_every_inventory_entry_the_person_has_data_in(
    client: Client, make_member
) -> None:
    member = make_member(email="complete@example.org")
    uid = member["user_id"]
    api_post(client, "/me/consents/research", member["token"], {"granted": True})
    role_grant(user_id=uid, role="peer_supporter")
    Authenticator.objects.create(
        user_id=uid, type=Authenticator.Type.TOTP, data={"secret": "TOTPSECRETNEVEREXPORTED"}
    )
    keyring.key_for(uid, create=True)
    event_publish(user_id=uid, type="test.hello", data={"n": 1})

    archive = export_archive(client, member["token"])

    sections = archive["sections"]
    with_data = []
    for entry in inventory.entries():
        assert entry.section in sections, f"{entry.model_label} missing from the export"
        rows = entry.queryset(uid)
        if entry.model_label == "core.Event":
            # "Your export is ready" is published after the archive was written.
            rows = rows.exclude(type="privacy.export_ready")
        count = rows.count()
        assert len(sections[entry.section]["items"]) == count, entry.model_label
        assert sections[entry.section]["description"]
        if count:
            with_data.append(entry.model_label)
    # This person has data in every foundation table (so the loop above checked something);
    # only the erasure request is absent, as nobody asked to be erased.
    assert set(with_data) >= FOUNDATION_TABLES
    text = json.dumps(archive)
    assert "TOTPSECRETNEVEREXPORTED" not in text
    user = User.objects.get(pk=uid)
    assert user.password not in text
    assert sections["mfa_methods"]["items"][0]["type"] == "totp"
