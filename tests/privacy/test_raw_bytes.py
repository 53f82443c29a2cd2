"""What is on disk: erased people leave no bytes behind in the SQLite files, and encrypted
fields never reach the database (or a pg_dump of it) as plaintext."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from alongside.accounts.models import User
from alongside.privacy.models import ExportRequest
from tests.conftest import PASSWORD, auth, run_jobs
from tests.privacy.conftest import api_post


def _sqlite_bytes() -> bytes:
    """The database file and its write-ahead log, as they are on disk now."""
    path = Path(str(connection.settings_dict["NAME"]))
    assert path.is_file(), f"the SQLite test database must be a file, not {path}"
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _pg_dump() -> bytes:
    db = connection.settings_dict
    if not shutil.which("pg_dump"):
        pytest.fail("pg_dump is not on PATH; it is needed to check the PostgreSQL dump")
    command = ["pg_dump", "--no-owner", "--dbname", str(db["NAME"])]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [flag, str(db[key])]
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    return subprocess.run(command, check=True, capture_output=True, env=env, timeout=120).stdout


def _stored_bytes() -> bytes:
    if connection.vendor == "sqlite":
        return _sqlite_bytes()
    if connection.vendor == "postgresql":
        return _pg_dump()
    pytest.skip(f"no raw-bytes reader for {connection.vendor}")
    return b""


def _forms(text: str) -> list[bytes]:
    """The shapes a text takes on disk or in a dump: raw, and hex (bytea in a dump)."""
    raw = text.encode()
    return [raw, raw.hex().encode()]


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_field_never_reaches_the_database_as_plaintext(make_user) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    control = f"control-{uuid.uuid4().hex}"
    user = make_user(display_name=control[:60])
    export = ExportRequest(user=user, status=ExportRequest.Status.READY)
    export.archive = f"the archive says {canary}"
    export.save()

    stored = _stored_bytes()

    assert control[:60].encode() in stored, "the scan must see plain columns"
    for form in _forms(canary):
        assert form not in stored
    assert ExportRequest.objects.get(pk=export.pk).archive == f"the archive says {canary}"


@pytest.mark.django_db(transaction=True)
def test_erasure_leaves_no_username_or_email_in_the_sqlite_files(client: Client) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite files are checked on SQLite; PostgreSQL frees rows by VACUUM")
    from tests.conftest import signup

    tag = uuid.uuid4().hex[:12]
    member = signup(Client(), f"erasable{tag}", email=f"mail{tag}@example.org")
    client.patch(
        "/api/v1/me",
        {"display_name": f"Shown{tag}", "pronouns": f"p{tag}"},
        content_type="application/json",
        **auth(member["token"]),
    )
    assert api_post(client, "/me/export", member["token"]).status_code == 202
    run_jobs()
    needles = [f"erasable{tag}", f"mail{tag}", f"Shown{tag}", f"p{tag}"]
    before = _sqlite_bytes()
    for needle in needles:
        assert needle.encode() in before, "the scan must find the person before erasure"

    assert api_post(client, "/me/erase", member["token"], {"password": PASSWORD}).status_code == 202
    run_jobs()

    assert not User.objects.filter(pk=member["user_id"]).exists()
    after = _sqlite_bytes()
    for needle in needles:
        assert needle.encode() not in after, needle
        assert needle.encode().hex().encode() not in after, needle
