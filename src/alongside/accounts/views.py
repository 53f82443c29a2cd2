from __future__ import annotations

from typing import Any

from allauth.account.views import SignupView as AllauthSignupView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from alongside.accounts.access import user_of
from alongside.accounts.forms import ProfileForm
from alongside.accounts.services import profile_update
from alongside.core.api import ApiError
from alongside.core.http import redirect_after_post
from alongside.safety.selectors import hotlines_for_young_people


class SignupView(AllauthSignupView):
    """allauth's signup, sending anyone under 13 to a kind page instead of an error."""

    def form_invalid(self, form: Any) -> HttpResponse:
        errors = form.errors.as_data().get("birth_year", [])
        if any(getattr(e, "code", None) == "too_young" for e in errors):
            return redirect("signup-too-young")
        return super().form_invalid(form)


def too_young(request: HttpRequest) -> HttpResponse:
    """Under 13: no account, and no shame either: a kind page with places to turn."""
    return render(
        request,
        "accounts/too_young/index.html",
        {"young_lines": _young_lines(hotlines_for_young_people())},
    )


def _young_lines(lines: list[Any]) -> list[dict[str, Any]]:
    lang = "zh-hans" if (translation.get_language() or "").startswith("zh") else "en"
    return [
        {"line": line, "name": line.display_name(lang), "description": line.description_text(lang)}
        for line in lines
    ]


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    """Profile settings; links out to security (allauth) and privacy pages."""
    user = user_of(request)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                user = profile_update(user_id=user.pk, **form.cleaned_data)
            except ApiError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
            else:
                translation.activate(user.locale)
                messages.success(request, _("Your profile is saved."))
                response = redirect_after_post(request, reverse("account-settings"))
                # The language cookie wins over the profile (ActorMiddleware), so keep the
                # two in step when the person changes their language here.
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    user.locale,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                    path=settings.LANGUAGE_COOKIE_PATH,
                )
                return response
    else:
        form = ProfileForm(
            initial={
                "display_name": user.display_name,
                "pronouns": user.pronouns,
                "locale": user.locale,
                "country": user.country,
                "time_zone": user.time_zone,
            }
        )
    return render(request, "accounts/settings/index.html", {"form": form})
