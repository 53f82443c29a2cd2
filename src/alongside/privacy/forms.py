from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ConsentChangeForm(forms.Form):
    """One click: the button carries the new state and the version of the wording shown."""

    granted = forms.TypedChoiceField(
        choices=[("1", _("On")), ("0", _("Off"))], coerce=lambda v: v == "1"
    )
    version = forms.CharField(max_length=20, required=False)


class ErasureForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        max_length=4096,
        strip=False,
        help_text=_("To make sure it is really you."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
