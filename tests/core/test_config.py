"""Configuration read from the environment: prepared statements on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from alongside.core.config import ConfigError, env_prepare_threshold

NAME = "ALONGSIDE_TEST_PREPARE_THRESHOLD"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 5), ("", 5), ("0", 0), ("12", 12), ("off", None), (" OFF ", None)],
)
def test_prepare_threshold_values(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: int | None
) -> None:
    if raw is None:
        monkeypatch.delenv(NAME, raising=False)
    else:
        monkeypatch.setenv(NAME, raw)
    assert env_prepare_threshold(NAME) == expected


@pytest.mark.parametrize("raw", ["-1", "five", "5.5", "never"])
def test_prepare_threshold_refuses_nonsense(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ConfigError, match=NAME):
        env_prepare_threshold(NAME)


def _database_options(tmp_path: os.PathLike[str], **env: str) -> dict[str, object]:
    """The OPTIONS the settings module builds for a PostgreSQL URL, in a fresh interpreter
    (settings are read once, at import)."""
    script = (
        "import json, alongside.settings as s; "
        "o = dict(s.DATABASES['default']['OPTIONS']); o.pop('pool', None); "
        "print(json.dumps(o))"
    )
    child_env = {
        **os.environ,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "ALONGSIDE_DATA_DIR": str(tmp_path),
        **env,
    }
    child_env.pop("ALONGSIDE_DB_PREPARE_THRESHOLD", None)
    child_env.update(env)
    out = subprocess.run(
        [sys.executable, "-c", script], env=child_env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_postgresql_binds_on_the_server_and_prepares_repeated_queries(tmp_path) -> None:
    options = _database_options(tmp_path)
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5


def test_prepared_statements_can_be_turned_off_for_an_external_pooler(tmp_path) -> None:
    options = _database_options(tmp_path, ALONGSIDE_DB_PREPARE_THRESHOLD="off")
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] is None
