from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.forms.utils import flatatt
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from alongside.accounts.models import LOCALES, NOTIFY_KINDS, is_too_young
from alongside.core.content_warnings import FILTER_LABELS, TOPICS, FilterChoice, topic_label


class LongSelect(forms.Select):
    """A select with hundreds of options (the ~600 time zones), written out here: Django
    renders every option through its own template, which made the settings page take
    ~150 ms. Same markup and attributes (id, required, aria-*) as ``forms.Select``."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(key)}"{" selected" if str(key) in chosen else ""}>'
            f"{escape(label)}</option>"
            for key, label in self.choices
        )
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 - escaped


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
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[], widget=LongSelect)

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


def _topic_field_name(topic: str) -> str:
    return f"topic_{topic}"


class ContentFiltersForm(forms.Form):
    """One show/collapse/hide choice per content-warning topic, and muted words."""

    muted_words = forms.CharField(
        label=_("Muted words"),
        required=False,
        help_text=_(
            "One word or phrase per line. Posts that contain them are collapsed, and "
            "notifications leave their text out."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(choice.value, FILTER_LABELS[choice]) for choice in FilterChoice]
        topic_fields = {
            _topic_field_name(topic): forms.ChoiceField(
                label=topic_label(topic),
                choices=choices,
                initial=FilterChoice.COLLAPSE.value,
                widget=forms.RadioSelect,
            )
            for topic in TOPICS
        }
        # Topics first, in the order of the vocabulary; muted words last.
        self.fields = {**topic_fields, "muted_words": self.fields["muted_words"]}

    def topic_fields(self) -> list[forms.BoundField]:
        return [self[_topic_field_name(topic)] for topic in TOPICS]

    def topic_filters(self) -> dict[str, str]:
        return {topic: self.cleaned_data[_topic_field_name(topic)] for topic in TOPICS}

    def muted_word_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["muted_words"].splitlines()]

    @staticmethod
    def initial_for(topic_filters: dict[str, str], muted_words: list[str]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            _topic_field_name(topic): topic_filters.get(topic, FilterChoice.COLLAPSE.value)
            for topic in TOPICS
        }
        initial["muted_words"] = "\n".join(muted_words)
        return initial


NOTIFY_LABELS = {
    "reply": _("Replies to my threads and posts"),
    "mention": _("When someone mentions me"),
    "reaction": _("Support others send for my posts"),
}


class NotificationSettingsForm(forms.Form):
    """A checkbox per kind that can be switched off, and quiet hours (both times or neither)."""

    quiet_hours_start = forms.TimeField(
        label=_("Quiet hours start"),
        required=False,
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_hours_end = forms.TimeField(
        label=_("Quiet hours end"),
        required=False,
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = {
            f"notify_{kind}": forms.BooleanField(label=NOTIFY_LABELS[kind], required=False)
            for kind in NOTIFY_KINDS
        }
        self.fields = {**kinds, **self.fields}

    def kind_fields(self) -> list[forms.BoundField]:
        return [self[f"notify_{kind}"] for kind in NOTIFY_KINDS]

    def notify(self) -> dict[str, bool]:
        return {kind: bool(self.cleaned_data[f"notify_{kind}"]) for kind in NOTIFY_KINDS}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("quiet_hours_start"), cleaned.get("quiet_hours_end")
        if "quiet_hours_start" in cleaned and "quiet_hours_end" in cleaned:
            if (start is None) != (end is None):
                missing = "quiet_hours_end" if end is None else "quiet_hours_start"
                self.add_error(missing, _("Give both a start and an end, or leave both empty."))
            elif start is not None and start == end:
                self.add_error(
                    "quiet_hours_end", _("Quiet hours must start and end at different times.")
                )
        return cleaned


class BlockForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
    kind = forms.ChoiceField(
        label=_("What to do"),
        choices=[
            (
                "block",
                _("Block: hide their posts from me, and stop them replying to or mentioning me"),
            ),
            ("mute", _("Mute: hide their posts from me; they notice nothing")),
        ],
        initial="block",
        widget=forms.RadioSelect,
    )


#: Hold lengths offered on the page (the API takes any whole number from 0 to 72).
FUTURE_SELF_CHOICES = (0, 1, 2, 3, 4, 6, 8, 12, 18, 24, 36, 48, 72)


def _hours_label(hours: int) -> str:
    if hours == 0:
        return str(_("Off: publish my posts at once"))
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


class FutureSelfForm(forms.Form):
    """How long new posts wait, and whom to trust with approving them sooner."""

    hold_hours = forms.TypedChoiceField(
        label=_("How long my new posts wait"),
        coerce=int,
        choices=[],
        help_text=_(
            "A longer wait starts at once. A shorter one, or switching this off, starts only "
            "after one full wait as it is now."
        ),
    )
    trusted_username = forms.CharField(
        label=_("Username of someone you trust (optional)"),
        max_length=150,
        required=False,
        help_text=_(
            "They will be asked first. Once they agree, they can read your waiting posts and "
            "publish them sooner. Leave empty for nobody."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )

    def __init__(self, *args: Any, current: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        values = sorted({*FUTURE_SELF_CHOICES, current})
        field = self.fields["hold_hours"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(value, _hours_label(value)) for value in values]
