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
import sys
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Process

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


def reuse_port_available() -> bool:
    """Whether the kernel spreads connections over sockets sharing a port (Linux's
    ``SO_REUSEPORT`` balances by a hash of each connection's addresses; the BSDs and macOS
    accept the option without balancing, so there the workers keep one shared socket)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A socket of its own for one worker, bound with ``SO_REUSEPORT`` to the shared port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class OwnSocketProcess(Process):  # type: ignore[misc]
    """uvicorn's worker process, binding a socket of its own instead of using one the
    parent bound and shared (decision 0021)."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            own = reuse_port_socket(self.config.host, self.config.port)
        except OSError as exc:
            logging.getLogger("uvicorn.error").error("Cannot bind: %s", exc)
            sys.exit(STARTUP_FAILURE)
        super().target([own])


def run_uvicorn(
    *,
    host: str,
    port: int,
    workers: int = 1,
    log_level: str = "info",
    app: str = ASGI_APP,
) -> None:
    """Serve ``app`` with uvicorn. With several workers on Linux each worker listens on a
    socket of its own (``SO_REUSEPORT``) and the kernel spreads new connections over them.
    With one socket shared by every worker, whichever worker woke first accepted every
    connection waiting: a benchmark's 32 keep-alive connections were counted 25/7, 27/5 and
    32/0 over two workers, and at 32/0 half the machine stood idle (decision 0021)."""
    import uvicorn
    from uvicorn.supervisors import multiprocess

    os.environ[SERVING_ENV] = "1"  # alongside.asgi tunes the collector of each worker

    options: dict[str, Any] = {
        "host": host.strip("[]"),
        "port": port,
        "workers": workers if workers > 1 else None,
        "loop": "uvloop",
        "http": "httptools",
        # Django's ASGI handler does not speak the lifespan protocol.
        "lifespan": "off",
        "server_header": False,
        "log_config": uvicorn_log_config(log_level.upper()),
        "log_level": log_level,
    }
    if workers <= 1 or not reuse_port_available():
        uvicorn.run(app, **options)  # one process, or one socket shared by every worker
        return
    config = uvicorn.Config(app, **options)
    # The supervisor creates its workers through this module attribute (uvicorn 0.54); it is
    # replaced for as long as this process supervises and put back after.
    shared = multiprocess.Process
    supervisor = multiprocess.Multiprocess(config, sockets=[])
    multiprocess.Process = OwnSocketProcess  # type: ignore[misc]
    try:
        logging.getLogger("uvicorn.error").info(
            "Uvicorn running on http://%s:%d with %d workers, a socket each",
            config.host,
            port,
            config.workers,
        )
        supervisor.run()
    except KeyboardInterrupt:
        pass
    finally:
        multiprocess.Process = shared  # type: ignore[misc]
    if any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes):
        sys.exit(STARTUP_FAILURE)  # a worker could not start (the port, the app): say so
