"""The purposes a person can consent to, each with the version of its wording now in force.

Raising a version asks everyone again: a grant counts only for the version it was given for.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Purpose:
    key: str
    version: str
    label: Promise
    description: Promise
    required_for_account: bool = False


PURPOSES: dict[str, Purpose] = {
    p.key: p
    for p in (
        Purpose(
            "terms",
            "2026-11",
            _("Terms of use and privacy notice"),
            _("The rules of the community and how we look after your data. Needed to post."),
            required_for_account=True,
        ),
        Purpose(
            "health_data",
            "2026-11",
            _("Health tools"),
            _("Lets you keep mood check-ins, journals and questionnaire answers here."),
        ),
        Purpose(
            "clinician_sharing",
            "2026-11",
            _("Sharing with a clinician"),
            _("Lets you choose to share chosen records with a clinician you link to."),
        ),
        Purpose(
            "research",
            "2026-11",
            _("Research"),
            _("Lets de-identified information about your use help improve support for others."),
        ),
        Purpose(
            "ai_features",
            "2026-11",
            _("Personalised suggestions"),
            _("Lets us suggest communities and exercises based on what you do here."),
        ),
    )
}
