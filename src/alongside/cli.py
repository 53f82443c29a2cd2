"""The ``alongside`` command: Django management commands, with the hyphenated names of API.md."""

from __future__ import annotations

import os
import sys

ALIASES = {"seed-demo": "seed_demo"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
        if argv[1] == "demo":
            os.environ.setdefault("ALONGSIDE_MODE", "demo")
            os.environ.setdefault("ALONGSIDE_STAFF_MFA_REQUIRED", "false")
        elif argv[1] in {"serve", "worker"}:
            os.environ.setdefault("ALONGSIDE_MODE", "production")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
