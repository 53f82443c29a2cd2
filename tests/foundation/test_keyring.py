"""Envelope encryption: round trip, and every kind of tampering is an error, never a leak."""

from __future__ import annotations

import pytest

from alongside.core.crypto import (
    DecryptionError,
    KeyShredded,
    decrypt_text,
    encrypt_text,
    key_id,
    keyring,
    master_keys,
)
from alongside.core.models import DataKey

WHERE = {"table": "safety_safetyplan", "field": "reasons", "row_id": "row-1"}


@pytest.fixture
def two_users(make_user):
    return make_user(), make_user()


@pytest.mark.django_db
def test_round_trip_and_key_is_stored_wrapped(two_users) -> None:
    alice, _ = two_users
    blob = encrypt_text("my sister and the sea", owner_id=alice.pk, **WHERE)
    assert b"sister" not in blob
    assert decrypt_text(blob, owner_id=alice.pk, **WHERE) == "my sister and the sea"
    row = DataKey.objects.get(user=alice)
    assert row.master_key_id == key_id(master_keys()[0])
    assert len(bytes(row.wrapped_key)) == 1 + 12 + 32 + 16  # version, nonce, key, tag
    keyring.clear()  # a fresh process unwraps the stored key
    assert decrypt_text(blob, owner_id=alice.pk, **WHERE) == "my sister and the sea"


@pytest.mark.django_db
def test_a_flipped_bit_is_detected(two_users) -> None:
    alice, _ = two_users
    blob = bytearray(encrypt_text("hold on", owner_id=alice.pk, **WHERE))
    for position in (1, 13, len(blob) - 1):  # nonce, ciphertext, tag
        flipped = bytearray(blob)
        flipped[position] ^= 0x01
        with pytest.raises(DecryptionError):
            decrypt_text(bytes(flipped), owner_id=alice.pk, **WHERE)


@pytest.mark.django_db
def test_a_value_moved_to_another_row_field_table_or_owner_is_rejected(two_users) -> None:
    alice, bob = two_users
    blob = encrypt_text("private", owner_id=alice.pk, **WHERE)
    for changed in (
        {**WHERE, "row_id": "row-2"},
        {**WHERE, "field": "warning_signs"},
        {**WHERE, "table": "chat_message"},
    ):
        with pytest.raises(DecryptionError):
            decrypt_text(blob, owner_id=alice.pk, **changed)
    encrypt_text("bob's own", owner_id=bob.pk, **WHERE)  # bob has a key too
    with pytest.raises(DecryptionError):
        decrypt_text(blob, owner_id=bob.pk, **WHERE)


@pytest.mark.django_db
def test_shredding_the_key_makes_text_unreadable_for_good(two_users) -> None:
    alice, bob = two_users
    mine = encrypt_text("gone after erasure", owner_id=alice.pk, **WHERE)
    theirs = encrypt_text("stays", owner_id=bob.pk, **WHERE)
    keyring.shred(alice.pk)
    with pytest.raises(KeyShredded):
        decrypt_text(mine, owner_id=alice.pk, **WHERE)
    assert decrypt_text(theirs, owner_id=bob.pk, **WHERE) == "stays"


@pytest.mark.django_db
def test_a_wrapped_key_moved_to_another_user_does_not_unwrap(two_users) -> None:
    alice, bob = two_users
    encrypt_text("a", owner_id=alice.pk, **WHERE)
    encrypt_text("b", owner_id=bob.pk, **WHERE)
    alice_row = DataKey.objects.get(user=alice)
    DataKey.objects.filter(user=bob).update(wrapped_key=bytes(alice_row.wrapped_key))
    keyring.clear()
    with pytest.raises(DecryptionError):
        keyring.key_for(bob.pk, create=False)
