"""Reactions to allauth's account signals: audit trail for security-relevant account events."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed, password_reset, user_signed_up
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.dispatch import receiver

from alongside.core.audit import audit_record


@receiver(user_signed_up)
def _on_signup(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor_id=user.pk, action="account.signup", target_user_id=user.pk)


@receiver(password_changed)
@receiver(password_reset)
def _on_password(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor_id=user.pk, action="account.password_changed", target_user_id=user.pk)


@receiver(authenticator_added)
def _on_mfa_added(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit_record(
        actor_id=user.pk,
        action="account.mfa_added",
        target_user_id=user.pk,
        data={"type": authenticator.type},
    )


@receiver(authenticator_removed)
def _on_mfa_removed(
    sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    audit_record(
        actor_id=user.pk,
        action="account.mfa_removed",
        target_user_id=user.pk,
        data={"type": authenticator.type},
    )
