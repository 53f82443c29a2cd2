from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _


class AccountAdapter(DefaultAccountAdapter):
    """Signup is by pseudonym; the profile starts in the language the visitor was using."""

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        language = getattr(request, "LANGUAGE_CODE", "en") or "en"
        user.locale = "zh-hans" if language.lower().startswith("zh") else "en"
        if commit:
            user.save()
        return user

    def get_phone(self, user: Any) -> tuple[str, bool] | None:
        """Alongside keeps no phone numbers (allauth's default raises: a 500 on the headless
        ``account/phone`` endpoint)."""
        return None

    def clean_phone(self, phone: str) -> str:
        """Refuse phone numbers with a clear 400: nothing here could send or verify them."""
        raise ValidationError(_("Alongside does not use phone numbers."))

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        """A name longer than any username cannot match one: it is cut to one character more
        than the longest, so the case-insensitive lookup stays a short LIKE (SQLite refuses
        patterns over 50 000 characters: a 500). Failed-attempt limits apply as before."""
        from alongside.accounts.models import User

        longest = User._meta.get_field("username").max_length or 150
        username = credentials.get("username")
        if isinstance(username, str) and len(username) > longest:
            credentials["username"] = username[: longest + 1]
        return super().authenticate(request, **credentials)

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> Any:
        """Suspended and banned people cannot sign in: they see a page saying until when."""
        from alongside.moderation.services import sign_in_block

        sanction = sign_in_block(user.pk) if user.is_active else None
        if sanction is not None:
            from allauth.account.internal.stagekit import clear_login
            from django.shortcuts import redirect

            clear_login(request)
            request.session["moderation_suspended_until"] = (
                sanction.ends_at.isoformat() if sanction.ends_at else ""
            )
            return redirect("moderation:suspended")
        return super().pre_login(request, user, **kwargs)
