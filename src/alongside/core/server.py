"""What ``alongside serve`` and ``alongside demo`` share: uvicorn with the ASGI app, the
in-process job worker, and logs that never carry session tokens."""

from __future__ import annotations

import copy
import errno
import gc
import logging
import os
import re
import socket
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

ASGI_APP = "alongside.asgi:application"
#: Set by :func:`run_uvicorn` for the server's processes (workers inherit it).
SERVING_ENV = "ALONGSIDE_SERVING"
#: Collect the youngest generation after this many net allocations of container objects
#: (Python's default is 700, which ran a collection about once per signed-in thread page and
#: an older-generation pass every tenth page; decision 0019).
GC_THRESHOLDS = (50_000, 20, 100)
_SECRET_PARAM = re.compile(r"((?:^|[?&;\s])(?:token|session_token|key|code)=)[^&;\s\"]+", re.I)


def redact(text: str) -> str:
    """Hide the values of query parameters that carry credentials (``?token=`` of sockets)."""
    return _SECRET_PARAM.sub(r"\1[redacted]", text)


class RedactSecrets(logging.Filter):
    """Logging filter for uvicorn's access and connection logs (paths include query strings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def uvicorn_log_config(level: str = "INFO") -> dict[str, Any]:
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": f"{__name__}.RedactSecrets"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    for logger in config["loggers"].values():
        logger["level"] = level
    return config


def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            if exc.errno in {errno.EADDRINUSE, errno.EACCES}:
                return False
            raise
    return True


def tune_gc() -> None:
    """For a long-running server process, once its code is loaded: move everything that
    exists now (modules, URL patterns, settings) out of the collector's sight
    (``gc.freeze``), and collect young objects far less often. On the signed-in thread page
    this took the collector from ~0.5 to ~0.2 ms a page and the page's CPU down ~9 %
    (decision 0019). Cycles are still collected; memory stays bounded (a few MB more)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def run_uvicorn(*, host: str, port: int, workers: int = 1, log_level: str = "info") -> None:
    import uvicorn

    os.environ[SERVING_ENV] = "1"  # alongside.asgi tunes the collector of each worker

    uvicorn.run(
        ASGI_APP,
        host=host.strip("[]"),
        port=port,
        workers=workers if workers > 1 else None,
        loop="uvloop",
        http="httptools",
        # Django's ASGI handler does not speak the lifespan protocol.
        lifespan="off",
        server_header=False,
        log_config=uvicorn_log_config(log_level.upper()),
        log_level=log_level,
    )
