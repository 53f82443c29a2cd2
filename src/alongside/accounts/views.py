from __future__ import annotations

from typing import Any

from allauth.account.views import SignupView as AllauthSignupView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from alongside.accounts.access import user_of
from alongside.accounts.forms import ProfileForm
from alongside.accounts.services import profile_update


class SignupView(AllauthSignupView):
    """allauth's signup, sending anyone under 13 to a kind page instead of an error."""

    def form_invalid(self, form: Any) -> HttpResponse:
        errors = form.errors.as_data().get("birth_year", [])
        if any(getattr(e, "code", None) == "too_young" for e in errors):
            return redirect("signup-too-young")
        return super().form_invalid(form)


def too_young(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/too_young/index.html")


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            profile_update(user_id=user.pk, **form.cleaned_data)
            messages.success(request, _("Your profile is saved."))
            return redirect("account-settings", permanent=False)
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
