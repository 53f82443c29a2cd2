"""Envelope encryption: a data key per user, wrapped by the master key, AES-256-GCM throughout.

Every ciphertext is bound by associated data to its table, field, row and owner, so a value
copied to another row, another field or another person fails to decrypt instead of leaking.
Deleting a user's data key (crypto-shredding) makes all of their ciphertexts unreadable,
including the copies in backups.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import IntegrityError, transaction

VERSION = b"\x01"
NONCE_BYTES = 12
CACHE_SECONDS = 30.0


class DecryptionError(Exception):
    """A ciphertext was altered, moved to another row or owner, or its key is gone."""


class KeyShredded(DecryptionError):
    """The owner's data key has been destroyed (erasure); the text is gone for good."""


def key_id(master_key: bytes) -> str:
    return hashlib.sha256(b"alongside-master-key" + master_key).hexdigest()[:16]


def master_keys() -> list[bytes]:
    keys: list[bytes] = settings.MASTER_KEYS
    return keys


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != VERSION:
        raise DecryptionError("not a sealed value")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag as exc:
        raise DecryptionError("ciphertext failed authentication") from exc


def _wrap_aad(user_id: int) -> bytes:
    return f"alongside:datakey:user={user_id}".encode()


def wrap_data_key(data_key: bytes, user_id: int, master: bytes | None = None) -> bytes:
    return seal(master or master_keys()[0], data_key, _wrap_aad(user_id))


def unwrap_data_key(wrapped: bytes | memoryview, user_id: int, master_id: str) -> bytes:
    for master in master_keys():
        if key_id(master) == master_id:
            return open_sealed(master, bytes(wrapped), _wrap_aad(user_id))
    raise DecryptionError(f"master key {master_id} is not configured")


@dataclass
class _Cached:
    key: bytes
    expires: float


class Keyring:
    """Per-user data keys, created on first use, cached briefly in process memory.

    A key is cached for every thread only once the transaction that read or created its row
    has committed: a rolled-back transaction takes a new row with it, and a key cached before
    that would go on encrypting what nothing can decrypt once the cache expires. Until then
    the thread's own open transaction reuses it, for as long as Django still holds the commit
    callback that caches it (Django drops the callbacks of a rolled-back transaction)."""

    def __init__(self) -> None:
        self._cache: dict[int, _Cached] = {}
        self._lock = threading.Lock()
        self._generation: dict[int, int] = {}  # bumped by forget(): stale commits are ignored
        self._local = threading.local()  # this thread's keys waiting for their commit

    def _pending(self) -> dict[int, tuple[bytes, object]]:
        pending: dict[int, tuple[bytes, object]] = self._local.__dict__.setdefault("pending", {})
        return pending

    def _cached(self, user_id: int) -> bytes | None:
        with self._lock:
            entry = self._cache.get(user_id)
            if entry and entry.expires > time.monotonic():
                return entry.key
            self._cache.pop(user_id, None)
        pending = self._pending().get(user_id)
        if pending is not None:
            key, callback = pending
            connection = transaction.get_connection()
            if connection.in_atomic_block and any(
                item[1] is callback for item in connection.run_on_commit
            ):
                return key
            self._pending().pop(user_id, None)
        return None

    def _remember(self, user_id: int, key: bytes) -> None:
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[user_id] = _Cached(key, time.monotonic() + CACHE_SECONDS)

    def _remember_when_committed(self, user_id: int, key: bytes) -> None:
        generation = self._generation.get(user_id, 0)

        def remember() -> None:
            if self._generation.get(user_id, 0) == generation:
                self._remember(user_id, key)

        if transaction.get_connection().in_atomic_block:
            self._pending()[user_id] = (key, remember)
        transaction.on_commit(remember)  # at once outside a transaction

    def forget(self, user_id: int) -> None:
        with self._lock:
            self._cache.pop(user_id, None)
            self._generation[user_id] = self._generation.get(user_id, 0) + 1
        self._pending().pop(user_id, None)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._generation.clear()
        self._pending().clear()

    def key_for(self, user_id: int, *, create: bool) -> bytes:
        cached = self._cached(user_id)
        if cached is not None:
            return cached
        from alongside.core.models import DataKey

        row = DataKey.objects.filter(user_id=user_id).first()
        if row is None:
            if not create:
                raise KeyShredded(f"no data key for user {user_id}")
            data_key = AESGCM.generate_key(bit_length=256)
            master = master_keys()[0]
            try:
                with transaction.atomic():
                    DataKey.objects.create(
                        user_id=user_id,
                        wrapped_key=wrap_data_key(data_key, user_id, master),
                        master_key_id=key_id(master),
                    )
            except IntegrityError:  # created concurrently: use the stored one
                row = DataKey.objects.get(user_id=user_id)
                data_key = unwrap_data_key(row.wrapped_key, user_id, row.master_key_id)
        else:
            data_key = unwrap_data_key(row.wrapped_key, user_id, row.master_key_id)
        self._remember_when_committed(user_id, data_key)
        return data_key

    def shred(self, user_id: int) -> None:
        """Destroy the user's data key: every ciphertext under it becomes unreadable."""
        from alongside.core.models import DataKey

        DataKey.objects.filter(user_id=user_id).delete()
        self.forget(user_id)


keyring = Keyring()


def field_aad(table: str, field: str, row_id: object, owner_id: int) -> bytes:
    return f"alongside:v1:{table}:{field}:{row_id}:{owner_id}".encode()


def encrypt_text(text: str, *, owner_id: int, table: str, field: str, row_id: object) -> bytes:
    key = keyring.key_for(owner_id, create=True)
    return seal(key, text.encode("utf-8"), field_aad(table, field, row_id, owner_id))


def decrypt_text(blob: bytes, *, owner_id: int, table: str, field: str, row_id: object) -> str:
    key = keyring.key_for(owner_id, create=False)
    return open_sealed(key, bytes(blob), field_aad(table, field, row_id, owner_id)).decode("utf-8")


def rotate_master_key(*, batch_size: int = 500) -> int:
    """Rewrap every data key under the current (first) master key; returns how many changed."""
    from alongside.core.models import DataKey

    current = master_keys()[0]
    current_id = key_id(current)
    changed = 0
    while True:
        with transaction.atomic():
            rows = list(
                DataKey.objects.select_for_update()
                .exclude(master_key_id=current_id)
                .order_by("pk")[:batch_size]
            )
            if not rows:
                break
            for row in rows:
                data_key = unwrap_data_key(row.wrapped_key, row.user_id, row.master_key_id)
                row.wrapped_key = wrap_data_key(data_key, row.user_id, current)
                row.master_key_id = current_id
                row.save(update_fields=["wrapped_key", "master_key_id"])
            changed += len(rows)
    keyring.clear()
    return changed
