"""``alongside worker``: run jobs and the periodic scheduler until stopped."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from alongside.core.server import pending_migrations


class Command(BaseCommand):
    help = (
        "Run background jobs (exports, erasures, notifications) and the periodic scheduler. "
        "Start as many as needed: each job runs once, each periodic job once per period. "
        "A job whose worker is killed runs again about a minute later. Stop with Ctrl+C or "
        "SIGTERM (a job in progress finishes first; a second signal stops at once)."
    )
    requires_migrations_checks = False

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds to wait when the queue is empty (1)",
        )
        parser.add_argument(
            "--no-scheduler", action="store_true", help="run jobs only, no periodic scheduling"
        )

    def handle(self, *args: Any, interval: float, no_scheduler: bool, **options: Any) -> None:
        from alongside.core.jobs import run_worker

        pending = pending_migrations()
        if pending:
            raise CommandError(
                f"{len(pending)} database migration(s) are not applied yet "
                f"(first: {pending[0]}). Run `alongside migrate`, then start again."
            )
        if interval < 0:
            raise CommandError("--interval must be 0 or more")
        self.stdout.write("Job worker running. Press Ctrl+C to stop.")
        self.stdout.flush()
        run_worker(interval=interval, scheduler=not no_scheduler)
