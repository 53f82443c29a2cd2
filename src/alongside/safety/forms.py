from __future__ import annotations

from typing import Any

from django import forms

from alongside.safety.plan import SECTION_MAX_LENGTH, SECTIONS


class SafetyPlanForm(forms.Form):
    """One optional text area per section; the page works with no JavaScript at all."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for section in SECTIONS:
            self.fields[section.key] = forms.CharField(
                label=section.title,
                help_text=section.prompt,
                required=False,
                max_length=SECTION_MAX_LENGTH,
                strip=True,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
