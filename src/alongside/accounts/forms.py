from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from alongside.accounts.models import LOCALES, is_too_young


def _this_year() -> int:
    return datetime.datetime.now(datetime.UTC).year


class SignupExtraForm(forms.Form):
    """Extra signup fields (allauth ACCOUNT_SIGNUP_FORM_CLASS), used by pages and the app API."""

    birth_year = forms.IntegerField(
        label=_("Year you were born"),
        help_text=_("Used only to keep younger members safer. Never shown to anyone."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "bday-year"}),
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the terms of use and the privacy notice"),
        required=True,
        error_messages={"required": _("Please accept the terms to create an account.")},
    )

    def clean_birth_year(self) -> int:
        year = self.cleaned_data["birth_year"]
        if year < 1900 or year > _this_year():
            raise forms.ValidationError(
                _("Please enter a year between 1900 and now."), code="invalid"
            )
        if is_too_young(year):
            raise forms.ValidationError(
                _("You need to be 13 or older to have an account."), code="too_young"
            )
        return int(year)

    def signup(self, request: HttpRequest, user: Any) -> None:
        from alongside.privacy.services import consent_grant

        user.birth_year = self.cleaned_data["birth_year"]
        user.save(update_fields=["birth_year"])
        consent_grant(user_id=user.pk, purpose="terms", version=None, source="signup")


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        required=False,
        help_text=_("Shown beside your posts. A nickname is fine; you don't need your real name."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    pronouns = forms.CharField(
        label=_("Pronouns"),
        max_length=40,
        required=False,
        help_text=_("Optional, for example she/her, he/him or they/them."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    locale = forms.ChoiceField(label=_("Language"), choices=LOCALES)
    country = forms.CharField(
        label=_("Country code"),
        max_length=2,
        required=False,
        help_text=_("Two letters, like GB or CN. Used to show crisis lines near you."),
        widget=forms.TextInput(
            attrs={"autocomplete": "country", "size": 4, "spellcheck": "false", "class": "short"}
        ),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone_field = self.fields["time_zone"]
        assert isinstance(zone_field, forms.ChoiceField)
        zone_field.choices = [(tz, tz) for tz in sorted(available_timezones())]

    def clean_country(self) -> str:
        value = self.cleaned_data["country"].strip().upper()
        if value and (len(value) != 2 or not value.isalpha()):
            raise forms.ValidationError(_("Use a two-letter country code."), code="invalid")
        return value
