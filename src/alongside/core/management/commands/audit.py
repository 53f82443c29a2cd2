"""``alongside audit verify``: recompute the audit log's hash chain."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Check the audit log. `verify` recomputes the hash chain from the first row and exits "
        "with status 1, naming the first row that does not fit, when any row was changed, "
        "removed or forged."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser("verify", help="recompute the hash chain")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        from alongside.core.audit import audit_verify

        report = audit_verify()
        if not report.ok:
            raise CommandError(
                f"audit chain broken at row id {report.broken_at}: {report.problem} "
                f"({report.checked} row(s) before it are intact)"
            )
        self.stdout.write(f"audit chain intact: {report.checked} row(s) checked")
