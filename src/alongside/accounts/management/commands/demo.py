"""``alongside demo``: a ready-to-try Alongside on this machine, with demo members."""

from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from alongside.core.server import port_free, run_uvicorn

HOST = "127.0.0.1"


class Command(BaseCommand):
    help = (
        "Prepare the database, create demo members (printing their logins) and serve "
        "Alongside at http://127.0.0.1:PORT/ with a job worker. Only for trying it out: the "
        "demo accounts share a published password and staff roles need no MFA."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="port to serve on (8000)")

    def handle(self, *args: Any, port: int, **options: Any) -> None:
        from alongside.accounts.demo import format_logins, seed_demo
        from alongside.communities.demo import seed_communities
        from alongside.core.jobs import start_worker_thread

        if settings.MODE == "production":
            raise CommandError("alongside demo does not run in production mode.")
        if not port_free(HOST, port):
            raise CommandError(
                f"Port {port} is already in use. Try: alongside demo --port {port + 1}"
            )
        self.stdout.write(f"Preparing the database in {settings.DATA_DIR} ...")
        self.stdout.flush()
        call_command("migrate", interactive=False, verbosity=0)
        logins = seed_demo()
        seed_communities()
        url = f"http://{HOST}:{port}/"
        self.stdout.write("")
        self.stdout.write(format_logins(logins))
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Alongside demo: open {url}"))
        self.stdout.write("Press Ctrl+C to stop.")
        self.stdout.flush()
        worker = start_worker_thread()
        try:
            run_uvicorn(host=HOST, port=port)
        finally:
            worker.stop()
