"""Helpers for reading configuration; imported by settings, so nothing here touches Django."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import sys
from pathlib import Path

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}
INSECURE_SECRETS = {"changeme", "change-me", "secret", "insecure", "django-insecure"}


class ConfigError(Exception):
    """A configuration value is unusable; the message says which and why."""


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def env_prepare_threshold(name: str, default: int = 5) -> int | None:
    """How many runs of a query on one PostgreSQL connection before it is prepared there:
    a whole number (0: at once), or ``off`` for never (psycopg's ``None``)."""
    raw = (os.environ.get(name) or "").strip().lower()
    if raw == "off":
        return None
    value = env_int(name, default)
    if value < 0:
        raise ConfigError(f"{name} must be 0 or more, or 'off', not {raw!r}")
    return value


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _write_private(path: Path, content: str) -> None:
    """Create ``path`` readable by the owner only; never overwrite an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(content)


def load_or_create_secret(path: Path, *, kind: str) -> str:
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(50)
    try:
        _write_private(path, value + "\n")
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    return value


def decode_master_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode() + b"==")
    except (binascii.Error, ValueError) as exc:
        raise ConfigError("a master key must be 32 bytes in URL-safe base64") from exc
    if len(key) != 32:
        raise ConfigError("a master key must be 32 bytes in URL-safe base64")
    return key


def encode_master_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def load_master_keys(env_value: str | None, path: Path) -> list[bytes]:
    """Master keys, newest first: from ALONGSIDE_MASTER_KEY (comma-separated) or the key file.

    The key file holds one key per line, the current one first. When neither exists a key is
    generated into the file (mode 0600) with a warning: it must be backed up apart from the
    database, or every encrypted field becomes unreadable.
    """
    if env_value:
        return [decode_master_key(part) for part in env_value.split(",") if part.strip()]
    if not path.exists():
        try:
            _write_private(path, encode_master_key(secrets.token_bytes(32)) + "\n")
        except FileExistsError:
            pass
        else:
            sys.stderr.write(
                f"alongside: generated a new master key in {path}. Back it up apart from the "
                "database: without it, encrypted data cannot be read.\n"
            )
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        raise ConfigError(f"{path} holds no master key")
    return [decode_master_key(line) for line in lines]


def production_problems(settings: object) -> list[str]:
    """Why these settings must not serve real people; empty when they are fine."""
    problems = []
    if getattr(settings, "DEBUG", False):
        problems.append("DEBUG is on (unset ALONGSIDE_DEBUG)")
    secret = str(getattr(settings, "SECRET_KEY", ""))
    if len(secret) < 32 or secret.lower() in INSECURE_SECRETS or "insecure" in secret.lower():
        problems.append("the secret key is a default or too short (ALONGSIDE_SECRET_KEY)")
    hosts = list(getattr(settings, "ALLOWED_HOSTS", []))
    if not hosts:
        problems.append("no allowed hosts (set ALONGSIDE_ALLOWED_HOSTS=alongside.example.org)")
    if "*" in hosts:
        problems.append("ALONGSIDE_ALLOWED_HOSTS must name hosts, not '*'")
    return problems
