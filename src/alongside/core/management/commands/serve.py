"""``alongside serve``: the production server (uvicorn, ASGI) with an in-process job worker."""

from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from alongside.core.config import production_problems
from alongside.core.server import pending_migrations, port_free, run_uvicorn


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def serve_problems() -> list[str]:
    """Why this process must not serve people; empty when it may."""
    return production_problems(settings)


class Command(BaseCommand):
    help = (
        "Serve Alongside for real people: uvicorn (HTTP + WebSocket) with DEBUG off. Refuses "
        "to start with unsafe settings (DEBUG on, a default secret key, no "
        "ALONGSIDE_ALLOWED_HOSTS) or unapplied migrations (run `alongside migrate` first). "
        "Runs a job worker thread unless --no-worker (then run `alongside worker` apart). "
        "Behind a reverse proxy, set FORWARDED_ALLOW_IPS to the proxy's address."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to bind (8000)")
        parser.add_argument(
            "--workers",
            type=_positive,
            default=1,
            help="web processes (1); jobs need Redis "
            "for live events to reach sockets in other processes without polling delay",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="do not run jobs in this process"
        )

    def handle(
        self, *args: Any, host: str, port: int, workers: int, no_worker: bool, **options: Any
    ) -> None:
        problems = serve_problems()
        if problems:
            raise CommandError(
                "alongside serve refuses to start with these settings:\n"
                + "\n".join(f"  - {p}" for p in problems)
                + "\nFix them in the environment and start again."
            )
        pending = pending_migrations()
        if pending:
            raise CommandError(
                f"{len(pending)} database migration(s) are not applied yet "
                f"(first: {pending[0]}). Run `alongside migrate`, then start again."
            )
        if not port_free(host, port):
            raise CommandError(f"{host}:{port} is already in use; choose another --port.")
        if workers > 1 and not settings.REDIS_URL:
            self.stderr.write(
                "Warning: several web processes without REDIS_URL share no channel layer; "
                "live events reach sockets in other processes by polling (seconds late)."
            )
        worker = None
        if not no_worker:
            from alongside.core.jobs import start_worker_thread

            worker = start_worker_thread()
        try:
            run_uvicorn(host=host, port=port, workers=workers)
        finally:
            if worker is not None:
                worker.stop()
