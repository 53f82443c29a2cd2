"""Forms of the crisis-queue pages, "worried about someone" and "talk to someone". Every page
works without JavaScript; the services validate again (and name the field on error)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alongside.safety.cases import MESSAGE_MAX, NOTE_MAX
from alongside.safety.models import Case, Concern, Level

ON_CALL_HOURS = (
    ("", _("Until I turn it off")),
    ("4", _("For 4 hours")),
    ("8", _("For 8 hours")),
    ("12", _("For 12 hours")),
    ("24", _("For 24 hours")),
)


class CaseNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        help_text=_("Only the crisis team can read notes. They are encrypted."),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CaseResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Case.Outcome.choices, widget=forms.RadioSelect
    )
    level = forms.ChoiceField(
        label=_("What level of risk was it, in your judgement? (optional)"),
        help_text=_(
            "Used to measure the safety check. A false alarm is below high; any other outcome "
            "is high or imminent."
        ),
        choices=[("", _("Leave to the outcome")), *Level.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Closing note (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OutreachForm(forms.Form):
    message = forms.CharField(
        label=_("A few words of your own (optional)"),
        help_text=_(
            "They receive a notification that someone from the support team is thinking of "
            "them, with a link to support. Your words appear there. They are never told who "
            "was worried about them."
        ),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OnCallForm(forms.Form):
    on_call = forms.BooleanField(required=False)
    hours = forms.TypedChoiceField(
        label=_("How long"),
        choices=ON_CALL_HOURS,
        coerce=int,
        empty_value=None,
        required=False,
    )


class ConcernForm(forms.Form):
    target_type = forms.ChoiceField(choices=Concern.TargetType.choices, widget=forms.HiddenInput)
    target_id = forms.CharField(max_length=150, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Anything our crisis team should know? (optional)"),
        help_text=_(
            "For example what worries you, or anything you know about how they are. Only the "
            "crisis team reads this; the person never sees it."
        ),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class TalkForm(forms.Form):
    message = forms.CharField(
        label=_("Anything you would like them to know? (optional)"),
        help_text=_("Only our crisis team can read this. It is encrypted."),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SafetySettingsForm(forms.Form):
    concern_outreach = forms.BooleanField(
        label=_(
            "If someone here is worried about me, the support team may send me a caring message"
        ),
        help_text=_(
            "At most one message a week. It never says who was worried. If you turn this off, "
            "the team can still see the concern, but will not message you about it."
        ),
        required=False,
    )
