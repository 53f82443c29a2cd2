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
