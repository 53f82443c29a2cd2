"""Privacy inventory entries for safety (see alongside.privacy.inventory)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from alongside.privacy import inventory
from alongside.privacy.inventory import Erase
from alongside.safety.models import SafetyPlan
from alongside.safety.plan import SECTION_KEYS
from alongside.safety.selectors import safety_plan_sections


def _plan(user_id: int) -> list[dict[str, Any]]:
    return [
        {
            **safety_plan_sections(plan),
            "created_at": plan.created_at,
            "updated_at": plan.updated_at,
        }
        for plan in SafetyPlan.objects.filter(user_id=user_id)
    ]


inventory.register(
    SafetyPlan,
    section="safety_plan",
    description=_("Your safety plan, every section as you wrote it."),
    export=_plan,
    erase=Erase.DELETE,
    encrypted_fields=SECTION_KEYS,
)
