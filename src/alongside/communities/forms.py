"""Forms of the communities pages.

They parse what a browser sends into the arguments of a service; the rules themselves
(lengths, known topics, tag shape, reasons) live in ``services`` and come back as an
``ApiError`` naming its field, which ``attach_error`` puts next to that field. Limits here
only bound the size of what is read, like the API schemas do.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alongside.core.api import ApiError
from alongside.core.content_warnings import TOPICS, WARNING_TEXT_MAX, topic_label

BODY_READ_MAX = 40_000
TITLE_READ_MAX = 400
REASON_READ_MAX = 300

#: Service field names (API spelling) -> form field names.
FIELD_NAMES = {
    "content_warning": "cw_topics",
    "content_warning.topics": "cw_topics",
    "content_warning.text": "cw_text",
}


def attach_error(form: forms.Form, exc: ApiError) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    field = FIELD_NAMES.get(exc.field or "", exc.field or "")
    # A hidden field (reply_to) has nowhere to show an error: say it above the form.
    visible = field in form.fields and not form.fields[field].widget.is_hidden
    form.add_error(field if visible else None, str(exc.detail))


def _topic_choices() -> list[tuple[str, str]]:
    return [(t, topic_label(t)) for t in TOPICS]


class WarningFieldsMixin(forms.Form):
    """Content warning: topics from the shared vocabulary and a few words of free text."""

    cw_topics = forms.MultipleChoiceField(
        label=_("Topics"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cw_text = forms.CharField(
        label=_("Or describe it in a few words"),
        required=False,
        max_length=WARNING_TEXT_MAX,
        help_text=_("For example: hospital stay, loss of a pet."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Labels are translated when the form is built, in the reader's language.
        self.fields["cw_topics"].choices = _topic_choices()  # type: ignore[attr-defined]

    def content_warning(self) -> dict[str, Any] | None:
        topics = list(self.cleaned_data.get("cw_topics") or [])
        text = self.cleaned_data.get("cw_text") or ""
        if not topics and not text:
            return None
        return {"topics": topics, "text": text}


class ThreadForm(WarningFieldsMixin):
    title = forms.CharField(label=_("Title"), required=False, max_length=TITLE_READ_MAX)
    body = forms.CharField(
        label=_("What would you like to share?"),
        required=False,
        max_length=BODY_READ_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "You can use Markdown: *italic*, **bold**, lists and links. Add #tags in the "
            "text to help people find your thread."
        ),
    )
    anonymous = forms.BooleanField(
        label=_("Post anonymously"),
        required=False,
        help_text=_(
            "Other members will see “Anonymous member” instead of your name. You can "
            "still see that it is yours. Safety staff and moderators can find out who wrote "
            "it only if they record a reason, for example to keep someone safe."
        ),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=400,
        help_text=_("Optional. Words separated by spaces or commas, for example: sleep exams"),
    )

    field_order = ["title", "body", "anonymous", "cw_topics", "cw_text", "tags"]

    def tag_list(self) -> list[str]:
        return [t for t in re.split(r"[\s,]+", self.cleaned_data.get("tags") or "") if t]


class ReplyForm(WarningFieldsMixin):
    body = forms.CharField(
        label=_("Your reply"),
        required=False,
        max_length=BODY_READ_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Be kind: someone on the other side may be having a hard day. Markdown works."),
    )
    anonymous = forms.BooleanField(
        label=_("Reply anonymously"),
        required=False,
        help_text=_(
            "Others see “Anonymous member”. You, and safety staff with a recorded "
            "reason, can still see it is yours."
        ),
    )
    reply_to = forms.IntegerField(
        required=False, min_value=1, max_value=2**62, widget=forms.HiddenInput
    )

    field_order = ["body", "anonymous", "cw_topics", "cw_text", "reply_to"]


class PostEditForm(WarningFieldsMixin):
    title = forms.CharField(label=_("Title"), required=False, max_length=TITLE_READ_MAX)
    body = forms.CharField(
        label=_("Your words"),
        required=False,
        max_length=BODY_READ_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Moderators can see earlier versions of an edited post."),
    )

    field_order = ["title", "body", "cw_topics", "cw_text"]

    def __init__(self, *args: Any, with_title: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_title:
            del self.fields["title"]


class WarningForm(WarningFieldsMixin):
    """A moderator adds a content warning; the note is sent to the author."""

    note = forms.CharField(
        label=_("Note to the author"),
        required=False,
        max_length=REASON_READ_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the warning was added. The author is told; at least 10 characters."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_READ_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("At least 10 characters. It is recorded in the audit log."),
    )

    def __init__(
        self, *args: Any, reason_label: Any = None, reason_help: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if reason_label is not None:
            self.fields["reason"].label = reason_label
        if reason_help is not None:
            self.fields["reason"].help_text = reason_help


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search threads and replies"), required=False, max_length=200)
