"""``alongside seed-demo``: create or refresh the demo members (idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create the demo members (every age band and role) or bring them back to their demo "
        "state; prints their logins. They share one published password: never run this on "
        "a site that serves real people (refused in production mode)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        from alongside.accounts.demo import format_logins, seed_demo
        from alongside.communities.demo import seed_communities

        if settings.MODE == "production":
            raise CommandError(
                "seed-demo refuses to run in production mode: demo accounts share a "
                "published password."
            )
        logins = seed_demo()
        seed_communities()
        self.stdout.write(format_logins(logins))
