"""``alongside keys``: master key generation, rotation and status."""

from __future__ import annotations

import argparse
import secrets
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand

ROTATION_HELP = """\
The master key wraps every member's data key; it lives outside the database
(ALONGSIDE_MASTER_KEY, or the file master.key in ALONGSIDE_DATA_DIR, one key per line).

To rotate it:
  1. alongside keys new            prints a fresh key
  2. put it FIRST, keep the old one after it:
       ALONGSIDE_MASTER_KEY="NEW,OLD"   or   master.key with NEW on line 1, OLD on line 2
     and restart the web and worker processes (they now wrap new keys with NEW and can
     still read keys wrapped with OLD)
  3. alongside keys rotate         rewraps every data key under NEW
  4. alongside keys status         must show no data keys under OLD
  5. remove OLD from the environment or the file, restart, and destroy its backups
     once the database backups made before step 3 have expired.
Back up the new key apart from the database: without it nothing encrypted can be read.
"""


class Command(BaseCommand):
    help = "Manage the master key: new | rotate | status.\n\n" + ROTATION_HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser("new", help="print a fresh random master key (changes nothing)")
        sub.add_parser("rotate", help="rewrap every data key under the first master key")
        sub.add_parser("status", help="how many data keys each master key wraps")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "new":
            from alongside.core.config import encode_master_key

            self.stdout.write(encode_master_key(secrets.token_bytes(32)))
            return
        from alongside.core.crypto import key_id, master_keys, rotate_master_key

        current = key_id(master_keys()[0])
        if action == "rotate":
            changed = rotate_master_key()
            self.stdout.write(
                f"Rewrapped {changed} data key(s) under master key {current}. "
                "Check with `alongside keys status`, then remove the old key."
            )
            return
        from alongside.core.models import DataKey

        configured = [key_id(k) for k in master_keys()]
        counts = Counter(DataKey.objects.values_list("master_key_id", flat=True))
        self.stdout.write(f"current master key: {current}")
        for kid in dict.fromkeys([*configured, *counts]):
            state = (
                "current"
                if kid == current
                else "configured (old)"
                if kid in configured
                else "NOT CONFIGURED: these keys cannot be read"
            )
            self.stdout.write(f"  {kid}  {counts.get(kid, 0):>7} data key(s)  {state}")
        old = sum(n for kid, n in counts.items() if kid != current)
        if old:
            self.stdout.write(f"{old} data key(s) still need `alongside keys rotate`.")
