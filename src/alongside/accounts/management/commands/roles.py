"""``alongside roles grant|revoke USERNAME ROLE [--community SLUG]``: audited role changes."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from alongside.core.actor import COMMUNITY_SCOPED_ROLES, Role

ROLE_NAMES = ", ".join(r.value for r in Role)


class Command(BaseCommand):
    help = (
        "Give or take a role. Roles: " + ROLE_NAMES + ". moderator and peer_supporter may be "
        "limited to one community with --community SLUG. Every change is written to the "
        "audit log. Staff roles take effect once the person has turned on two-factor "
        "authentication."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        for action, text in (("grant", "give a role"), ("revoke", "take a role away")):
            command = sub.add_parser(action, help=text)
            command.add_argument("username")
            command.add_argument("role", help=ROLE_NAMES)
            command.add_argument(
                "--community", default="", metavar="SLUG", help="only in this community"
            )
            command.add_argument("--reason", default="", help="recorded in the audit log")

    def handle(
        self,
        *args: Any,
        action: str,
        username: str,
        role: str,
        community: str,
        reason: str,
        **options: Any,
    ) -> None:
        from alongside.accounts.models import User
        from alongside.accounts.services import RoleError, role_grant, role_revoke

        try:
            role_value = Role(role.strip().lower())
        except ValueError:
            raise CommandError(f"Unknown role {role!r}. Roles: {ROLE_NAMES}.") from None
        community = community.strip()
        if community and role_value not in COMMUNITY_SCOPED_ROLES:
            raise CommandError(f"{role_value} cannot be limited to one community.")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No member is called {username!r}.")
        where = f" in {community}" if community else ""
        reason = reason or f"{action} from the command line"
        if action == "grant":
            if role_value == Role.MEMBER:
                self.stdout.write(f"{username} is a member already; everyone is.")
                return
            try:
                role_grant(user_id=user.pk, role=role_value, community=community, reason=reason)
            except RoleError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{username} now has the role {role_value}{where}.")
            return
        if role_revoke(user_id=user.pk, role=role_value, community=community, reason=reason):
            self.stdout.write(f"{username} no longer has the role {role_value}{where}.")
        else:
            self.stdout.write(
                f"{username} did not have the role {role_value}{where}; nothing changed."
            )
