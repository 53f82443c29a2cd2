from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Signup is by pseudonym; the profile starts in the language the visitor was using."""

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        language = getattr(request, "LANGUAGE_CODE", "en") or "en"
        user.locale = "zh-hans" if language.lower().startswith("zh") else "en"
        if commit:
            user.save()
        return user
